"""Intended mistake: recv() returning b'' is never treated as a leave.  Once
a member has closed its connection, its thread keeps "receiving" empty
messages and relays each one as "Bob says: " -- again and again, to everyone.
The name appears a thousand times; no leave notice was ever sent."""
import socket
import threading

clients = {}
lock = threading.Lock()


def broadcast(text, sender=None):
    with lock:
        targets = [c for c in clients if c is not sender]
    for c in targets:
        try:
            c.send(text.encode("utf-8"))
        except OSError:
            pass


def client_thread(conn):
    name = conn.recv(1024).decode("utf-8").strip()
    with lock:
        clients[conn] = name
    broadcast(f"{name} joined the chat\n", conn)
    while True:
        try:
            msg = conn.recv(1024).decode("utf-8")
        except OSError:
            break
        broadcast(f"{name} says: {msg}", conn)
    with lock:
        clients.pop(conn, None)


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("", 12345))
server.listen(10)
while True:
    conn, addr = server.accept()
    threading.Thread(target=client_thread, args=(conn,), daemon=True).start()
