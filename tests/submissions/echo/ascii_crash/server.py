# Decodes as ASCII: the first Cyrillic letter raises UnicodeDecodeError and kills the client's thread.
import socket
import threading


def handle(conn):
    while True:
        data = conn.recv(1024)
        if not data:
            break
        text = data.decode("ascii")
        conn.sendall(text.encode("ascii"))
    conn.close()


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", 8080))
server.listen(10)
while True:
    conn, addr = server.accept()
    threading.Thread(target=handle, args=(conn,)).start()
