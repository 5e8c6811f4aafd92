import os
import socket
import threading

sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.connect(("127.0.0.1", 8080))
nickname = input("Enter your nickname: ")
print("Hello, " + nickname)


def listen():
    while True:
        try:
            data = sock.recv(1024)
        except OSError:
            break
        if not data:
            print("Disconnected from server")
            break
        print(data.decode("utf-8", "replace"), end="", flush=True)
    os._exit(0)


threading.Thread(target=listen, daemon=True).start()
while True:
    try:
        text = input()
    except EOFError:
        break
    if text == "/quit":
        break
    sock.sendall((text + "\n").encode("utf-8"))
sock.close()
