# The client of an earlier version of the lab: plain text lines, not JSON.
import socket
import threading


def receive(sock):
    while True:
        data = sock.recv(1024)
        if not data:
            break
        print(data.decode("utf-8"), end="")


name = input("Enter your name: ")
sock = socket.socket()
sock.connect(("127.0.0.1", 5050))
sock.sendall((name + "\n").encode("utf-8"))
threading.Thread(target=receive, args=(sock,), daemon=True).start()
while True:
    try:
        text = input()
    except EOFError:
        break
    sock.sendall((text + "\n").encode("utf-8"))
sock.close()
