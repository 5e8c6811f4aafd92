import socket
import threading
import os


def show(line):
    word, _, rest = line.partition(" ")
    if word == "MSG":
        who, _, text = rest.partition(" ")
        print(f"{who}: {text}")
    elif word == "JOIN":
        print(f"-- {rest} joined --")
    elif word == "PART":
        print(f"-- {rest} left --")
    elif word == "ERR":
        print("error:", rest)


def reader(conn):
    f = conn.makefile("r", encoding="utf-8", newline="\n")
    for line in f:
        show(line.strip())
    print("-- connection closed --")
    os._exit(0)


nick = input("nickname: ")
conn = socket.create_connection(("127.0.0.1", 6667))
conn.sendall(f"NICK {nick}\n".encode("utf-8"))
conn.sendall(b"/join\n")
threading.Thread(target=reader, args=(conn,), daemon=True).start()
try:
    while True:
        line = input()
        if line == "/quit":
            conn.sendall(b"/quit\n")
            break
        conn.sendall(f"MSG {line}\n".encode("utf-8"))
except EOFError:
    conn.sendall(b"/quit\n")
conn.close()
