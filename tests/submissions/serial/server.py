"""Intended mistake: no threads.  The accept loop serves one client completely
(its name, then its messages until it disconnects) before accepting the next."""
import socket

HOST = "127.0.0.1"
PORT = 5555

clients = []

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((HOST, PORT))
s.listen(10)
print("Server started")

while True:
    conn, addr = s.accept()
    try:
        name = conn.recv(1024).decode().strip()
        clients.append(conn)
        for c in clients:
            if c != conn:
                c.send((name + " joined the chat\n").encode())
        conn.send(("Hello, " + name + "!\n").encode())
        while True:
            data = conn.recv(1024)
            if not data:
                break
            text = data.decode().strip()
            print(name + ": " + text)
            for c in clients:
                if c != conn:
                    c.send((name + ": " + text + "\n").encode())
    except ConnectionError:
        pass
    if conn in clients:
        clients.remove(conn)
    conn.close()
    for c in clients:
        c.send((name + " left the chat\n").encode())
