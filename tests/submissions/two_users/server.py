"""Intended mistake: a chat for exactly two people.  The server accepts two
connections, relays between them, and never accepts (serves) a third one."""
import socket
import threading

server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(('localhost', 9090))
server.listen(2)

conns = []
names = {}


def other(c):
    for x in conns:
        if x is not c:
            return x
    return None


def talk(c):
    try:
        name = c.recv(1024).decode().strip()
        names[c] = name
        partner = other(c)
        if partner is not None and partner in names:
            partner.send(f'{name} joined\n'.encode())
            c.send(f'You are talking to {names[partner]}\n'.encode())
        else:
            c.send(b'Waiting for the second user...\n')
        while True:
            msg = c.recv(1024)
            if not msg:
                break
            partner = other(c)
            if partner is not None:
                partner.send(f'{name}: '.encode() + msg)
    except OSError:
        pass
    partner = other(c)
    conns.remove(c)
    c.close()
    if partner is not None:
        try:
            partner.send(f'{names.get(c, "?")} has left\n'.encode())
        except OSError:
            pass


threads = []
for i in range(2):
    conn, addr = server.accept()
    print('user', i + 1, 'connected from', addr)
    conns.append(conn)
    t = threading.Thread(target=talk, args=(conn,))
    t.start()
    threads.append(t)

for t in threads:
    t.join()
server.close()
print('chat over')
