import socket
import struct
import sys
import threading


def recv_exact(sock, n):
    data = b""
    while len(data) < n:
        part = sock.recv(n - len(data))
        if not part:
            return None
        data += part
    return data


def send_frame(sock, text):
    data = text.encode("utf-8")
    sock.sendall(struct.pack(">I", len(data)) + data)


def listen(sock):
    while True:
        head = recv_exact(sock, 4)
        if head is None:
            break
        body = recv_exact(sock, struct.unpack(">I", head)[0])
        if body is None:
            break
        print(body.decode("utf-8"))
    print("Server closed the connection.")
    sock.close()
    import os
    os._exit(0)


def main():
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.connect(("localhost", 12345))
    print("Connected. Your nickname?")
    nick = sys.stdin.readline().strip()
    send_frame(sock, nick)
    threading.Thread(target=listen, args=(sock,), daemon=True).start()
    for line in sys.stdin:
        line = line.rstrip("\n")
        if line == "exit":
            break
        if line:
            send_frame(sock, line)
    sock.shutdown(socket.SHUT_RDWR)
    sock.close()


main()
