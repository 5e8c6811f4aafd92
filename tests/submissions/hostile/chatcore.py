"""A plain working chat server that the hostile fixtures wrap with their misbehaviour.

The tests copy this file next to a fixture as chatcore.py.  ``run()`` serves
forever; ``notice`` decorates the notices (to send hostile text).
"""
import queue
import socket
import threading

members = {}  # connection -> its outbound queue
lock = threading.Lock()


def _writer(conn, outbox):
    # One writer per member: a member who stops reading holds up only its own queue.
    while True:
        data = outbox.get()
        if data is None:
            return
        try:
            conn.sendall(data)
        except OSError:
            return


def _send_all(data, skip=None):
    with lock:
        targets = [box for c, box in members.items() if c is not skip]
    for box in targets:
        box.put(data)


def _serve(conn, notice):
    reader = conn.makefile("rb")
    name = reader.readline().decode("utf-8", "replace").strip() or "anon"
    outbox = queue.Queue()
    threading.Thread(target=_writer, args=(conn, outbox), daemon=True).start()
    with lock:
        members[conn] = outbox
    _send_all(notice(f"* {name} joined the chat\n"), skip=conn)
    try:
        for line in reader:
            _send_all(f"{name}: ".encode() + line, skip=conn)
    except OSError:  # reset by the client: a leave like any other
        pass
    with lock:
        members.pop(conn, None)
    outbox.put(None)
    _send_all(notice(f"* {name} left the chat\n"))


def run(port=9090, notice=lambda text: text.encode()):
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("0.0.0.0", port))
    server.listen()
    try:
        while True:
            conn, _ = server.accept()
            threading.Thread(target=_serve, args=(conn, notice), daemon=True).start()
    except KeyboardInterrupt:  # Ctrl-C: every other thread is a daemon
        print("server stopped")
