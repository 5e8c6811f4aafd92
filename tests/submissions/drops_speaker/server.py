"""Intended mistake: recv() == b'' is ignored (`if msg: broadcast(...)`), so a
departed client's thread spins and the client stays in the list.  The next
broadcast to it raises inside the *speaker's* thread, and the speaker's
except-block then removes and closes the speaker, not the departed client."""
import socket
import threading

clients = []
nicknames = []


def broadcast(prefix, msg, sender):
    for c in clients:
        if c != sender:
            c.send(prefix)
            c.send(msg)


def handle(conn):
    nickname = conn.recv(1024).decode().strip()
    clients.append(conn)
    nicknames.append(nickname)
    for c in clients:
        if c != conn:
            c.send(f"{nickname} joined the chat\n".encode())
    while True:
        try:
            msg = conn.recv(1024)
            if msg:
                broadcast(f"{nickname}: ".encode(), msg, conn)
        except:
            index = clients.index(conn)
            clients.remove(conn)
            conn.close()
            nicknames.pop(index)
            for c in clients:
                c.send(f"{nickname} left the chat\n".encode())
            break


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", 55555))
server.listen()
while True:
    conn, addr = server.accept()
    t = threading.Thread(target=handle, args=(conn,))
    t.start()
