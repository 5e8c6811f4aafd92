"""Intended mistake: the name handshake (a blocking recv) is done in the
accept loop, before the client's thread is started; everything else is
right.  One client that never sends its name blocks everybody else."""
import socket
import threading

HOST = "127.0.0.1"
PORT = 9090

lock = threading.Lock()
members = {}


def broadcast(text, skip=None):
    with lock:
        socks = [s for s in members if s is not skip]
    for s in socks:
        try:
            s.sendall(text.encode("utf-8"))
        except OSError:
            pass


def serve(conn, name):
    try:
        while True:
            data = conn.recv(1024)
            if not data:
                break
            for line in data.decode("utf-8").splitlines():
                if line:
                    broadcast(f"{name}: {line}\n", skip=conn)
    except OSError:
        pass
    with lock:
        members.pop(conn, None)
    conn.close()
    broadcast(f"* {name} left the chat\n")


def main():
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((HOST, PORT))
    srv.listen()
    while True:
        conn, addr = srv.accept()
        conn.sendall("Your name: ".encode("utf-8"))
        name = conn.recv(1024).decode("utf-8").strip()
        if not name:
            conn.close()
            continue
        with lock:
            members[conn] = name
        broadcast(f"* {name} joined the chat\n", skip=conn)
        threading.Thread(target=serve, args=(conn, name), daemon=True).start()


main()
