# UDP chat server that keeps one address: the last one it heard from.
import socket

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("localhost", 5050))
names = {}
last = None  # who to send to: the previous sender

while True:
    data, addr = s.recvfrom(1024)
    text = data.decode().strip()
    if addr not in names:
        names[addr] = text
        out = text + " joined the chat"
    elif text == "exit":
        out = names.pop(addr) + " left the chat"
    else:
        out = names[addr] + ": " + text
    if last is not None and last != addr:
        s.sendto(out.encode(), last)
    last = addr
