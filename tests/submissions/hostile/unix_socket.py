"""Hostile: connects to a UNIX socket outside its folder (the test listens on it)."""
import socket

import chatcore
from probe import PATHS, attempt


def connect():
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(2)
        sock.connect(PATHS["socket"])
        sock.sendall(b"hello from inside the pod\n")
    return "CONNECTED"


attempt("socket", connect)
chatcore.run()
