"""Pods in Linux namespaces: network, PID, mount (and user) namespaces per grading session.

Inside, a small init (``grader/shim/pod_init.py``) starts the student's
programs and connects the robots' sockets, so that:

* the pod has its own loopback: hard-coded ports never clash, even with
  another grading running at the same time, and nothing outside is reachable;
* the student's code cannot see or signal the grader (it is outside the PID
  namespace);
* teardown is total: when the pod's init ends, the kernel kills every
  process of the namespace, double-forked daemons included;
* the student's code sees a minimal file system (``pod_view``): the
  system's runtime and the interpreter read-only, a private /tmp, its own
  copies writable, and nothing else of the machine; when the grader is
  root, it runs as nobody.

Bubblewrap is used when installed; ``unshare`` from util-linux otherwise
(then the pod's init builds the same view itself).
"""

import errno
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from functools import lru_cache
from pathlib import Path

import psutil

from grader.drive.wait import Deadline, poll_until
from grader.isolation.processes import TOKEN_VAR, Tokens, descendants, open_handle, sweep
from grader.isolation.program import PYTHON_FLAGS, Program, shim_parts

POD_INIT = Path(__file__).parent / "shim" / "pod_init.py"


FORK_VAR = "GRADER_POD_FORK"  # '0': the pod's init starts every program afresh (exec) instead of forking it


def pod_environment():
    """The init's environment, which /proc shows as PID 1's: nothing of the grader's.

    It holds a placeholder for the token of the programs it forks
    (``pod_init.TOKEN_ROOM`` dashes), which each one writes its own over.
    """
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", TOKEN_VAR: "-" * 96}
    if os.environ.get(FORK_VAR) == "0":
        env[FORK_VAR] = "0"
    return env


def _give(folder, uid, gid):
    """Hand a submission's copy to the user its programs run as: they may write in it, as at home."""
    os.chown(folder, uid, gid)
    for parent, folders, files in os.walk(folder):
        for name in folders + files:
            os.chown(os.path.join(parent, name), uid, gid, follow_symlinks=False)


class PodError(OSError):
    """The pod itself failed (its init died or did not answer): a grader problem."""


# The system's runtime, read-only: what Python, its standard library and the
# C library need.  Everything else of the machine stays out of sight.
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
# /etc: names (passwd, group), the loader, name resolution for the loopback,
# time zone, locale, certificates.  Not shadow, not keys, not the rest.
ETC_ALLOWED = ("hosts", "hostname", "host.conf", "gai.conf", "nsswitch.conf", "resolv.conf", "passwd", "group",
               "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "timezone", "locale.alias", "locale.conf",
               "mime.types", "ssl/certs", "ca-certificates", "ca-certificates.conf", "protocols", "services")
DEVICES = ("null", "zero", "full", "random", "urandom", "tty")
NOBODY = 65534


def run_as():
    """The uid and gid student programs run as: an unprivileged user when the grader is root, else None."""
    if os.geteuid() != 0:
        return None  # the user namespace maps them to the grading user, who is not root
    try:
        import pwd

        entry = pwd.getpwnam("nobody")
        return entry.pw_uid, entry.pw_gid
    except (ImportError, KeyError):
        return NOBODY, NOBODY


def _python_paths():
    """What the interpreter needs: the venv, the installation it comes from, the real binary's folder."""
    real = Path(sys.executable).resolve()
    wanted = {Path(sys.prefix), Path(sys.base_prefix), Path(sys.exec_prefix), Path(sys.base_exec_prefix),
              real.parent, Path(sys.executable).parent}
    return [str(p) for p in wanted if p.exists()]


def _under(path, folders):
    return any(path == folder or path.startswith(folder.rstrip("/") + "/") for folder in folders)


def pod_view(workdir):
    """What a pod's programs see of the file system, as (kind, path, extra) entries, in mount order.

    ``ro``: a folder or file of the machine, read-only, at the same path;
    ``rw``: the grading's folder (the submission's copies), writable;
    ``link``: a symbolic link (merged /usr systems: /lib -> usr/lib);
    ``tmpfs``: a private, empty, writable folder; ``proc`` and ``dev``: the pod's own.
    """
    view, seen = [], []

    def read_only(path):
        path = os.path.normpath(path)
        if not _under(path, seen) and os.path.exists(path):
            view.append(("ro", path, None))
            seen.append(path)

    for folder in SYSTEM_DIRS:
        if os.path.islink(folder):
            view.append(("link", folder, os.readlink(folder)))
        else:
            read_only(folder)
    for name in ETC_ALLOWED:
        read_only(os.path.join("/etc", name))
    for target in ("/etc/ssl/certs", "/etc/localtime"):  # links into /usr/share, or elsewhere in /etc
        if os.path.islink(target):
            read_only(os.path.realpath(target))
    # A private /dev/shm too: POSIX semaphores and shared memory (multiprocessing.Lock(), Queue()) live there.
    view += [("proc", "/proc", None), ("dev", "/dev", None), ("tmpfs", "/dev/shm", None), ("tmpfs", "/tmp", None)]
    # After /tmp: these may live under it (a venv in /tmp), and must show through.
    for path in sorted(_python_paths(), key=len):
        read_only(path)
    read_only(str(Path(__file__).resolve().parent / "shim"))
    view.append(("rw", str(workdir), None))
    return view


