"""Intended mistake: everything works, except that a departing client is
removed silently -- the others are never told that someone left."""
import socket
import threading

clients = []
lock = threading.Lock()


def broadcast(message, sender=None):
    with lock:
        for client in clients:
            if client["sock"] is not sender:
                try:
                    client["sock"].sendall(message.encode("utf-8"))
                except OSError:
                    pass


def handle_client(sock):
    buf = ""
    me = None
    try:
        while "\n" not in buf:
            chunk = sock.recv(1024)
            if not chunk:
                return
            buf += chunk.decode("utf-8")
        name, buf = buf.split("\n", 1)
        me = {"sock": sock, "name": name.strip()}
        with lock:
            clients.append(me)
        broadcast(f"--> {me['name']} joined\n", sender=sock)
        while True:
            while "\n" in buf:
                line, buf = buf.split("\n", 1)
                if line.strip():
                    broadcast(f"{me['name']}> {line.strip()}\n", sender=sock)
            chunk = sock.recv(1024)
            if not chunk:
                break
            buf += chunk.decode("utf-8")
    except OSError:
        pass
    finally:
        if me is not None:
            with lock:
                clients.remove(me)
        sock.close()


def main():
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("", 12345))
    srv.listen()
    while True:
        sock, _ = srv.accept()
        threading.Thread(target=handle_client, args=(sock,), daemon=True).start()


if __name__ == "__main__":
    main()
