# A correct echo server written another way: socketserver does the accept loop and a thread per client.
import socketserver
import sys


class Echo(socketserver.BaseRequestHandler):
    def handle(self):
        print("connected:", self.client_address, file=sys.stderr, flush=True)
        while True:
            data = self.request.recv(1024)
            if not data:
                break
            self.request.sendall(data)
        print("left:", self.client_address, flush=True)


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


with Server(("localhost", 5000), Echo) as server:
    print("echo server listening on port 5000", flush=True)
    server.serve_forever()
