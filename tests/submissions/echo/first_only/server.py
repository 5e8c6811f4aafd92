# A thread per client, but no loop: only the first message is echoed, then the connection is closed.
import socket
import threading


def handle(conn):
    data = conn.recv(1024)
    conn.send(data)
    conn.close()


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.bind(("127.0.0.1", 12345))
server.listen()
while True:
    client, address = server.accept()
    threading.Thread(target=handle, args=(client,), daemon=True).start()
