"""Intended mistake: no leave notice at all.  And a habit seen in real code: the
server sleeps a moment before it announces a newcomer ("so that the messages
do not merge").  The late join notice must not be taken for a leave notice."""
import socket
import threading
import time

clients = []
lock = threading.Lock()


def broadcast(text, sender):
    with lock:
        for c in clients:
            if c is not sender:
                try:
                    c.sendall(text.encode("utf-8"))
                except OSError:
                    pass


def handle(conn):
    name = conn.recv(1024).decode("utf-8").strip()
    with lock:
        clients.append(conn)
    time.sleep(0.4)  # "so that the welcome and the notice do not merge"
    broadcast(f"{name} joined the chat\n", conn)
    while True:
        data = conn.recv(1024)
        if not data:
            break
        broadcast(f"{name}: {data.decode('utf-8').strip()}\n", conn)
    with lock:
        clients.remove(conn)
    conn.close()


server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", 5555))
server.listen()
while True:
    conn, _ = server.accept()
    threading.Thread(target=handle, args=(conn,), daemon=True).start()
