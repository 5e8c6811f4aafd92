"""Correct, in a shape seen in real code: handlers only queue what is to be sent, and
one "sender" thread wakes every 50 ms to send what the queue holds.  So the server
never settles by itself (the sender ticks), and every relay, notice included, comes
at the sender's next wake, up to 50 ms after the line that caused it.  Nothing here
must fail for that: what a ticking thread does about an action, it does when it wakes.
The one real flaw: the sender sends to everyone in turn, so a member who stops
reading stops it (server.slow_reader)."""
import socket
import threading
import time
from collections import deque

PORT = 9090

members = {}  # conn -> name
members_lock = threading.Lock()
outbox = deque()  # (text, conn to leave out or None)


def queue(text, skip=None):
    outbox.append((text, skip))


def sender():
    while True:
        time.sleep(0.05)
        while outbox:
            text, skip = outbox.popleft()
            with members_lock:
                targets = [c for c in members if c is not skip]
            for c in targets:
                try:
                    c.sendall((text + "\n").encode("utf-8"))
                except OSError:
                    pass


def serve(conn):
    reader = conn.makefile("r", encoding="utf-8", newline="\n")
    name = None
    try:
        name = reader.readline().strip()
        if not name:
            return
        with members_lock:
            members[conn] = name
        queue(f"* {name} joined the chat", skip=conn)
        for line in reader:
            line = line.rstrip("\r\n")
            if line:
                queue(f"{name}: {line}", skip=conn)
    except OSError:
        pass
    finally:
        with members_lock:
            known = members.pop(conn, None) is not None
        conn.close()
        if known:
            queue(f"* {name} left the chat")


def main():
    threading.Thread(target=sender, daemon=True).start()
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", PORT))
    listener.listen()
    try:
        while True:
            conn, _addr = listener.accept()
            threading.Thread(target=serve, args=(conn,), daemon=True).start()
    except KeyboardInterrupt:
        print("server stopped")
    finally:
        listener.close()


main()
