"""Threaded chat client that spins when the server disappears.

Intended behaviour: asks for a name, sends it, a daemon receiver thread
prints what arrives, the main loop sends typed lines; Ctrl-D or /quit
leaves cleanly.  Mistake: the receiver does
    data = sock.recv(1024); print(data.decode())
with no check for b'', so once the server is gone recv() returns b'' at
once, forever, and the thread prints empty lines at full speed.
(Bounded for the test suite: the loop gives up after 20 s.  A round
counter would not do: 200000 rounds take only about a second here, so the
spin would be over before anyone measured it.)
"""
import socket
import threading
import time

sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.connect(('localhost', 9090))


def reader():
    started = time.monotonic()
    while time.monotonic() - started < 20:   # safety limit for the tests, a student would write while True
        data = sock.recv(1024)
        print(data.decode())


name = input('Name: ')
sock.sendall((name + '\n').encode())
th = threading.Thread(target=reader)
th.daemon = True
th.start()

while True:
    try:
        line = input()
    except EOFError:
        line = '/quit'
    sock.sendall((line + '\n').encode())
    if line == '/quit':
        break
print('bye')
