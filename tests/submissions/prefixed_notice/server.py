"""Negative twin of anonymous_relay: notices that end with the name
("New member: Bob", "Member left: Bob") are real notices, because this
server relays Bob's messages differently ("Bob> hi")."""
import socket
import threading

users = {}
users_lock = threading.Lock()


def send_all(text, skip=None):
    with users_lock:
        conns = [c for c in users if c is not skip]
    for c in conns:
        try:
            c.sendall((text + "\n").encode("utf-8"))
        except OSError:
            pass


def handle(conn):
    buffer = b""
    name = None
    while True:
        try:
            chunk = conn.recv(4096)
        except OSError:
            break
        if not chunk:
            break
        buffer += chunk
        while b"\n" in buffer:
            raw, buffer = buffer.split(b"\n", 1)
            text = raw.decode("utf-8", "replace").strip()
            if name is None:
                name = text
                with users_lock:
                    users[conn] = name
                send_all(f"New member: {name}", conn)
            elif text:
                send_all(f"{name}> {text}", conn)
    with users_lock:
        users.pop(conn, None)
    conn.close()
    if name:
        send_all(f"Member left: {name}")


sock = socket.socket()
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.bind(("127.0.0.1", 7000))
sock.listen()
while True:
    c, a = sock.accept()
    threading.Thread(target=handle, args=(c,), daemon=True).start()
