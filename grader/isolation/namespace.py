"""Pods in Linux namespaces: a user, network and PID namespace per check.

Inside, a small init (``grader/shim/pod_init.py``) starts the student's
programs and connects the robots' sockets, so that:

* the pod has its own loopback: hard-coded ports never clash, even with
  another grading running at the same time, and nothing outside is reachable;
* the student's code cannot see or signal the grader (it is outside the PID
  namespace);
* teardown is total: when the pod's init ends, the kernel kills every
  process of the namespace, double-forked daemons included.

Bubblewrap is used when installed (it also mounts the file system read-only
except the grading's temporary folder); ``unshare`` from util-linux
otherwise.
"""

import errno
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import uuid
from functools import lru_cache
from pathlib import Path

import psutil

from grader.isolation.processes import sweep
from grader.isolation.program import Program
from grader.drive.wait import Deadline, poll_until

POD_INIT = Path(__file__).parent / "shim" / "pod_init.py"


class PodError(OSError):
    """The pod itself failed (its init died or did not answer): a grader problem."""


def _needed_paths():
    """Folders the pod must see although they are under /tmp (hidden by its private /tmp)."""
    wanted = {Path(sys.executable).resolve().parent.parent, Path(sys.prefix), Path(sys.base_prefix),
              Path(__file__).resolve().parents[1]}
    return sorted(str(p) for p in wanted if str(p).startswith("/tmp/") and p.exists())


def tool_command(tool, workdir):
    """The command that opens the namespaces and runs the pod's init."""
    if tool == "bwrap":
        visible = [arg for path in _needed_paths() for arg in ("--ro-bind", path, path)]
        # --as-pid-1: our init is the namespace's PID 1, which a student's
        # program cannot kill (PID 1 ignores signals it has no handler for).
        return ["bwrap", "--unshare-user", "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
                "--die-with-parent", "--new-session", "--as-pid-1",
                # The machine read-only, a private /tmp, the grading's folder writable.
                "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp", *visible,
                "--bind", str(workdir), str(workdir), "--chdir", str(workdir)]
    return ["unshare", "--user", "--map-root-user", "--net", "--pid", "--fork", "--kill-child",
            "--mount", "--mount-proc"]


