import json
import os
import socket
import threading

HOST = "127.0.0.1"
PORT = 5050


def receive(sock):
    f = sock.makefile("r", encoding="utf-8")
    for line in f:
        msg = json.loads(line)
        if msg["name"] == "server":
            print("***", msg["message"])
        else:
            print(msg["name"] + ": " + msg["message"])
    print("disconnected from server")
    os._exit(0)


name = input("Enter your name: ")
sock = socket.socket()
sock.connect((HOST, PORT))
sock.sendall((json.dumps({"name": name}) + "\n").encode("utf-8"))
threading.Thread(target=receive, args=(sock,), daemon=True).start()
while True:
    try:
        text = input("> ")
    except EOFError:
        break
    if text == "/quit":
        break
    sock.sendall((json.dumps({"name": name, "message": text}, ensure_ascii=False) + "\n").encode("utf-8"))
sock.close()
