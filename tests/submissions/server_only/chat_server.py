"""Chat server (lab 4) handed in without its client -- a correct one.

Intended behaviour: a thread per client reading with recv(1024) and
splitting lines itself; the first line is the name; "* NAME joined/left
the chat"; messages go to the others as "NAME: text".
"""
import socket
import threading

clients = {}
lock = threading.Lock()


def tell(text, exclude=None):
    with lock:
        targets = [c for c in clients if c is not exclude]
    for conn in targets:
        try:
            conn.sendall((text + "\n").encode("utf-8"))
        except OSError:
            pass


def serve(conn):
    buf, name = b"", None
    try:
        while True:
            chunk = conn.recv(1024)
            if not chunk:
                break
            buf += chunk
            while b"\n" in buf:
                raw, buf = buf.split(b"\n", 1)
                text = raw.decode("utf-8", "replace").rstrip("\r")
                if name is None:
                    name = text.strip() or "guest"
                    with lock:
                        clients[conn] = name
                    tell("* %s joined the chat" % name, exclude=conn)
                elif text:
                    tell("%s: %s" % (name, text), exclude=conn)
    except OSError:
        pass
    finally:
        with lock:
            clients.pop(conn, None)
        conn.close()
        if name is not None:
            tell("* %s left the chat" % name)


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", 12345))
server.listen()
while True:
    conn, _ = server.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
