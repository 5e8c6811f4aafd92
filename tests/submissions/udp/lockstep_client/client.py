# UDP client without a receiver thread: send, then wait for an answer.
import socket

server = ("localhost", 5050)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)

name = input("Name: ")
s.sendto(name.encode(), server)
while True:
    try:
        msg = input("> ")
    except EOFError:
        msg = "exit"
    s.sendto(msg.encode(), server)
    if msg == "exit":
        break
    data, addr = s.recvfrom(1024)
    print(data.decode())
s.close()
