# Written for Python 3.12: an f-string that reuses its own quotes (PEP 701).
import socket
import threading

clients = {}


def handle(conn):
    name = conn.recv(1024).decode().strip()
    clients[conn] = {"name": name}
    for c in list(clients):
        if c is not conn:
            c.sendall(f"* {clients[conn]["name"]} joined\n".encode())
    while data := conn.recv(1024):
        for c in list(clients):
            if c is not conn:
                c.sendall(f"{name}: ".encode() + data)
    del clients[conn]


s = socket.socket()
s.bind(("", 5001))
s.listen()
while True:
    conn, _ = s.accept()
    threading.Thread(target=handle, args=(conn,), daemon=True).start()
