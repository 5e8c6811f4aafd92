"""Chat client without threads (a common first attempt).

Intended behaviour: connects, asks for the name, sends it; then loops:
input() a line, send it, recv() once and print whatever came back.
Mistake: messages from others are only shown after the user presses Enter
(and the client waits for an answer before letting the user type again),
because there is no receiver thread.
"""
import socket

sock = socket.socket()
sock.connect(('localhost', 9090))

nick = input('Enter your name: ')
sock.send((nick + '\n').encode())

# first thing the server says is the welcome
print(sock.recv(1024).decode().strip())

while True:
    try:
        text = input('> ')
    except EOFError:
        break
    sock.send((text + '\n').encode())
    if text == '/quit':
        break
    data = sock.recv(1024)
    if not data:
        print('disconnected')
        break
    print(data.decode().strip())

sock.close()
