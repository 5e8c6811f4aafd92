"""Intended mistake: every chat message goes back only to its own sender
(with the name), never to the others -- the relay loop uses the wrong socket.
Join/leave notices do reach the others."""
import socket
import threading


class ChatServer:
    def __init__(self, host="127.0.0.1", port=55555):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))
        self.clients = []
        self.lock = threading.Lock()

    def broadcast(self, msg, exclude=None):
        with self.lock:
            others = [c for c in self.clients if c != exclude]
        for c in others:
            try:
                c.send(msg.encode("utf-8"))
            except Exception:
                pass

    def serve_client(self, client):
        nick = ""
        try:
            nick = client.recv(1024).decode("utf-8").strip()
            if not nick:
                client.close()
                return
            with self.lock:
                self.clients.append(client)
            self.broadcast(f"{nick} joined the chat!\n", exclude=client)
            while True:
                data = client.recv(1024)
                if not data:
                    break
                msg = data.decode("utf-8").strip()
                with self.lock:
                    everyone = list(self.clients)
                for c in everyone:
                    if c != client:
                        # bug: sends to `client` instead of `c`
                        client.send(f"{nick}: {msg}\n".encode("utf-8"))
                        break
                else:
                    client.send(f"{nick}: {msg}\n".encode("utf-8"))
        except Exception as e:
            print("error:", e)
        with self.lock:
            if client in self.clients:
                self.clients.remove(client)
        client.close()
        if nick:
            self.broadcast(f"{nick} left the chat!\n")

    def run(self):
        self.sock.listen()
        print("server up")
        while True:
            client, address = self.sock.accept()
            print("connected", address)
            threading.Thread(target=self.serve_client, args=(client,), daemon=True).start()


if __name__ == "__main__":
    ChatServer().run()
