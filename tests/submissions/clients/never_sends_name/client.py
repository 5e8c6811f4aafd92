"""Chat client that forgets to send the name.

Intended behaviour: asks "Your name: ", stores it (to print it locally), but
never sends it to the server; every line typed afterwards is sent.  The
server therefore takes the first chat line as the name.  Otherwise a
normal threaded client (daemon receiver, EOF / /quit end it, server gone
ends it).
"""
import os
import socket
import sys
import threading

client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
client.connect(("localhost", 9090))

username = input("Your name: ")
print("Hi " + username + ", you can start chatting now")


def receive():
    while True:
        try:
            msg = client.recv(2048)
        except:
            break
        if not msg:
            print("Connection lost")
            break
        sys.stdout.write(msg.decode("utf-8"))
        sys.stdout.flush()
    os._exit(0)


threading.Thread(target=receive, daemon=True).start()

while True:
    try:
        line = input()
    except EOFError:
        line = "/quit"
    client.send((line + "\n").encode("utf-8"))
    if line == "/quit":
        break

client.close()
