"""Multi-user chat over UDP: the reference answer (socket + threading, stdlib only).

UDP has no connections: one datagram socket receives from everyone, and a
member is known by its address (ip, port), learnt from recvfrom().

Protocol (UTF-8 text, one message per datagram):
  * A new address's first datagram is its name ("" becomes "guest<N>").
    The newcomer gets "* Welcome, NAME! Online: a, b. Type /quit to leave.";
    everyone else gets "* NAME joined the chat".
  * Every other datagram is a chat message and goes to all OTHER members
    as "NAME: text" (the sender does not get an echo).
  * "/quit" ends the membership: the others get "* NAME left the chat".
    A UDP client that is killed just stops sending: nothing can tell the
    server, which is why a UDP client must say /quit before it ends.

One thread is enough here: recvfrom() returns each datagram whole, from
whoever sent it, and sendto() never waits for a slow member. The threading
of a UDP chat is in the client (its receiver thread).

Run:  python server.py [--host 127.0.0.1] [--port 9090]
"""
import argparse
import itertools
import socket
import threading

# address -> name. Only the main thread changes it today; the Lock keeps it
# correct if you move the sending into threads of their own.
members: dict[tuple, str] = {}
members_lock = threading.Lock()
guest_numbers = itertools.count(1)


def broadcast(sock: socket.socket, text: str, exclude: tuple | None = None) -> None:
    """Send one datagram to every member except `exclude`."""
    with members_lock:
        recipients = [address for address in members if address != exclude]
    data = text.encode("utf-8")
    for address in recipients:
        try:
            sock.sendto(data, address)
        except OSError:
            pass  # that address cannot be reached now; the others still get the message


def handle(sock: socket.socket, data: bytes, address: tuple) -> None:
    """One datagram from `address`: a name (first datagram), a message, or /quit."""
    text = data.decode("utf-8", errors="replace").strip()
    with members_lock:
        name = members.get(address)
    if name is None:  # a new address: its first datagram is its name
        if text == "/quit":
            return
        name = text or f"guest{next(guest_numbers)}"
        with members_lock:
            others = list(members.values())
            members[address] = name
        sock.sendto(f"* Welcome, {name}! Online: {', '.join(others) or 'nobody else'}. "
                    "Type /quit to leave.".encode("utf-8"), address)
        broadcast(sock, f"* {name} joined the chat", exclude=address)
    elif text == "/quit":
        with members_lock:
            members.pop(address, None)
        sock.sendto(f"* Goodbye, {name}!".encode("utf-8"), address)
        broadcast(sock, f"* {name} left the chat")
    elif text:
        broadcast(sock, f"{name}: {text}", exclude=address)


def main() -> None:
    parser = argparse.ArgumentParser(description="Multi-user chat server over UDP")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9090)
    args = parser.parse_args()

    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((args.host, args.port))
    print(f"UDP chat server on {args.host}:{args.port}", flush=True)
    try:
        while True:
            # A datagram arrives whole (up to 64 KiB), with its sender's address.
            data, address = sock.recvfrom(65535)
            try:
                handle(sock, data, address)
            except OSError:
                pass  # one member's trouble must not stop the server
    except KeyboardInterrupt:
        pass  # Ctrl-C: leave quietly, no traceback
    finally:
        sock.close()


if __name__ == "__main__":
    main()
