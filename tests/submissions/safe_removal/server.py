"""Negative twin of removes_during_iteration: the loop runs over a copy of
the list and the dead clients are removed after it; a leave is announced."""
import socket
import threading

clients = []
names = {}
lock = threading.Lock()


def broadcast(message, sender=None):
    dead = []
    with lock:
        snapshot = list(clients)
    for client in snapshot:
        if client is not sender:
            try:
                client.sendall(message)
            except OSError:
                dead.append(client)
    with lock:
        for client in dead:
            if client in clients:
                clients.remove(client)


def handle(client):
    name = client.recv(1024).decode().strip()
    names[client] = name
    broadcast(f"{name} joined!\n".encode(), client)
    while True:
        try:
            message = client.recv(1024)
        except OSError:
            break
        if not message:
            break
        broadcast(f"{name}: ".encode() + message, client)
    with lock:
        if client in clients:
            clients.remove(client)
    client.close()
    broadcast(f"{name} has left.\n".encode())


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("localhost", 55556))
server.listen()
while True:
    client, address = server.accept()
    with lock:
        clients.append(client)
    threading.Thread(target=handle, args=(client,), daemon=True).start()
