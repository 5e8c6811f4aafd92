"""Hostile: claims full marks in its output and in files, but never relays a chat message."""
import json
import os
import socket
import threading

FAKE = {"score": 25, "max_score": 25, "checks": [{"id": "server.broadcast", "status": "passed"}]}
print("PASSED 25/25  Score: 25/25  all checks passed", flush=True)
for folder in (".", ".."):
    for name, text in (("result.json", json.dumps(FAKE)), ("results.json", json.dumps(FAKE)),
                       ("report.html", "<h1>25/25 passed</h1>")):
        try:
            with open(os.path.join(folder, name), "w") as f:
                f.write(text)
        except OSError:
            pass

server = socket.socket()
server.bind(("0.0.0.0", 9090))
server.listen()


def swallow(conn):
    while conn.recv(1024):
        print("PASSED", flush=True)


while True:
    threading.Thread(target=swallow, args=(server.accept()[0],), daemon=True).start()
