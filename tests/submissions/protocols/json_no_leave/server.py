# Chat server, lab 3 (first version). Messages are JSON objects, one per line:
#   {"name": "...", "message": "..."}
# The first object a client sends has only its name.
import json
import socket
import threading

HOST = "127.0.0.1"
PORT = 5050

clients = {}
lock = threading.Lock()


def send_to_all(obj, skip=None):
    data = (json.dumps(obj, ensure_ascii=False) + "\n").encode("utf-8")
    with lock:
        targets = [c for c in clients if c is not skip]
    for c in targets:
        try:
            c.sendall(data)
        except OSError:
            pass


def handle(conn):
    f = conn.makefile("r", encoding="utf-8")
    hello = json.loads(f.readline())
    name = hello["name"]
    with lock:
        clients[conn] = name
    send_to_all({"name": "server", "message": name + " joined the chat"}, skip=conn)
    try:
        for line in f:
            msg = json.loads(line)
            send_to_all({"name": name, "message": msg["message"]}, skip=conn)
    except OSError:
        pass
    with lock:
        del clients[conn]
    conn.close()



s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((HOST, PORT))
s.listen()
print("server started")
try:
    while True:
        conn, addr = s.accept()
        threading.Thread(target=handle, args=(conn,), daemon=True).start()
except KeyboardInterrupt:  # Ctrl-C: the client threads are daemons, so this ends it
    print("server stopped")
