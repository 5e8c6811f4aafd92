"""Intended mistake: the server binds and then sleeps forever in a loop,
never calling listen() (nor accept()), so nobody can ever connect."""
import socket
import threading
import time

clients = []


def client_handler(conn):
    while True:
        msg = conn.recv(1024)
        if not msg:
            break
        for c in clients:
            if c != conn:
                c.send(msg)


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.bind(("127.0.0.1", 5555))
print("Server bound, waiting...")

# forgot server.listen() and the accept loop
while True:
    time.sleep(0.5)
