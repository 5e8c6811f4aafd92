"""Colours everything it sends (ANSI SGR, as termcolor/colorama produce):
"\x1b[32m* Bob joined\x1b[0m", "\x1b[1;34mBob\x1b[0m: hi".  A terminal shows
plain notices and attributed messages: every server check must pass."""
import socket
import threading

GREEN, BLUE, RED, RESET = "\x1b[32m", "\x1b[1;34m", "\x1b[31m", "\x1b[0m"
clients = {}
lock = threading.Lock()


def broadcast(text, skip=None):
    with lock:
        targets = [c for c in clients if c is not skip]
    for c in targets:
        try:
            c.sendall(text.encode("utf-8"))
        except OSError:
            pass


def handle(conn):
    pending = b""
    name = None
    while True:
        try:
            data = conn.recv(1024)
        except OSError:
            break
        if not data:
            break
        pending += data
        while b"\n" in pending:
            raw, pending = pending.split(b"\n", 1)
            line = raw.decode("utf-8", "replace").strip()
            if name is None:
                name = line
                with lock:
                    clients[conn] = name
                broadcast(f"{GREEN}* {name} joined{RESET}\n", conn)
            elif line:
                broadcast(f"{BLUE}{name}{RESET}: {line}\n", conn)
    with lock:
        clients.pop(conn, None)
    conn.close()
    if name:
        broadcast(f"{RED}* {name} left{RESET}\n")


s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 6000))
s.listen()
while True:
    c, _ = s.accept()
    threading.Thread(target=handle, args=(c,), daemon=True).start()
