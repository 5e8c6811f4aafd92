"""A plain working chat server that the hostile fixtures wrap with their misbehaviour.

The tests copy this file next to a fixture as chatcore.py.  ``run()`` serves
forever; ``notice`` decorates the notices (to send hostile text).
"""
import socket
import threading

members = {}
lock = threading.Lock()


def _send_all(data, skip=None):
    with lock:
        targets = [c for c in members if c is not skip]
    for target in targets:
        try:
            target.sendall(data)
        except OSError:
            pass


def _serve(conn, notice):
    reader = conn.makefile("rb")
    name = reader.readline().decode("utf-8", "replace").strip() or "anon"
    with lock:
        members[conn] = name
    _send_all(notice(f"* {name} joined the chat\n"), skip=conn)
    try:
        for line in reader:
            _send_all(f"{name}: ".encode() + line, skip=conn)
    except OSError:  # reset by the client: a leave like any other
        pass
    with lock:
        members.pop(conn, None)
    _send_all(notice(f"* {name} left the chat\n"))


def run(port=9090, notice=lambda text: text.encode()):
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("0.0.0.0", port))
    server.listen()
    while True:
        conn, _ = server.accept()
        threading.Thread(target=_serve, args=(conn, notice), daemon=True).start()
