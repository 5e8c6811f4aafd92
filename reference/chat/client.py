"""Chat client: the reference answer (socket + threading, stdlib only).

Two things happen at once, so there are two threads:
  * the receiver thread prints every line the server sends, as it arrives;
  * the main thread reads what you type and sends it, one line per message.
The first line sent is your name. Type /quit (or press Ctrl-D) to leave.
Exit status: 0 when you left, 1 when the server went away or was unreachable.

Run:  python client.py [--host 127.0.0.1] [--port 9090] [--name Alice]
"""
import argparse
import os
import socket
import sys
import threading

leaving = threading.Event()  # set when WE decided to leave (/quit, EOF, Ctrl-C)
closed = threading.Event()   # set by the receiver when the server closed our connection


def send_line(sock: socket.socket, text: str) -> None:
    sock.sendall((text + "\n").encode("utf-8"))


def server_gone() -> None:
    """The server vanished while we were still chatting: say so and end with status 1."""
    print("Connection closed by server.", flush=True)
    # The main thread may be blocked inside input(), and another thread has no
    # portable way to interrupt that. os._exit() ends the whole process at once;
    # it skips normal cleanup, which is why every print uses flush=True.
    os._exit(1)


def receive(sock: socket.socket) -> None:
    """Receiver thread: print server lines until the connection closes."""
    # makefile() buffers bytes and hands out whole lines: TCP may deliver one
    # line in two pieces or two lines in one piece.
    reader = sock.makefile("r", encoding="utf-8", errors="replace", newline="\n")
    try:
        # readline() returns "" at EOF (recv() == b""): the server closed.
        for line in iter(reader.readline, ""):
            print(line.rstrip("\r\n"), flush=True)
    except OSError:
        pass  # connection reset: the same as a close for us
    closed.set()
    if not leaving.is_set():
        server_gone()


def main() -> None:
    parser = argparse.ArgumentParser(description="Chat client")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9090)
    parser.add_argument("--name", help="your name (asked on stdin if omitted)")
    args = parser.parse_args()

    try:
        name = args.name if args.name is not None else input("Your name: ")
        sock = socket.create_connection((args.host, args.port))
        send_line(sock, name.strip())  # protocol: the first line is the name
    except (EOFError, KeyboardInterrupt):
        return
    except OSError as exc:
        print(f"Cannot connect to {args.host}:{args.port}: {exc}", file=sys.stderr)
        sys.exit(1)

    # daemon=True: the receiver must never keep the program alive by itself.
    threading.Thread(target=receive, args=(sock,), daemon=True).start()

    try:
        while True:
            text = input()  # blocks here; meanwhile the receiver prints
            if text.strip() == "/quit":
                break
            send_line(sock, text)
    except (EOFError, KeyboardInterrupt):
        pass  # Ctrl-D, end of piped input, or Ctrl-C: leave the same way
    except OSError:
        server_gone()  # the server vanished while we were sending
    leaving.set()
    try:
        # Say goodbye and wait (on an event, not a sleep) until the server
        # answers and closes: the receiver prints the last lines, then sets
        # `closed`. The timeout only covers a server that never closes.
        send_line(sock, "/quit")
        closed.wait(timeout=2.0)
    except (OSError, KeyboardInterrupt):
        pass
    sock.close()


if __name__ == "__main__":
    main()
