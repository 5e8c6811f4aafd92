"""Correct, in a shape seen in real code: one thread, select() with a timeout of 0.2 s
("so that Ctrl-C works"), a buffer per client split into lines.  So the server never
blocks for good: it wakes five times a second to look again, and a wait for something
that is not coming can only end once it has woken a few times with nothing to do.
Sends with a blocking sendall() to each member in turn (server.slow_reader)."""
import select
import socket

PORT = 9090


def main():
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", PORT))
    listener.listen()
    names = {}  # socket -> name (None until the first line)
    buffers = {}

    def send_all(text, skip=None):
        for member, name in list(names.items()):
            if member is not skip and name is not None:
                try:
                    member.sendall((text + "\n").encode("utf-8"))
                except OSError:
                    pass

    def drop(member):
        name = names.pop(member, None)
        buffers.pop(member, None)
        member.close()
        if name is not None:
            send_all(f"* {name} left")

    try:
        while True:
            readable, _, _ = select.select([listener, *names], [], [], 0.2)
            for ready in readable:
                if ready is listener:
                    member, _addr = listener.accept()
                    names[member] = None
                    buffers[member] = b""
                    continue
                try:
                    data = ready.recv(4096)
                except OSError:
                    data = b""
                if not data:
                    drop(ready)
                    continue
                buffers[ready] += data
                while b"\n" in buffers.get(ready, b""):
                    raw, buffers[ready] = buffers[ready].split(b"\n", 1)
                    line = raw.decode("utf-8", "replace").rstrip("\r")
                    if names[ready] is None:
                        names[ready] = line.strip() or "anonymous"
                        send_all(f"* {names[ready]} joined", skip=ready)
                    elif line:
                        send_all(f"{names[ready]}: {line}", skip=ready)
    except KeyboardInterrupt:
        print("bye")
    finally:
        for member in list(names):
            member.close()
        listener.close()


main()
