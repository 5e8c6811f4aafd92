"""A warm ``grader check``: a process that has imported the grader once and forks a grading per request.

Each grading of a batch is a ``grader check`` of its own (see ``worker``),
and each used to start a new interpreter that imported the grader, pytest,
jinja2 and psutil again: about 0.2 s of CPU in every 1.5 s grading, paid
45 times over a class.  The zygote pays it once.  A grading forked from it
is still a process of its own, in a session of its own, running the same
``python -m grader`` entry point with the same arguments, environment and
working directory, its stdout and stderr in files: what it decides is what
``grader check`` decides (bench/batch.py compares every verdict).

The zygote stays single-threaded (a fork copies only the thread that
forks) and imports nothing of a lab or a submission: only the grader's own
modules.  It ignores Ctrl-C (the batch decides how its gradings stop); its
children get Python's default handler back.  The batch talks to it over a
socket pair, a JSON line per message: a request
``{"id", "argv", "cwd", "env", "stdout", "stderr"}``, answered
``{"id", "pid"}`` (or ``{"id", "error"}``), and, when that grading ends,
``{"pid", "status"}`` (its wait status, decoded as ``subprocess`` does).
When the batch closes the socket, the zygote ends; its gradings do not.
"""

import collections
import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time

# What every ``grader check`` imports before its first check: imported here once.
WARM = ("grader.cli", "grader.engine.runner", "grader.engine.plugin", "grader.engine.session",
        "grader.isolation.namespace", "grader.isolation.pods", "grader.report.table", "grader.report.html",
        "grader.report.formats", "pytest", "_pytest.python", "_pytest.fixtures", "jinja2", "psutil")


