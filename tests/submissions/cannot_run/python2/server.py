# A chat server from a Python 2 tutorial: print statements, raw_input-era code.
import socket
import thread

clients = []


def handle(conn):
    name = conn.recv(1024).strip()
    print "%s joined" % name
    clients.append(conn)
    while True:
        data = conn.recv(1024)
        if not data:
            break
        for c in clients:
            if c is not conn:
                c.send(name + ": " + data)


s = socket.socket()
s.bind(("", 5000))
s.listen(5)
while True:
    conn, addr = s.accept()
    thread.start_new_thread(handle, (conn,))
