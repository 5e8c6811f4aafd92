"""Threaded chat client whose receiver keeps the program alive.

Intended behaviour: asks for a name, sends it, starts a receiver thread
(NOT a daemon) that prints incoming lines, and the main loop sends what is
typed.  Mistakes: no EOFError handling around input(), so on Ctrl-D the
main thread dies with an EOFError traceback, and the non-daemon receiver
thread, still blocked in recv(), keeps the process running.  Typing "exit"
does end it (the socket is shut down, recv() returns b'', the receiver
stops), and so does the server going away (the receiver ends the process).
"""
import os
import socket
from threading import Thread


def recv_loop(conn):
    while True:
        try:
            data = conn.recv(1024)
            if data == b"":
                print("server is gone")
                os._exit(0)
            print(data.decode("utf-8"), end="")
        except Exception as e:
            print("error:", e)
            break


s = socket.socket()
s.connect(("localhost", 9090))
name = input("name: ")
s.send(f"{name}\n".encode("utf-8"))

receiver = Thread(target=recv_loop, args=(s,))
receiver.start()

while True:
    msg = input()
    if msg == "exit":
        s.send(b"/quit\n")
        s.shutdown(socket.SHUT_RDWR)
        s.close()
        break
    s.send(f"{msg}\n".encode("utf-8"))
