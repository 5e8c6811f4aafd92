"""Threaded chat client that decodes incoming data as ASCII.

Intended behaviour: a normal threaded client (name first, daemon receiver,
input() loop, /quit or Ctrl-D end it, server gone ends it).  It sends UTF-8
but decodes what it receives with .decode('ascii'): the first Cyrillic
message kills the receiver thread with UnicodeDecodeError, and nothing is
shown any more.
"""
import os
import socket
import threading

ADDR = ("localhost", 9090)


class Receiver(threading.Thread):
    def __init__(self, sock):
        super().__init__(daemon=True)
        self.sock = sock

    def run(self):
        while True:
            try:
                data = self.sock.recv(4096)
            except OSError:  # we closed the socket ourselves (/quit)
                break
            if not data:
                print("Server closed the connection")
                os._exit(0)
            print(data.decode('ascii').rstrip('\n'))


def main():
    sock = socket.create_connection(ADDR)
    name = input("Name: ")
    sock.sendall((name + "\n").encode("utf-8"))
    Receiver(sock).start()
    while True:
        try:
            text = input()
        except EOFError:
            text = "/quit"
        sock.sendall((text + "\n").encode("utf-8"))
        if text == "/quit":
            break
    sock.close()


main()
