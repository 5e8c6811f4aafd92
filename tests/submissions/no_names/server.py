"""Intended mistake: no names at all.  A newcomer is announced by its address
("('127.0.0.1', 54321) has entered the room"), and every received chunk is
relayed raw to everyone, the sender included -- so the first line a client
sends (its name) is just relayed back as a chat message."""
import socket
import threading

clients = []
lock = threading.Lock()


def send_to_all(data):
    with lock:
        for c in list(clients):
            try:
                c.sendall(data)
            except OSError:
                pass


def handler(conn, addr):
    while True:
        try:
            data = conn.recv(1024)
        except OSError:
            break
        if not data:
            break
        send_to_all(data)
    with lock:
        clients.remove(conn)
    conn.close()
    send_to_all(f"{addr} has left the room\n".encode())


s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 9090))
s.listen(5)
while True:
    conn, addr = s.accept()
    with lock:
        clients.append(conn)
    send_to_all(f"{addr} has entered the room\n".encode())
    threading.Thread(target=handler, args=(conn, addr), daemon=True).start()
