# "Run in the background": the server forks, the parent exits, the child serves.
import os
import socket
import threading

clients = []


def handle(conn):
    name = conn.recv(1024).decode().strip()
    clients.append(conn)
    while data := conn.recv(1024):
        for c in clients:
            if c is not conn:
                c.sendall(f"{name}: ".encode() + data)


if os.fork() > 0:
    print("server started in the background")
    os._exit(0)
os.setsid()
s = socket.socket()
s.bind(("", 5002))
s.listen()
while True:
    conn, _ = s.accept()
    threading.Thread(target=handle, args=(conn,), daemon=True).start()
