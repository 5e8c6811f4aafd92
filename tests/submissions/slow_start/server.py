"""Correct, but slow to start, in two habits seen in real code: a printed countdown
("Starting in 3... 2... 1..."), then an accept loop in a thread of its own that first
"waits for the network" with three silent sleeps, while the main thread only keeps
the program alive (`while True: time.sleep(0.02)`): it wakes several times during each
of those sleeps, with nothing else moving.  It listens after about 0.3 s, and must not
be judged "never listens" (the sleeps are short so that its 25 starts stay cheap).
The one real flaw: it relays with sendall() in the speaker's thread, so a member who
stops reading stops the others (server.slow_reader)."""
import socket
import threading
import time

PORT = 9090

members = {}  # conn -> name
lock = threading.Lock()


def broadcast(text, skip=None):
    with lock:
        targets = [c for c in members if c is not skip]
    for c in targets:
        try:
            c.sendall((text + "\n").encode("utf-8"))
        except OSError:
            pass


def serve(conn):
    buffered = b""
    name = None
    try:
        while True:
            data = conn.recv(4096)
            if not data:
                break
            buffered += data
            while b"\n" in buffered:
                raw, buffered = buffered.split(b"\n", 1)
                text = raw.decode("utf-8", "replace").rstrip("\r")
                if name is None:
                    name = text.strip() or "guest"
                    with lock:
                        members[conn] = name
                    broadcast(f"* {name} joined the chat", skip=conn)
                elif text:
                    broadcast(f"{name}: {text}", skip=conn)
    except OSError:
        pass
    finally:
        with lock:
            known = members.pop(conn, None) is not None
        conn.close()
        if known:
            broadcast(f"* {name} left the chat")


def accept_loop():
    for _ in range(3):  # "let the network come up"
        time.sleep(0.05)
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", PORT))
    listener.listen()
    while True:
        conn, _addr = listener.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


def main():
    for n in (3, 2, 1):
        print(f"Starting in {n}...", flush=True)
        time.sleep(0.05)
    threading.Thread(target=accept_loop, daemon=True).start()
    try:
        while True:
            time.sleep(0.02)
    except KeyboardInterrupt:
        print("server stopped")


main()
