# A thread per client, but the loop never ends: after the client closes, recv() returns b'' forever.
import socket
import threading


def handle(conn):
    while True:
        data = conn.recv(1024)
        conn.sendall(data)


server = socket.socket()
server.bind(("", 5000))
server.listen()
while True:
    conn, addr = server.accept()
    threading.Thread(target=handle, args=(conn,)).start()
