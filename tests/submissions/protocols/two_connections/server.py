# Two sockets per user: the client sends on one ("SEND <name>") and
# listens on the other ("RECV <name>").
import socket
import threading

receivers = {}  # name -> socket we write to
lock = threading.Lock()


def broadcast(text, exclude=None):
    with lock:
        targets = [(n, s) for n, s in receivers.items() if n != exclude]
    for n, s in targets:
        try:
            s.send((text + "\n").encode())
        except OSError:
            with lock:
                receivers.pop(n, None)


def sender_loop(conn, name):
    broadcast("* " + name + " is online", exclude=name)
    buf = b""
    while True:
        try:
            data = conn.recv(1024)
        except OSError:
            data = b""
        if not data:
            break
        buf += data
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            text = line.decode().strip()
            if text:
                broadcast("<" + name + "> " + text, exclude=name)
    conn.close()
    with lock:
        gone = receivers.pop(name, None)
    if gone:
        gone.close()
    broadcast("* " + name + " went offline")


def first_line(conn):
    buf = b""
    while b"\n" not in buf:
        data = conn.recv(1)
        if not data:
            return None
        buf += data
    return buf.decode().strip()


def handle(conn):
    hello = first_line(conn)
    if hello is None:
        conn.close()
        return
    kind, _, name = hello.partition(" ")
    if kind == "RECV":
        with lock:
            receivers[name] = conn
    elif kind == "SEND":
        sender_loop(conn, name)
    else:
        conn.close()


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.bind(("", 7000))
server.listen(5)
print("listening on 7000")
try:
    while True:
        c, a = server.accept()
        threading.Thread(target=handle, args=(c,), daemon=True).start()
except KeyboardInterrupt:  # Ctrl-C: the client threads are daemons, so this ends it
    print("server stopped")
