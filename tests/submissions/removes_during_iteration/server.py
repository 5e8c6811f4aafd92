"""Intended mistake: a dead client is removed from the list inside the loop
that iterates over that list.  When Bob has left, the next broadcast fails on
Bob's socket, removes it, and the loop's index jumps over the member after
Bob: Carol silently misses that message.  Leaving is not announced."""
import socket
import threading

clients = []
names = {}


def broadcast(message, sender):
    for client in clients:
        if client != sender:
            try:
                client.send(message)
            except OSError:
                client.close()
                clients.remove(client)


def handle(client):
    names[client] = client.recv(1024).decode().strip()
    broadcast(f"{names[client]} joined!\n".encode(), client)
    while True:
        try:
            message = client.recv(1024)
        except OSError:
            break
        if not message:
            break
        broadcast(f"{names[client]}: ".encode() + message, client)
    client.close()


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.bind(("localhost", 55555))
server.listen()
while True:
    client, address = server.accept()
    clients.append(client)
    thread = threading.Thread(target=handle, args=(client,))
    thread.daemon = True
    thread.start()
