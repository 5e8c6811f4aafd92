"""Intended: a CORRECT chat in a different style (recv(1024) chunks, no line
framing, an "Enter your name: " prompt, Russian notices, "[name] text").
It must pass every check."""
import socket
import threading

HOST = '127.0.0.1'
PORT = 5555

clients = {}            # сокет -> имя
lock = threading.Lock()


def send_all(data, skip=None):
    with lock:
        targets = [s for s in clients if s is not skip]
    dead = []
    for s in targets:
        try:
            s.sendall(data.encode('utf-8'))
        except OSError:
            dead.append(s)
    for s in dead:
        with lock:
            clients.pop(s, None)


def client_thread(sock):
    sock.sendall('Enter your name: '.encode('utf-8'))
    try:
        raw = sock.recv(1024)
    except OSError:
        sock.close()
        return
    if not raw:
        sock.close()
        return
    name = raw.decode('utf-8', 'replace').strip() or 'аноним'
    with lock:
        clients[sock] = name
    print(name, 'подключился')
    send_all(f'{name} вошёл в чат\n', skip=sock)
    while True:
        try:
            data = sock.recv(1024)
        except OSError:
            break
        if not data:
            break
        text = data.decode('utf-8', 'replace').strip()
        if text:
            send_all(f'[{name}] {text}\n', skip=sock)
    with lock:
        was_here = clients.pop(sock, None) is not None
    sock.close()
    if was_here:
        send_all(f'{name} покинул чат\n')
    print(name, 'отключился')


srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((HOST, PORT))
srv.listen(5)
print('Сервер запущен на порту', PORT)
while True:
    s, addr = srv.accept()
    print('Новое подключение', addr)
    t = threading.Thread(target=client_thread, args=(s,))
    t.daemon = True
    t.start()
