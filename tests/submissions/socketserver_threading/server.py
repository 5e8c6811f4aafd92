"""Chat server (lab 4) built on socketserver.ThreadingTCPServer -- a correct one.

Intended behaviour: ThreadingTCPServer starts a thread per connection and
calls ChatHandler.handle() in it.  The first line is the name; every other
line goes to the other members as "NAME: text"; "* NAME joined/left the chat"
notices.  StreamRequestHandler reads through self.rfile (a buffered file
over the socket), so lines are split by readline().
"""
import socketserver
import threading

members = {}
lock = threading.Lock()


def broadcast(text, exclude=None):
    with lock:
        targets = [w for h, w in members.items() if h is not exclude]
    for wfile in targets:
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
        with lock:
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
            with lock:
                members.pop(self, None)
            broadcast("* %s left the chat" % name)


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


if __name__ == "__main__":
    with Server(("0.0.0.0", 5555), ChatHandler) as server:
        server.serve_forever()
