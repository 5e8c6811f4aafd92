"""Chat client over UDP: the reference answer (socket + threading, stdlib only).

As the assignment says: with UDP, threading is used to receive the messages
in the client. Two things happen at once, so there are two threads:
  * the receiver thread prints every datagram the server sends, as it arrives;
  * the main thread reads what you type and sends it, one datagram per line.
The first datagram is your name. Type /quit (or press Ctrl-D) to leave: with
UDP the server cannot see you go unless you say so.

Run:  python client.py [--host 127.0.0.1] [--port 9090] [--name Alice]
"""
import argparse
import socket
import threading


def receive(sock: socket.socket) -> None:
    """Receiver thread: print each datagram until the socket is closed."""
    while True:
        try:
            data, _address = sock.recvfrom(65535)
        except OSError:
            return  # the socket was closed: we are leaving
        print(data.decode("utf-8", errors="replace").rstrip("\n"), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description="Chat client over UDP")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9090)
    parser.add_argument("--name", help="your name (asked on stdin if omitted)")
    args = parser.parse_args()
    server = (args.host, args.port)

    try:
        name = args.name if args.name is not None else input("Your name: ")
    except (EOFError, KeyboardInterrupt):
        return
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.sendto(name.strip().encode("utf-8"), server)  # protocol: the first datagram is the name

    # daemon=True: the receiver must never keep the program alive by itself.
    threading.Thread(target=receive, args=(sock,), daemon=True).start()

    try:
        while True:
            text = input()  # blocks here; meanwhile the receiver prints
            if text.strip() == "/quit":
                break
            if text:
                sock.sendto(text.encode("utf-8"), server)
    except (EOFError, KeyboardInterrupt):
        pass  # Ctrl-D, end of piped input, or Ctrl-C: leave the same way
    try:
        sock.sendto(b"/quit", server)  # UDP: the server knows we left only if we say so
    except OSError:
        pass
    sock.close()


if __name__ == "__main__":
    main()
