import os
import socket
import sys
import threading

CLEAR, ERASE_LINE, CYAN, RESET = "\x1b[2J\x1b[H", "\r\x1b[2K", "\x1b[36m", "\x1b[0m"

sys.stdout.write(CLEAR)
name = input(f"{CYAN}Your name:{RESET} ")
sock = socket.create_connection(("127.0.0.1", 6000))
sock.sendall((name + "\n").encode())


def receiver():
    while True:
        try:
            data = sock.recv(4096)
        except OSError:
            break
        if not data:
            sys.stdout.write(ERASE_LINE + "Server closed the connection\n")
            sys.stdout.flush()
            break
        # Rewrite the prompt line: erase it, show the message, prompt again.
        sys.stdout.write(ERASE_LINE + data.decode("utf-8", "replace") + f"{CYAN}> {RESET}")
        sys.stdout.flush()
    os._exit(0)


threading.Thread(target=receiver, daemon=True).start()
while True:
    try:
        line = input(f"{CYAN}> {RESET}")
    except EOFError:
        break
    if line == "/quit":
        break
    sock.sendall((line + "\n").encode())
sock.close()
