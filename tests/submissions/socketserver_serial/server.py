"""Chat server (lab 4) built on socketserver.TCPServer -- one client at a time.

Intended behaviour: as the threaded version, but plain TCPServer calls
handle() for one connection at a time: the second member waits until the
first one leaves (the classic "forgot ThreadingMixIn" mistake).
"""
import socketserver

members = {}


def broadcast(text, exclude=None):
    for handler, wfile in list(members.items()):
        if handler is exclude:
            continue
        try:
            wfile.write((text + "\n").encode("utf-8"))
        except OSError:
            pass


class ChatHandler(socketserver.StreamRequestHandler):
    def handle(self):
        first = self.rfile.readline()
        if not first:
            return
        name = first.decode("utf-8", "replace").strip() or "guest"
        members[self] = self.wfile
        broadcast("* %s joined the chat" % name, exclude=self)
        try:
            for raw in self.rfile:
                text = raw.decode("utf-8", "replace").rstrip("\r\n")
                if text == "/quit":
                    break
                if text:
                    broadcast("%s: %s" % (name, text), exclude=self)
        except OSError:
            pass
        finally:
            members.pop(self, None)
            broadcast("* %s left the chat" % name)


if __name__ == "__main__":
    socketserver.TCPServer.allow_reuse_address = True
    server = socketserver.TCPServer(("localhost", 9090), ChatHandler)
    server.serve_forever()
