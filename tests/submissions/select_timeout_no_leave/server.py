"""Intended mistake: no leave notice (a departed member is dropped in silence), in
select_timeout's shape: one thread, select() with a timeout of 0.2 s.  The missing
notice is decided once the loop has woken twice with nothing to do, not when
each wait's bound runs out; a count, not a clock, so it is not graded again."""
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
        names.pop(member, None)
        buffers.pop(member, None)
        member.close()

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
