import socket
import threading

SERVER = ("127.0.0.1", 7000)


def receiving(sock):
    buf = b""
    while True:
        data = sock.recv(1024)
        if not data:
            print("lost connection to the server")
            break
        buf += data
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            print(line.decode())
    import os
    os._exit(0)


name = input("name: ")
out = socket.socket()
out.connect(SERVER)
inc = socket.socket()
inc.connect(SERVER)
inc.send(("RECV " + name + "\n").encode())
out.send(("SEND " + name + "\n").encode())
t = threading.Thread(target=receiving, args=(inc,))
t.daemon = True
t.start()
while True:
    try:
        msg = input()
    except EOFError:
        break
    if msg == "/exit":
        break
    out.send((msg + "\n").encode())
out.close()
inc.close()
