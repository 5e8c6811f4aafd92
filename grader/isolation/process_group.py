"""The fallback pod: programs as process groups on this machine's loopback.

Used where namespaces are unavailable (macOS, Windows, locked-down
containers): ports are made unique by the shim (bind to port 0), and
teardown finds escapees by each program's token (``grader.isolation.processes``).
"""

import socket

import psutil

from grader.isolation.processes import Tokens, sweep
from grader.isolation.program import Program


class ProcessPod:
    """Runs programs as process groups on this machine's loopback.

    The fallback isolation: ports are made unique by the shim (bind to port
    0), and teardown finds escapees by the pod's token.
    """

    isolation = "process-group"

    def __init__(self, limits):
        self.limits = limits
        self.tokens = Tokens()
        self.token = self.tokens.prefix
        self.programs = []
        self.server_program = None

    def start(self, script, *, role, root, **options):
        # Each program its own token: stopping the client must not sweep the server (Tokens).
        token = self.tokens.next()
        program = Program(script, role=role, root=root, token=token, limits=self.limits, **options)
        self.programs.append(program)
        return program.start()

    def connect(self, host, port, timeout=2.0):
        """A robot's socket, connected to the program listening at host:port."""
        sock = socket.create_connection((host, port), timeout=timeout)
        sock.settimeout(None)
        return sock

    def datagram(self, host="127.0.0.1", port=0):
        """A robot's UDP socket, bound to host:port (0: any free port) on this machine's loopback."""
        sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_DGRAM)
        try:
            sock.bind((host, port))
        except OSError:
            sock.close()
            raise
        return sock

    def close(self):
        for program in self.programs:
            program.stop()
        for process in sweep(self.token, prefix=True):  # anything the programs' sweeps missed
            try:
                process.kill()
            except psutil.Error:
                pass
        self.programs.clear()