class Zygote:
    """The batch's side: start the zygote, ask it for gradings, learn when they end."""

    def __init__(self, env):
        self._sock, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "grader.batch.zygote", str(theirs.fileno())], env=env,
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                pass_fds=(theirs.fileno(),))
        finally:
            theirs.close()
        self._lock = threading.Lock()     # one request at a time on the socket
        self._cond = threading.Condition()
        self._answers = {}                # request id -> its answer
        self._ended = {}                  # pid -> exit code (as Popen.returncode)
        self._alive = True
        self._next = 0
        self._reader = threading.Thread(target=self._read, name="zygote-reader", daemon=True)
        self._reader.start()

    def spawn(self, args, cwd, env, stdout, stderr, timeout=30.0):
        """A Forked grading of ``python -m grader *args``; None if the zygote cannot fork one (the caller starts it)."""
        with self._lock:
            self._next += 1
            ident = self._next
            request = {"id": ident, "argv": list(args), "cwd": str(cwd), "env": dict(env),
                       "stdout": str(stdout), "stderr": str(stderr)}
            try:
                self._sock.sendall(json.dumps(request).encode() + b"\n")
            except OSError:
                return None
        deadline = time.monotonic() + timeout
        with self._cond:
            while ident not in self._answers and self._alive and time.monotonic() < deadline:
                self._cond.wait(deadline - time.monotonic())
            answer = self._answers.pop(ident, None)
        if not answer or "pid" not in answer:
            if answer and answer.get("handle") is not None:
                os.close(answer["handle"])
            return None
        return Forked(self, answer["pid"], answer.get("handle"))

    def close(self):
        """End the zygote (the gradings it forked go on until they end)."""
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._reader.join(timeout=10)
        self._sock.close()

    def _read(self):
        buffer, handles = b"", collections.deque()  # pidfds, in the order of the answers that name a pid
        while True:
            try:
                chunk, fds, _flags, _addr = socket.recv_fds(self._sock, 65536, 16)
            except OSError:
                chunk, fds = b"", []
            handles.extend(fds)
            if not chunk:
                break
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            with self._cond:
                for line in lines:
                    message = json.loads(line)
                    if "status" in message:
                        self._ended[message["pid"]] = message["status"]
                    else:
                        if "pid" in message:
                            message["handle"] = handles.popleft() if handles else None
                        self._answers[message["id"]] = message
                self._cond.notify_all()
        for fd in handles:
            os.close(fd)
        with self._cond:
            self._alive = False
            self._cond.notify_all()

    def _wait(self, pid, timeout):
        """The exit code of ``pid`` once it ended (within ``timeout``, None: wait for ever), else None."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while pid not in self._ended:
                if not self._alive:
                    return _reap_orphan(pid)
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return None
                self._cond.wait(remaining)
            return self._ended[pid]


def _reap_orphan(pid):
    # The zygote is gone (killed): its gradings were handed to the batch, a subreaper, or to init.
    try:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
    except ChildProcessError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return -signal.SIGKILL  # ended, and reaped by someone else: how, no one can tell
        except PermissionError:
            pass
    return None


class Forked:
    """A grading the zygote forked, with the part of ``subprocess.Popen`` that ``worker`` uses."""

    def __init__(self, zygote, pid, handle=None):
        self._zygote = zygote
        self.pid = pid
        # A pidfd the zygote opened before it could reap the grading: the batch signals the grading
        # through it, never by a number that may be another process's once the zygote reaped it.
        self.handle = handle
        self.returncode = None

    def close(self):
        if self.handle is not None:
            os.close(self.handle)
            self.handle = None

    def poll(self):
        if self.returncode is None:
            self.returncode = self._zygote._wait(self.pid, 0)
        return self.returncode

    def wait(self, timeout=None):
        if self.returncode is None:
            if timeout is None:
                while self.returncode is None:  # a killed grading is reported within moments
                    self.returncode = self._zygote._wait(self.pid, 1.0)
            else:
                self.returncode = self._zygote._wait(self.pid, timeout)
                if self.returncode is None:
                    raise subprocess.TimeoutExpired(["grader", "check"], timeout)
        return self.returncode


# ---------------------------------------------------------------- the zygote itself
def serve(fd):
    """The zygote's loop: fork a grading per request, report each one's end; return when the batch hangs up."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for name in WARM:
        __import__(name)
    import gc

    gc.collect()
    gc.freeze()  # what the gradings share stays shared: no copy of it on their first collection
    sock = socket.socket(fileno=fd)
    selector = selectors.DefaultSelector()
    selector.register(sock, selectors.EVENT_READ, None)
    buffer, children = b"", {}
    while True:
        for key, _events in selector.select():
            if key.data is None:
                chunk = sock.recv(65536)
                if not chunk:
                    return
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                for line in lines:
                    request = json.loads(line)
                    try:
                        pid = _fork(request, sock, selector, children)
                    except OSError as exc:
                        _send(sock, {"id": request["id"], "error": str(exc)})
                        continue
                    pidfd = os.pidfd_open(pid)
                    children[pidfd] = pid
                    selector.register(pidfd, selectors.EVENT_READ, pid)
                    _send(sock, {"id": request["id"], "pid": pid}, pidfd)
            else:
                selector.unregister(key.fd)
                os.close(key.fd)
                children.pop(key.fd, None)
                _pid, status = os.waitpid(key.data, 0)
                _send(sock, {"pid": key.data, "status": os.waitstatus_to_exitcode(status)})


def _send(sock, message, fd=None):
    data = json.dumps(message).encode() + b"\n"
    if fd is None:
        sock.sendall(data)
        return
    sent = socket.send_fds(sock, [data], [fd])  # the descriptor travels with the message's first bytes
    if sent < len(data):
        sock.sendall(data[sent:])


def _fork(request, sock, selector, children):
    pid = os.fork()
    if pid:
        return pid
    code = 1
    try:
        selector.close()
        sock.close()
        for pidfd in children:
            os.close(pidfd)
        os.setsid()  # as start_new_session: the batch stops a grading by its group
        signal.signal(signal.SIGINT, signal.default_int_handler)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        _redirect(0, os.devnull, os.O_RDONLY)
        _redirect(1, request["stdout"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        _redirect(2, request["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        import grader.__main__
        from grader.__main__ import run

        sys.argv = [grader.__main__.__file__, *request["argv"]]  # as `python -m grader` has it

        code = run()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # noqa: BLE001  (the grading's own stderr says what; the zygote must not go on in it)
        import traceback

        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _redirect(fd, path, flags):
    opened = os.open(path, flags, 0o644)
    os.dup2(opened, fd)
    os.close(opened)


if __name__ == "__main__":
    serve(int(sys.argv[1]))
