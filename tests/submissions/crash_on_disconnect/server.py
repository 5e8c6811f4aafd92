"""Intended mistake: no exception handling in the client thread.  On b'' the
thread just returns (the client stays in the list); on a reset recv() raises
ConnectionResetError and the thread dies; later a broadcast to the departed
client's socket raises BrokenPipeError in the *speaker's* thread and kills it."""
import socket
import threading

clients = []
names = {}


def broadcast(msg, sender):
    for c in clients:
        if c != sender:
            c.send(msg)


def handle(conn):
    name = conn.recv(1024).decode().strip()
    names[conn] = name
    clients.append(conn)
    broadcast(f"{name} joined the chat\n".encode(), conn)
    while True:
        data = conn.recv(1024)
        if not data:
            return
        broadcast(f"{name}: ".encode() + data, conn)


server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", 9090))
server.listen()
while True:
    conn, addr = server.accept()
    threading.Thread(target=handle, args=(conn,)).start()
