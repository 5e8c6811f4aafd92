"""Chat server (lab 4) with selectors -- a correct one, one thread, non-blocking sockets.

Intended behaviour: a DefaultSelector watches the listening socket and every
client; recv() == b"" or an error means the client left; the first line is
the name; "* NAME joined/left the chat"; messages go to the others as
"NAME: text".
"""
import selectors
import socket

sel = selectors.DefaultSelector()
clients = {}  # socket -> {"name": str | None, "buf": bytes}


def send_others(text, exclude=None):
    for sock, state in list(clients.items()):
        if sock is exclude or state["name"] is None:
            continue
        try:
            sock.sendall((text + "\n").encode("utf-8"))
        except OSError:
            pass


def drop(sock):
    state = clients.pop(sock, None)
    sel.unregister(sock)
    sock.close()
    if state and state["name"] is not None:
        send_others("* %s left the chat" % state["name"])


def accept(server):
    conn, _addr = server.accept()
    conn.setblocking(False)
    clients[conn] = {"name": None, "buf": b""}
    sel.register(conn, selectors.EVENT_READ, read)


def read(conn):
    try:
        data = conn.recv(4096)
    except (ConnectionError, OSError):
        data = b""
    if not data:
        drop(conn)
        return
    state = clients[conn]
    state["buf"] += data
    while b"\n" in state["buf"]:
        raw, state["buf"] = state["buf"].split(b"\n", 1)
        text = raw.decode("utf-8", "replace").rstrip("\r")
        if state["name"] is None:
            state["name"] = text.strip() or "guest"
            send_others("* %s joined the chat" % state["name"], exclude=conn)
        elif text == "/quit":
            drop(conn)
            return
        elif text:
            send_others("%s: %s" % (state["name"], text), exclude=conn)


def main():
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("", 6000))
    server.listen(10)
    server.setblocking(False)
    sel.register(server, selectors.EVENT_READ, accept)
    while True:
        for key, _mask in sel.select():
            key.data(key.fileobj)


if __name__ == "__main__":
    main()
