"""Chat client (lab 4) -- a correct one.

Intended behaviour: asks "Name: ", connects, sends the name as the first line.
A daemon thread prints every line the server sends.  The main loop reads
lines with input() and sends them.  Ctrl-D (EOFError) or "/quit" sends
/quit and ends the program.  If the server closes the connection the
receiver prints "Server closed the connection" and ends the whole program
with os._exit(0) (the main thread is stuck in input() otherwise).
"""
import os
import socket
import threading

HOST = 'localhost'
PORT = 9090

quitting = False


def listen_for_messages(s):
    buf = b''
    while True:
        try:
            chunk = s.recv(1024)
        except OSError:
            chunk = b''
        if not chunk:
            break
        buf += chunk
        while b'\n' in buf:
            line, buf = buf.split(b'\n', 1)
            print(line.decode('utf-8', errors='replace'), flush=True)
    if not quitting:
        print("Server closed the connection", flush=True)
    os._exit(0)


def main():
    global quitting
    try:
        name = input("Name: ")
    except EOFError:
        return
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.connect((HOST, PORT))
    s.sendall((name + '\n').encode('utf-8'))

    t = threading.Thread(target=listen_for_messages, args=(s,), daemon=True)
    t.start()

    while True:
        try:
            msg = input()
        except EOFError:
            break
        if msg.strip() == '/quit':
            break
        try:
            s.sendall((msg + '\n').encode('utf-8'))
        except OSError:
            break

    quitting = True
    try:
        s.sendall('/quit\n'.encode('utf-8'))
    except OSError:
        pass
    s.close()
    print('bye!')


if __name__ == '__main__':
    main()
