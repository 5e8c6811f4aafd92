"""Intended: CORRECT, in the popular tutorial style: the server sends "NICK",
reads the nickname in the client's own thread, relays line-less recv(1024)
chunks as "name: msg" to everyone including the sender (echo).
It should pass every check."""
import socket
import threading

host = '127.0.0.1'
port = 55555

server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind((host, port))
server.listen()

clients = []
nicknames = []
lock = threading.Lock()


def broadcast(message):
    with lock:
        targets = list(clients)
    for client in targets:
        try:
            client.send(message)
        except OSError:
            pass


def remove(client):
    with lock:
        if client not in clients:
            return None
        index = clients.index(client)
        clients.pop(index)
        return nicknames.pop(index)


def handle(client):
    try:
        client.send('NICK'.encode('utf-8'))
        nickname = client.recv(1024).decode('utf-8').strip()
    except OSError:
        client.close()
        return
    if not nickname:
        client.close()
        return
    with lock:
        nicknames.append(nickname)
        clients.append(client)
    print("Nickname is {}".format(nickname))
    broadcast("{} joined!\n".format(nickname).encode('utf-8'))
    while True:
        try:
            message = client.recv(1024)
        except OSError:
            break
        if not message:
            break
        broadcast('{}: '.format(nickname).encode('utf-8') + message)
    left = remove(client)
    client.close()
    if left:
        broadcast('{} left!\n'.format(left).encode('utf-8'))


def receive():
    while True:
        client, address = server.accept()
        print("Connected with {}".format(str(address)))
        thread = threading.Thread(target=handle, args=(client,))
        thread.daemon = True
        thread.start()


print("Server is listening...")
receive()