def _bwrap_args(view):
    args, made = [], {"/"}
    for kind, path, extra in view:
        # Folders leading to a mount point: bubblewrap (as root) would make them 0700, closed to nobody.
        parents = list(Path(path).parents)[::-1][1:]
        for parent in map(str, parents):
            if parent not in made:
                args += ["--perms", "0755", "--dir", parent]
                made.add(parent)
        made.add(path)
        if kind == "ro":
            args += ["--ro-bind", path, path]
        elif kind == "rw":
            args += ["--bind", path, path]
        elif kind == "link":
            args += ["--symlink", extra, path]
        elif kind == "tmpfs":
            args += ["--perms", "1777", "--tmpfs", path]
        elif kind == "proc":
            args += ["--proc", path]
        elif kind == "dev":
            args += ["--dev", path]
    return args


def tool_command(tool, workdir):
    """The command that opens the namespaces (and, with bubblewrap, builds the pod's file system).

    With ``unshare``, the pod's init builds the same view itself (``pod_view``,
    passed to it as JSON): bind mounts on a fresh root, then pivot_root.
    When the grader is root no user namespace is opened: the pod's init
    stays root to build the view, and starts student programs as nobody,
    who is nobody outside the pod too.
    """
    privileged = os.geteuid() == 0
    if tool == "bwrap":
        # --die-with-parent: the pod ends with the thread that started it (PR_SET_PDEATHSIG is per
        # thread), so pods are started from threads that outlive them.
        # --as-pid-1: our init is the namespace's PID 1, which a student's
        # program cannot kill (PID 1 ignores signals it has no handler for).
        return ["bwrap", *([] if privileged else ["--unshare-user"]), "--unshare-net", "--unshare-pid",
                "--unshare-ipc", "--unshare-uts", "--die-with-parent", "--new-session", "--as-pid-1",
                *_bwrap_args(pod_view(workdir)), "--chdir", str(workdir)]
    return ["unshare", *([] if privileged else ["--user", "--map-root-user"]), "--net", "--pid", "--ipc", "--uts",
            "--fork", "--kill-child", "--mount", "--propagation", "private"]


def pod_spec(tool, workdir):
    """What the pod's init is told: the view to build (unshare) and the user to run programs as."""
    ids = run_as()
    return {"view": pod_view(workdir) if tool == "unshare" else None, "uid": ids and ids[0], "gid": ids and ids[1],
            "chdir": str(workdir)}


# The pods' network namespaces get TCP tables of their own, small.  Linux keeps one table of
# connections for the whole machine (262144 buckets here), and every read of a pod's
# /proc/<pid>/net/tcp walks all of it: the grader reads it at each sample that asks what is in
# flight, and that walk was the largest single cost in the kernel of a grading (5% of its CPU).
# A namespace created from one whose net.ipv4.tcp_child_ehash_entries is set gets a table of
# that size of its own (Linux 6.1).  The host's setting is left alone: the grader opens, in one
# of its threads, a network namespace of its own (nothing in it), sets it there, and starts each
# pod's tool from inside it (``_from_small_tables``).  Root only; elsewhere pods share the table.
CHILD_TABLE = 1024  # buckets: a session's pod holds at most a few hundred sockets (TIME_WAIT included)
_CLONE_NEWNET = 0x40000000


@lru_cache(maxsize=1)
def _small_tables_namespace():
    """An fd of a network namespace whose new children get small TCP tables of their own, or None."""
    if os.geteuid() != 0 or not Path("/proc/sys/net/ipv4/tcp_child_ehash_entries").exists():
        return None
    found = []

    def make():  # in a thread of its own: unshare() moves only the calling thread
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.unshare(_CLONE_NEWNET) != 0:
            return
        try:  # /proc/sys/net is the calling thread's namespace's: this new one's
            with open("/proc/sys/net/ipv4/tcp_child_ehash_entries", "w") as f:
                f.write(str(CHILD_TABLE))
            with open("/proc/sys/net/ipv4/tcp_child_ehash_entries") as f:
                if int(f.read()) != CHILD_TABLE:
                    return
            found.append(os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC))
        except (OSError, ValueError):
            pass

    maker = threading.Thread(target=make, name="small-tcp-tables")
    maker.start()
    maker.join()
    return found[0] if found else None


def _from_small_tables(start):
    """``start()`` (a Popen) from the small-tables namespace, when there is one; this thread comes back after."""
    namespace = _small_tables_namespace()
    if namespace is None:
        return start()
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    home = os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    try:
        if libc.setns(namespace, _CLONE_NEWNET) != 0:
            return start()
        try:
            return start()
        finally:
            if libc.setns(home, _CLONE_NEWNET) != 0:  # never stay: this thread's sockets would be in it
                raise OSError(ctypes.get_errno(), "could not return to the grader's network namespace")
    finally:
        os.close(home)


