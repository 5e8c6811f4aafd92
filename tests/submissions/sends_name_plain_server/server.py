"""A server without names (it relays every line raw to the others), with a
client that asks for a name and sends it as its first line: the client does
its part, so client.sends_name must pass, whatever this server does with it."""
import socket
import threading

conns = []
lock = threading.Lock()


def serve(conn):
    while True:
        try:
            data = conn.recv(1024)
        except OSError:
            break
        if not data:
            break
        with lock:
            others = [c for c in conns if c is not conn]
        for other in others:
            try:
                other.sendall(data)
            except OSError:
                pass
    with lock:
        conns.remove(conn)
    conn.close()


srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 8080))
srv.listen()
while True:
    conn, _ = srv.accept()
    with lock:
        conns.append(conn)
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
