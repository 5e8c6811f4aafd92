"""The first process of a pod: runs inside fresh user, network and PID namespaces.

Started by the grader as ``bwrap ... python -I -S pod_init.py FD`` or
``unshare ... python -I -S pod_init.py FD``.  FD is one end of a
SOCK_SEQPACKET socket pair; each message is a JSON request, with file
descriptors attached where it needs them:

* ``spawn``: start a program with the pipes the grader made (stdin, stdout,
  stderr, the shim's event and stack channels), in a session of its own;
  answer ``spawned`` with its pid here, and ``exited`` with its exit code later.
* ``connect``: connect a TCP socket to host:port *inside* the pod's network
  namespace and send it back: that is how the grader's robots reach a
  server that nothing outside the pod can reach.
* ``datagram``: a UDP socket bound to host:port inside the pod (port 0: any
  free one), sent back likewise: a datagram robot's address in the pod.

When the grader closes its end (or dies), this process exits; as the
namespace's init (or bubblewrap's only child) its end kills every process
left in the pod, double-forked daemons included.  Standard library only.
"""

import errno
import fcntl
import json
import os
import selectors
import signal
import socket
import struct
import subprocess
import sys

SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
IFF_UP = 0x1
MAX_FDS = 8


def bring_up_loopback():
    """A new network namespace has its loopback down (unshare); bubblewrap brings it up itself."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH14x", b"lo", 0)
        flags = struct.unpack("16sH14x", fcntl.ioctl(sock, SIOCGIFFLAGS, request))[1]
        if not flags & IFF_UP:
            fcntl.ioctl(sock, SIOCSIFFLAGS, struct.pack("16sH14x", b"lo", flags | IFF_UP))


class Init:
    def __init__(self, control):
        self.control = control
        self.children = {}  # pid -> spawn id
        self.selector = selectors.DefaultSelector()
        self.wakeup_r, wakeup_w = os.pipe()
        os.set_blocking(wakeup_w, False)
        signal.set_wakeup_fd(wakeup_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        # Nothing a student program does to us should end the pod early.  A
        # handler, not SIG_IGN: an ignored signal stays ignored across exec,
        # and the student's programs must keep the default SIGTERM.
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2):
            signal.signal(sig, lambda *_: None)

    def reply(self, message, fds=()):
        data = json.dumps(message).encode()
        try:
            if fds:
                socket.send_fds(self.control, [data], list(fds))
            else:
                self.control.send(data)
        except OSError:
            pass

    def spawn(self, request, fds):
        names = request["fds"]
        received = dict(zip(names, fds))
        env = dict(request["env"])
        # The shim finds its channels by number; give it the numbers they have here.
        shim = dict(item.split("=", 1) for item in env.get("CHATLAB_SHIM", "").split(";") if "=" in item)
        for key in ("fd", "stack_fd"):
            if key in received:
                shim[key] = str(received[key])
        env["CHATLAB_SHIM"] = ";".join(f"{k}={v}" for k, v in shim.items())
        passed = [received[key] for key in ("fd", "stack_fd") if key in received]
        try:
            process = subprocess.Popen(
                request["argv"], env=env, cwd=request["cwd"],
                stdin=received.get("stdin", subprocess.DEVNULL), stdout=received.get("stdout"),
                stderr=received.get("stderr"), pass_fds=passed, start_new_session=True)
        except OSError as exc:
            self.reply({"op": "spawned", "id": request["id"], "error": str(exc)})
        else:
            process.returncode = 0  # we reap it ourselves (waitpid below): keep Popen from trying
            self.children[process.pid] = request["id"]
            self.reply({"op": "spawned", "id": request["id"], "pid": process.pid})
        finally:
            for fd in fds:
                os.close(fd)

    def connect(self, request):
        try:
            sock = socket.create_connection((request["host"], request["port"]), timeout=request.get("timeout", 2.0))
        except OSError as exc:
            self.reply({"op": "connected", "id": request["id"], "error": exc.strerror or str(exc),
                        "errno": exc.errno or errno.ECONNREFUSED})
            return
        with sock:
            sock.settimeout(None)  # the flag travels with the descriptor: hand it over blocking
            self.reply({"op": "connected", "id": request["id"]}, [sock.fileno()])

    def datagram(self, request):
        family = socket.AF_INET6 if ":" in request["host"] else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_DGRAM)
        try:
            sock.bind((request["host"], request["port"]))
        except OSError as exc:
            sock.close()
            self.reply({"op": "datagram", "id": request["id"], "error": exc.strerror or str(exc),
                        "errno": exc.errno or errno.EADDRNOTAVAIL})
            return
        with sock:
            self.reply({"op": "datagram", "id": request["id"]}, [sock.fileno()])

    def reap(self):
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            spawn_id = self.children.pop(pid, None)
            if spawn_id is not None:  # orphans re-parented to us are just reaped
                self.reply({"op": "exited", "id": spawn_id, "code": os.waitstatus_to_exitcode(status)})

    def run(self):
        self.selector.register(self.control, selectors.EVENT_READ, "control")
        self.selector.register(self.wakeup_r, selectors.EVENT_READ, "signal")
        while True:
            for key, _events in self.selector.select():
                if key.data == "signal":
                    try:
                        os.read(self.wakeup_r, 4096)
                    except BlockingIOError:
                        pass
                    self.reap()
                    continue
                try:
                    data, fds, _flags, _addr = socket.recv_fds(self.control, 65536, MAX_FDS)
                except InterruptedError:
                    continue
                if not data:
                    return  # the grader is gone: so is the pod
                request = json.loads(data)
                if request["op"] == "spawn":
                    self.spawn(request, fds)
                elif request["op"] in ("connect", "datagram"):
                    for fd in fds:
                        os.close(fd)
                    (self.connect if request["op"] == "connect" else self.datagram)(request)
            self.reap()


def main():
    control = socket.socket(fileno=int(sys.argv[1]))
    bring_up_loopback()
    Init(control).run()


if __name__ == "__main__":
    main()
