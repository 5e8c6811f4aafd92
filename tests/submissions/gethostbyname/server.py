"""Intended: CORRECT, but it binds to the machine's own address,
(socket.gethostbyname(socket.gethostname()), 1313), as many tutorials do.
The grader redirects the address, so it should pass every check."""
import socket
import threading

IP = socket.gethostbyname(socket.gethostname())
PORT = 1313
ADDR = (IP, PORT)
FORMAT = 'utf-8'

connections = []
conn_lock = threading.Lock()


class ClientThread(threading.Thread):
    def __init__(self, conn, addr):
        super().__init__(daemon=True)
        self.conn = conn
        self.addr = addr
        self.name_ = None

    def send(self, text):
        try:
            self.conn.sendall(text.encode(FORMAT))
        except OSError:
            pass

    def others(self):
        with conn_lock:
            return [c for c in connections if c is not self]

    def run(self):
        try:
            self.name_ = self.conn.recv(1024).decode(FORMAT).strip()
            if not self.name_:
                return
            with conn_lock:
                connections.append(self)
            for c in self.others():
                c.send(f"[SERVER] {self.name_} connected\n")
            while True:
                msg = self.conn.recv(1024)
                if not msg:
                    break
                for c in self.others():
                    c.send(f"[{self.name_}] {msg.decode(FORMAT)}")
        except OSError:
            pass
        finally:
            with conn_lock:
                member = self in connections
                if member:
                    connections.remove(self)
            self.conn.close()
            if member:
                for c in self.others():
                    c.send(f"[SERVER] {self.name_} disconnected\n")


def start():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(ADDR)
    server.listen()
    print(f"[LISTENING] Server is listening on {IP}:{PORT}")
    while True:
        conn, addr = server.accept()
        ClientThread(conn, addr).start()


start()
