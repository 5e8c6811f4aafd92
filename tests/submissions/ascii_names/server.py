"""Intended mistake: the name is decoded with .decode('ascii') in the accept
loop.  A Cyrillic name raises UnicodeDecodeError there, which kills the
accept loop (the main thread) and with it the whole server."""
import socket
import threading

clients = []
nicknames = []


def broadcast(message, sender=None):
    for client in clients:
        if client is not sender:
            try:
                client.send(message)
            except OSError:
                pass


def handle(client):
    while True:
        try:
            message = client.recv(1024)
        except OSError:
            message = b''
        if not message:
            index = clients.index(client)
            clients.remove(client)
            client.close()
            nickname = nicknames.pop(index)
            broadcast(f'{nickname} left the chat\n'.encode('utf-8'))
            break
        index = clients.index(client)
        broadcast(f'{nicknames[index]}: '.encode('utf-8') + message, client)


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(('127.0.0.1', 55555))
server.listen()

while True:
    client, address = server.accept()
    nickname = client.recv(1024).decode('ascii').strip()
    nicknames.append(nickname)
    clients.append(client)
    broadcast(f'{nickname} joined the chat\n'.encode('utf-8'), client)
    thread = threading.Thread(target=handle, args=(client,), daemon=True)
    thread.start()
