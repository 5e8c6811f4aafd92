"""Intended mistake: the server binds, then waits for the operator to press
Enter before calling listen().  The grader's terminal stays open and silent,
as a TA's would until read: the server waits in input() and never listens."""
import socket
import threading

HOST, PORT = "127.0.0.1", 9090
clients = []


def handle(conn, addr):
    name = conn.recv(1024).decode().strip()
    clients.append(conn)
    while True:
        data = conn.recv(1024)
        if not data:
            break
        for c in clients:
            if c is not conn:
                c.sendall(f"{name}: ".encode() + data)
    clients.remove(conn)
    conn.close()


sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.bind((HOST, PORT))
input("Press Enter to start")
sock.listen()
print("Server is listening")
while True:
    conn, addr = sock.accept()
    threading.Thread(target=handle, args=(conn, addr), daemon=True).start()
