"""Intended mistake: a SyntaxError -- a `try:` block without any `except`
or `finally`, as students write when they mean to "add the except later"."""
import socket
import threading

clients = []


def handle(conn):
    name = conn.recv(1024).decode().strip()
    clients.append(conn)
    while True:
        try:
            data = conn.recv(1024)
            if not data:
                break
            for c in clients:
                if c is not conn:
                    c.send(f"{name}: ".encode() + data)
    clients.remove(conn)
    conn.close()


server = socket.socket()
server.bind(("127.0.0.1", 9090))
server.listen()
while True:
    conn, addr = server.accept()
    threading.Thread(target=handle, args=(conn,)).start()