@lru_cache(maxsize=None)
def available_tool():
    """'bwrap' or 'unshare' if it can open the namespaces here, else None (tried once per process)."""
    for tool in ("bwrap", "unshare"):
        if shutil.which(tool) is None:
            continue
        probe = tool_command(tool, "/tmp")
        try:
            done = subprocess.run([*probe, "true"], capture_output=True, timeout=10, stdin=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if done.returncode == 0:
            return tool
    return None


class RemoteProcess:
    """A program started by the pod's init: the subset of Popen that ``Program`` uses."""

    def __init__(self, pod, spawn_id, pid, stdin, stdout, stderr):
        self.pod = pod
        self.spawn_id = spawn_id
        self.pid = pid  # as seen from the grader (outside the PID namespace)
        self.stdin, self.stdout, self.stderr = stdin, stdout, stderr
        self.returncode = None

    def wait(self, timeout=None):
        self.returncode = self.pod.wait_exit(self.spawn_id, timeout)
        return self.returncode

    def poll(self):
        return self.pod.exit_code(self.spawn_id)


class NamespacePod:
    """Runs one check's programs in fresh namespaces; closed, it leaves nothing behind."""

    def __init__(self, limits, workdir, tool):
        self.limits = limits
        self.tool = tool
        self.isolation = f"namespaces ({'bubblewrap' if tool == 'bwrap' else 'unshare'})"
        self.token = uuid.uuid4().hex
        self.programs = []
        self.server_program = None
        self._cond = threading.Condition()
        self._replies = {}
        self._exits = {}
        self._next_id = 0
        self._closed = False
        self.control, inner = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        command = [*tool_command(tool, workdir), sys.executable, "-I", "-S", str(POD_INIT), str(inner.fileno())]
        try:
            self.process = subprocess.Popen(command, pass_fds=(inner.fileno(),), stdin=subprocess.DEVNULL,
                                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                            start_new_session=True)
        finally:
            inner.close()
        self._reader = threading.Thread(target=self._read, name="pod-control", daemon=True)
        self._reader.start()

    # ---------------------------------------------------------- control
    def _read(self):
        while True:
            try:
                data, fds, _flags, _addr = socket.recv_fds(self.control, 65536, 4)
            except OSError:
                data, fds = b"", []
            with self._cond:
                if not data:
                    self._closed = True
                    self._cond.notify_all()
                    return
                message = json.loads(data)
                if message["op"] == "exited":
                    self._exits[message["id"]] = message["code"]
                else:
                    self._replies[message["id"]] = (message, fds)
                self._cond.notify_all()

    def _request(self, message, fds=(), timeout=10.0):
        with self._cond:
            self._next_id += 1
            message["id"] = self._next_id
        data = json.dumps(message).encode()
        try:
            socket.send_fds(self.control, [data], list(fds)) if fds else self.control.send(data)
        except OSError as exc:
            raise PodError(f"the pod is gone ({exc})") from None
        deadline = Deadline(timeout)
        with self._cond:
            while message["id"] not in self._replies:
                if self._closed or deadline.expired():
                    raise PodError(f"the pod's init did not answer: {self._stderr_tail()}")
                self._cond.wait(deadline.remaining())
            return self._replies.pop(message["id"])

    def _stderr_tail(self):
        if self.process.poll() is None:
            return "no answer"
        try:
            return self.process.stderr.read(2000).decode("utf-8", "replace").strip() or f"exit {self.process.returncode}"
        except (OSError, ValueError):
            return f"exit {self.process.returncode}"

    def wait_exit(self, spawn_id, timeout=None):
        deadline = Deadline(timeout if timeout is not None else 365 * 24 * 3600)
        with self._cond:
            while spawn_id not in self._exits:
                if self._closed:
                    return -signal.SIGKILL  # the pod ended, taking the program with it
                if deadline.expired():
                    raise subprocess.TimeoutExpired("pod program", timeout)
                self._cond.wait(deadline.remaining())
            return self._exits[spawn_id]

    def exit_code(self, spawn_id):
        with self._cond:
            return self._exits.get(spawn_id)

    # ----------------------------------------------------------- programs
    def launch(self, argv, *, env, cwd, stdin, fds):
        """Start ``argv`` inside the pod with pipes made here; return a RemoteProcess."""
        pipes = {name: os.pipe() for name in ("stdout", "stderr")}
        if stdin:
            pipes["stdin"] = os.pipe()
        names, sent = [], []
        for name, (read_end, write_end) in pipes.items():
            names.append(name)
            sent.append(read_end if name == "stdin" else write_end)
        for name, fd in fds.items():
            names.append(name)
            sent.append(fd)
        try:
            reply, _fds = self._request({"op": "spawn", "argv": argv, "env": env, "cwd": str(cwd), "fds": names}, sent)
        finally:
            for name, (read_end, write_end) in pipes.items():
                os.close(read_end if name == "stdin" else write_end)
        if "error" in reply:
            for name, (read_end, write_end) in pipes.items():
                os.close(write_end if name == "stdin" else read_end)
            raise PodError(f"the pod could not start {argv[-1]}: {reply['error']}")
        host_pid = self._host_pid(reply["pid"])
        stdin_file = open(pipes["stdin"][1], "wb", buffering=0) if stdin else None
        return RemoteProcess(self, reply["id"], host_pid, stdin_file,
                             open(pipes["stdout"][0], "rb", buffering=0), open(pipes["stderr"][0], "rb", buffering=0))

    def _host_pid(self, inner_pid):
        """The grader's pid for the pod's ``inner_pid`` (NSpid in /proc/PID/status)."""

        def find():
            queue = [self.process.pid]
            while queue:
                pid = queue.pop()
                try:
                    with open(f"/proc/{pid}/status") as f:
                        for line in f:
                            if line.startswith("NSpid:") and int(line.split()[-1]) == inner_pid and pid != self.process.pid:
                                return pid
                    for task in os.listdir(f"/proc/{pid}/task"):
                        with open(f"/proc/{pid}/task/{task}/children") as f:
                            queue.extend(int(child) for child in f.read().split())
                except (OSError, ValueError):
                    continue
            return None

        pid = poll_until(find, 2.0)
        if pid is None:
            raise PodError(f"cannot find the pod's process {inner_pid}")
        return pid

    def start(self, script, *, role, root, **options):
        token = f"{self.token}-{len(self.programs)}"
        program = Program(script, role=role, root=root, token=token, limits=self.limits, launcher=self.launch,
                          **options)
        self.programs.append(program)
        return program.start()

    def connect(self, host, port, timeout=2.0):
        """A robot's socket, connected inside the pod to the program listening at host:port."""
        reply, fds = self._request({"op": "connect", "host": host, "port": port, "timeout": timeout},
                                   timeout=timeout + 5)
        if "error" in reply:
            raise OSError(reply.get("errno", errno.ECONNREFUSED), reply["error"])
        sock = socket.socket(fileno=fds[0])
        sock.setblocking(True)
        return sock

    def datagram(self, host="127.0.0.1", port=0):
        """A UDP socket bound to host:port inside the pod's network (port 0: any free port)."""
        reply, fds = self._request({"op": "datagram", "host": host, "port": port})
        if "error" in reply:
            raise OSError(reply.get("errno", errno.EADDRNOTAVAIL), reply["error"])
        sock = socket.socket(fileno=fds[0])
        sock.setblocking(True)
        return sock

    def close(self):
        """Stop the programs gracefully, then end the pod: the kernel kills what is left."""
        for program in self.programs:
            program.stop()
        try:
            # shutdown, not just close: our reader's recv keeps the socket
            # open, and the init must see the end of its control channel.
            self.control.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.control.close()
        try:
            self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        # Belt and braces: nothing with this pod's token may survive.
        for process in sweep(self.token, prefix=True):
            try:
                process.kill()
            except psutil.Error:
                pass
        self._reader.join(timeout=1)
        if self.process.stderr:
            self.process.stderr.close()
        self.programs.clear()
