"""Hostile: leaves a double-forked daemon behind (its own session, still serving on another port, 60 s)."""
import os
import socket
import time

import chatcore

if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        ghost = socket.socket()
        ghost.bind(("0.0.0.0", 9999))
        ghost.listen()
        ghost.settimeout(1.0)
        end = time.monotonic() + 60
        while time.monotonic() < end:
            try:
                ghost.accept()[0].close()
            except OSError:
                pass
        os._exit(0)
    os._exit(0)
chatcore.run()
