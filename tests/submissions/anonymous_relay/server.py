"""Intended mistake: no names.  Every chunk a client sends is relayed to the
others as "[N] Anonymous: <text>", N a message counter -- so the name line a
client sends first arrives as "[1] Anonymous: Bob", which is a relayed
message, not a notice that Bob joined.  Leaving is not announced."""
import socket
import threading

members = []
guard = threading.Lock()
counter = 0


def relay(text, source):
    global counter
    with guard:
        counter += 1
        line = f"[{counter}] Anonymous: {text}"
        for other in list(members):
            if other is not source:
                try:
                    other.sendall(line.encode())
                except OSError:
                    pass


def serve(conn):
    while True:
        try:
            data = conn.recv(1024)
        except OSError:
            break
        if not data:
            break
        relay(data.decode("utf-8", "replace"), conn)
    with guard:
        members.remove(conn)
    conn.close()


listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("0.0.0.0", 5555))
listener.listen()
while True:
    conn, _ = listener.accept()
    with guard:
        members.append(conn)
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
