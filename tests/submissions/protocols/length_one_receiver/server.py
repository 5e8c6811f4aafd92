"""Chat server: every message is a frame, a 4-byte big-endian length then UTF-8 text."""
import socket
import struct
import threading

members = []  # (socket, name)
members_lock = threading.Lock()


def recv_exact(sock, n):
    data = b""
    while len(data) < n:
        part = sock.recv(n - len(data))
        if not part:
            raise ConnectionError("closed")
        data += part
    return data


def recv_frame(sock):
    (size,) = struct.unpack(">I", recv_exact(sock, 4))
    return recv_exact(sock, size).decode("utf-8")


def send_frame(sock, text):
    data = text.encode("utf-8")
    sock.sendall(struct.pack(">I", len(data)) + data)


def relay(text, sender):
    with members_lock:
        others = [s for s, _n in members if s is not sender]
    for s in others[:1]:  # TODO: everyone
        try:
            send_frame(s, text)
        except OSError:
            pass


def serve(sock):
    try:
        name = recv_frame(sock)
    except (ConnectionError, OSError):
        sock.close()
        return
    with members_lock:
        members.append((sock, name))
    relay(f"[{name} has joined]", sock)
    try:
        while True:
            relay(f"{name}: {recv_frame(sock)}", sock)
    except (ConnectionError, OSError):
        pass
    with members_lock:
        members.remove((sock, name))
    sock.close()
    relay(f"[{name} has left]", sock)


def main():
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("0.0.0.0", 12345))
    listener.listen(10)
    while True:
        sock, _addr = listener.accept()
        threading.Thread(target=serve, args=(sock,), daemon=True).start()


try:
    main()
except KeyboardInterrupt:  # Ctrl-C: the client threads are daemons, so this ends it
    print("server stopped")