TOOL_VAR = "GRADER_POD_TOOL"  # 'bwrap' or 'unshare': try only that one (the tests force each path)


@lru_cache(maxsize=None)
def available_tool():
    """'bwrap' or 'unshare' if it can open the namespaces here, else None (tried once per process)."""
    forced = os.environ.get(TOOL_VAR, "")
    for tool in ("bwrap", "unshare"):
        if forced and tool != forced:
            continue
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
        self.handle = None  # a pidfd (``processes.open_handle``), set by the launch

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
        self.tokens = Tokens()
        self.token = self.tokens.prefix
        self.programs = []
        self.server_program = None
        self._cond = threading.Condition()
        self._replies = {}
        self._exits = {}
        self._next_id = 0
        self._closed = False
        spec = pod_spec(tool, workdir)
        self.run_as = run_as()
        self.new_root = None
        if spec["view"]:
            # Where the init assembles the pod's root before pivoting into it; empty again once it has.
            self.new_root = spec["new_root"] = tempfile.mkdtemp(prefix="grader-root-")
        if self.run_as:
            # The programs run as nobody: they may enter the grading's folder
            # (their copies are theirs, see start) but not list it.
            os.chmod(workdir, 0o711)
        self.control, inner = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        command = [*tool_command(tool, workdir), sys.executable, *PYTHON_FLAGS, str(POD_INIT), str(inner.fileno()),
                   json.dumps(spec)]
        try:
            self.process = _from_small_tables(lambda: subprocess.Popen(
                command, pass_fds=(inner.fileno(),), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE, start_new_session=True, env=pod_environment()))
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
            said = self.process.stderr.read(2000).decode("utf-8", "replace").strip()
            return said or f"exit {self.process.returncode}"
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
        python = shim_parts(argv)
        # The program waits at this gate until we have found it (see pod_init.fork_program).
        # We open it ourselves, not through the init: once our write returns, the program is
        # runnable, with no request in between that a busy init could delay.
        gate = os.pipe()
        names.append("gate")
        sent.append(gate[0])
        request = {"op": "spawn", "argv": argv, "env": env, "cwd": str(cwd), "fds": names}
        if python:
            request["python"] = {"bootstrap": python[0], "argv": python[1]}
        try:
            reply, _fds = self._request(request, sent)
        except BaseException:
            os.close(gate[1])
            raise
        finally:
            for name, (read_end, write_end) in pipes.items():
                os.close(read_end if name == "stdin" else write_end)
            os.close(gate[0])
        if "error" in reply:
            for name, (read_end, write_end) in pipes.items():
                os.close(write_end if name == "stdin" else read_end)
            os.close(gate[1])
            raise PodError(f"the pod could not start {argv[-1]}: {reply['error']}")
        try:
            host_pid = self._host_pid(reply["pid"])
            # Before the gate: until then the program cannot end, so the handle is surely its own.
            handle = open_handle(host_pid)
        finally:
            self._open_gate(gate[1], reply.get("gated"))
        stdin_file = open(pipes["stdin"][1], "wb", buffering=0) if stdin else None
        process = RemoteProcess(self, reply["id"], host_pid, stdin_file, open(pipes["stdout"][0], "rb", buffering=0),
                                open(pipes["stderr"][0], "rb", buffering=0))
        process.handle = handle
        return process

    @staticmethod
    def _open_gate(fd, gated):
        try:
            if gated:
                os.write(fd, b"g")
        except OSError:  # its end is closed: it ended before it reached the gate
            pass
        finally:
            os.close(fd)

    def processes(self):
        """The pids of the pod's processes (as the grader sees them): the tool's, the init's and all below."""
        return descendants(self.process.pid)

    def _host_pid(self, inner_pid):
        """The grader's pid for the pod's ``inner_pid`` (NSpid in /proc/PID/status)."""

        def find():
            for pid in self.processes()[1:]:
                try:
                    with open(f"/proc/{pid}/status") as f:
                        for line in f:
                            if line.startswith("NSpid:") and int(line.split()[-1]) == inner_pid:
                                return pid
                except (OSError, ValueError):
                    continue
            return None

        # A bound, not a guess at a lifetime: the program waits at its gate until we have found it.
        pid = poll_until(find, 10.0)
        if pid is None:
            raise PodError(f"cannot find the pod's process {inner_pid}")
        return pid

    def start(self, script, *, role, root, **options):
        if self.run_as:
            _give(root, *self.run_as)
        token = self.tokens.next()
        program = Program(script, role=role, root=root, token=token, limits=self.limits, launcher=self.launch,
                          sweep_among=self.processes, **options)
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
        if self.new_root:
            try:
                os.rmdir(self.new_root)
            except OSError:
                pass
