# A Windows console client: msvcrt for the keyboard, cls to clear the screen.
import msvcrt
import os
import socket
import threading

os.system("cls")
sock = socket.create_connection(("localhost", 9090))


def receive():
    while True:
        data = sock.recv(1024)
        if not data:
            break
        print(data.decode(), end="")


threading.Thread(target=receive, daemon=True).start()
line = ""
while True:
    key = msvcrt.getwch()
    if key == "\r":
        sock.sendall((line + "\n").encode())
        line = ""
    else:
        line += key
