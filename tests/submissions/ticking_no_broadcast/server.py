"""Intended mistake (as no_broadcast), plus a thread that wakes every 50 ms (a "heartbeat"),
so the server never settles: its failures are decided once the heartbeat has woken twice
with nothing else moving.
Originally: chat messages are never relayed to anyone, only printed
on the server.  Names, join and leave notices work."""
import socket
import threading
import time

PORT = 9090

users = []   # (conn, name)
users_lock = threading.Lock()


def notify(text, me=None):
    with users_lock:
        conns = [c for c, n in users if c is not me]
    for c in conns:
        try:
            c.sendall((text + "\n").encode())
        except OSError:
            pass


def handle(conn, addr):
    f = conn.makefile("r", encoding="utf-8")
    name = None
    try:
        name = f.readline().strip()
        if not name:
            return
        with users_lock:
            users.append((conn, name))
        notify("*** " + name + " has joined ***", me=conn)
        for line in f:
            line = line.rstrip("\n")
            # TODO send to the others
            print(f"{name} says: {line}")
    except (ConnectionResetError, OSError):
        pass
    finally:
        with users_lock:
            found = (conn, name) in users
            if found:
                users.remove((conn, name))
        f.close()
        conn.close()
        if found:
            notify("*** " + name + " has left ***")


def heartbeat():
    while True:
        time.sleep(0.05)


def main():
    threading.Thread(target=heartbeat, daemon=True).start()
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", PORT))
    s.listen()
    print("listening on", PORT)
    while True:
        conn, addr = s.accept()
        threading.Thread(target=handle, args=(conn, addr), daemon=True).start()


main()
