"""Intended mistake (the classic tutorial bug): recv() == b'' is not checked,
so the empty data is "broadcast" (send(b'') to everyone) and the loop spins.
The departed client is removed, with a "Bob left!" notice, only when a later
send to its socket raises."""
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


def broadcast(message):
    for client in clients:
        client.send(message)


def handle(client):
    nickname = client.recv(1024).decode('utf-8').strip()
    nicknames.append(nickname)
    clients.append(client)
    print("Nickname is {}".format(nickname))
    broadcast("{} joined!\n".format(nickname).encode('utf-8'))
    while True:
        try:
            message = client.recv(1024)
            if message:
                message = '{}: '.format(nickname).encode('utf-8') + message
            broadcast(message)
        except:
            index = clients.index(client)
            clients.remove(client)
            client.close()
            nickname = nicknames[index]
            broadcast('{} left!\n'.format(nickname).encode('utf-8'))
            nicknames.remove(nickname)
            break


def receive():
    while True:
        client, address = server.accept()
        print("Connected with {}".format(str(address)))
        thread = threading.Thread(target=handle, args=(client,))
        thread.start()


print("Server is listening...")
receive()
