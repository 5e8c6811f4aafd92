"""The first process of a pod: runs inside fresh user, network and PID namespaces.

Started by the grader as ``bwrap ... python -I -S pod_init.py FD SPEC`` or
``unshare ... python -I -S pod_init.py FD SPEC``.  SPEC (JSON) says which
user to run student programs as and, on the ``unshare`` path, the view of
the file system to build (``grader.isolation.namespace.pod_view``): bind
mounts on a fresh tmpfs, pivot_root into it, the old root detached, so
nothing else of the machine is reachable.  FD is one end of a
SOCK_SEQPACKET socket pair; each message is a JSON request, with file
descriptors attached where it needs them:

* ``spawn``: start a program with the pipes the grader made (stdin, stdout,
  stderr, the shim's event and stack channels), in a session of its own;
  answer ``spawned`` with its pid here, and ``exited`` with its exit code later.
  A student's Python program (the request says ``python``) is forked from
  this process rather than started afresh: see ``Init.fork_python``.  It
  waits at a gate (a pipe the request brings, ``gate``) until the grader,
  who keeps the pipe's other end, has found it from outside.
* ``connect``: connect a TCP socket to host:port *inside* the pod's network
  namespace and send it back: that is how the grader's robots reach a
  server that nothing outside the pod can reach.
* ``datagram``: a UDP socket bound to host:port inside the pod (port 0: any
  free one), sent back likewise: a datagram robot's address in the pod.

When the grader closes its end (or dies), this process exits; as the
namespace's init (or bubblewrap's only child) its end kills every process
left in the pod, double-forked daemons included.  Standard library only.
"""

import array  # noqa: F401  (the shim's sleeps use it: imported once per pod)
import ctypes
import errno
import faulthandler  # noqa: F401  (this and the next ones: what the shim imports, paid once per pod)
import fcntl
import gc
import json
import os
import re
import resource  # noqa: F401
import selectors
import shutil
import signal
import site  # noqa: F401  (under -S, importing site runs nothing)
import socket
import stat
import struct
import sys
import threading  # noqa: F401
import types
import warnings
import weakref  # noqa: F401

SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
IFF_UP = 0x1
MAX_FDS = 8

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
MS_NOATIME, MS_NODIRATIME, MS_RELATIME = 1024, 2048, 1 << 21
MNT_DETACH = 2
# statvfs flag -> mount flag: a read-only remount in a user namespace must
# keep the flags the mount already has (the kernel locks them).
KEPT_FLAGS = ((os.ST_NOSUID, MS_NOSUID), (os.ST_NODEV, MS_NODEV), (os.ST_NOEXEC, MS_NOEXEC),
              (os.ST_NOATIME, MS_NOATIME), (os.ST_NODIRATIME, MS_NODIRATIME), (os.ST_RELATIME, MS_RELATIME))
SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41, "riscv64": 41, "i686": 217, "i386": 217, "armv7l": 218,
                  "ppc64le": 203, "s390x": 217}
PR_SET_DUMPABLE, PR_SET_NO_NEW_PRIVS, PR_SET_SECUREBITS = 4, 38, 28
PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 47, 4
SECBIT_NOROOT, SECBIT_NOROOT_LOCKED = 1, 2
CAP_VERSION_3 = 0x20080522
# Our environment holds this placeholder; a forked program writes its own
# token over it (see _show_token), so /proc/PID/environ, where the grader's
# sweep looks for a program's escaped daemons, shows the program's token.
TOKEN_VAR, TOKEN_ROOM = "GRADER_POD", 96
DEVICE_LINKS = {"fd": "/proc/self/fd", "stdin": "/proc/self/fd/0", "stdout": "/proc/self/fd/1",
                "stderr": "/proc/self/fd/2"}

_libc = ctypes.CDLL(None, use_errno=True)


def _check(result, what):
    if result != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"{what}: {os.strerror(code)}")


def mount(source, target, fstype=None, flags=0, data=None):
    encode = lambda text: None if text is None else os.fsencode(text)  # noqa: E731
    _check(_libc.mount(encode(source), encode(target), encode(fstype), ctypes.c_ulong(flags), encode(data)),
           f"mount {source} on {target}")


def _mount_point(target, like):
    if os.path.isdir(like):
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if not os.path.exists(target):
            open(target, "w").close()


def _bind(source, target, read_only):
    _mount_point(target, source)
    mount(source, target, None, MS_BIND | MS_REC)
    if read_only:
        kept = os.statvfs(target).f_flag
        flags = MS_REMOUNT | MS_BIND | MS_RDONLY
        flags |= sum(mount_flag for stat_flag, mount_flag in KEPT_FLAGS if kept & stat_flag)
        mount(None, target, None, flags)


def _devices(target):
    mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755")
    for name in ("null", "zero", "full", "random", "urandom", "tty"):
        if os.path.exists(f"/dev/{name}"):
            _bind(f"/dev/{name}", os.path.join(target, name), read_only=False)
    for name, points_to in DEVICE_LINKS.items():
        os.symlink(points_to, os.path.join(target, name))
    os.mkdir(os.path.join(target, "shm"))
    mount("tmpfs", os.path.join(target, "shm"), "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777")


def build_root(view, new_root):
    """Make ``view`` the whole file system of this mount namespace (the ``unshare`` path)."""
    mount(None, "/", None, MS_REC | MS_PRIVATE)  # nothing we mount reaches the machine
    mount("tmpfs", new_root, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755")
    for kind, path, extra in view:
        target = new_root + path
        if kind == "ro" or kind == "rw":
            _bind(path, target, read_only=kind == "ro")
        elif kind == "link":
            os.makedirs(os.path.dirname(target), exist_ok=True)
            os.symlink(extra, target)
        elif kind == "tmpfs":
            os.makedirs(target, exist_ok=True)
            mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777")
        elif kind == "proc":
            os.makedirs(target, exist_ok=True)
            mount("proc", target, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
        elif kind == "dev":
            os.makedirs(target, exist_ok=True)
            _devices(target)
    os.chdir(new_root)
    number = SYS_PIVOT_ROOT.get(os.uname().machine)
    if number is None:
        os.chroot(".")  # an architecture we have no number for: the old root stays mounted, out of reach
    else:
        # pivot_root(".", "."): the old root ends up on top of the new one; detach it.
        _check(_libc.syscall(ctypes.c_long(number), b".", b"."), "pivot_root")
        _check(_libc.umount2(b".", MNT_DETACH), "detach the old root")
    os.chdir("/")
    mount(None, "/", None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)
    mount(None, "/dev", None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NOEXEC)


def _drop_root_powers():
    """In a student program, before exec: uid 0 of a user namespace gets no capabilities from exec."""
    _libc.prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED, 0, 0, 0)  # EPERM without caps: fine
    _libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def _drop_capabilities():
    """A forked program has no exec to lose the init's capabilities in: drop them all, and check."""
    header, data = _CapHeader(CAP_VERSION_3, 0), (_CapData * 2)()
    _check(_libc.capset(ctypes.byref(header), data), "capset")
    with open("/proc/self/status") as f:
        held = [line for line in f if line.startswith(("CapEff:", "CapPrm:", "CapAmb:"))]
    if any(int(line.split()[1], 16) for line in held):
        raise OSError(errno.EPERM, "capabilities remain: " + " ".join(line.strip() for line in held))


def _environ_block():
    """(address, bytes) of this process's initial environment, which /proc/PID/environ shows."""
    with open("/proc/self/stat", "rb") as f:
        fields = f.read().rsplit(b")", 1)[1].split()
    # proc(5) numbers the fields from 1 and the first two precede ")".
    start, end = int(fields[50 - 3]), int(fields[51 - 3])
    return start, ctypes.string_at(start, end - start)


def _token_slot():
    """Where our TOKEN_VAR placeholder's value lies in memory, or None."""
    try:
        start, block = _environ_block()
    except (OSError, IndexError, ValueError):
        return None
    key = TOKEN_VAR.encode() + b"="
    at = block.find(b"\0" + key)
    at = 0 if block.startswith(key) else (at + 1 if at >= 0 else -1)
    if at < 0 or block[at + len(key):].split(b"\0", 1)[0] != b"-" * TOKEN_ROOM:
        return None
    return start + at + len(key)


def _show_token(slot, token):
    value = token.encode()
    if len(value) > TOKEN_ROOM:
        raise OSError(errno.E2BIG, "the token does not fit its placeholder")
    ctypes.memmove(slot, value + b"\0" * (TOKEN_ROOM - len(value)), TOKEN_ROOM)


class Become(BaseException):
    """Raised in a forked child: unwind the init's frames, then run the student's program (see main)."""

    def __init__(self, bootstrap, argv, compiled=None):
        super().__init__()
        self.bootstrap, self.argv = bootstrap, argv
        self.compiled = compiled  # (path, source, code) of the script, compiled in the init, or None


# Standard-library modules student programs often import, imported here
# (once a pod) when a program's folder imports them, instead of in each
# program forked from us: argparse and queue alone cost each of the
# reference's programs 2.6 ms of CPU, a quarter of all it uses.  Each is
# pure Python or a plain extension whose import reads nothing of the
# process (-I: no environment) and starts no thread; random and logging
# mend themselves after a fork.  Left out: anything that talks to a
# terminal or a display (readline, curses, getpass, tkinter).
WARM_MODULES = frozenset({
    "argparse", "asyncio", "base64", "collections", "concurrent.futures", "copy", "dataclasses", "datetime",
    "enum", "functools", "hashlib", "itertools", "json", "logging", "math", "pickle", "queue", "random",
    "select", "selectors", "shlex", "socketserver", "string", "struct", "textwrap", "time", "traceback",
    "typing", "uuid",
})
_IMPORTS = re.compile(r"^[ \t]*(?:from[ \t]+([A-Za-z_][\w.]*)[ \t]+import\b|import[ \t]+([^#\n;]+))", re.M)


def _read_regular(path, limit):
    """The bytes of the student's file at ``path``, or None: a link, not a regular file, over ``limit`` bytes.

    We read as the pod's init, with more rights than the program: never
    through a link the student may have planted.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None
        return os.read(fd, limit)
    except OSError:
        return None
    finally:
        os.close(fd)


def _python_sources(folder, limit=64, size=1 << 20):
    """The text of the .py files in ``folder`` (see ``_read_regular``; at most ``limit`` files)."""
    for entry in sorted(os.listdir(folder))[:limit]:
        if entry.endswith(".py"):
            source = _read_regular(os.path.join(folder, entry), size)
            if source is not None:
                yield source.decode("utf-8", "replace")


def imported_names(sources):
    """The modules that ``import x`` and ``from x import y`` lines name (a line in a string counts too)."""
    names = set()
    for source in sources:
        for match in _IMPORTS.finditer(source):
            if match.group(1):
                names.add(match.group(1))
                continue
            for part in match.group(2).split(","):
                words = part.split()
                if words:
                    names.add(words[0])
    return names


def warm_up(folder):
    """Import the WARM_MODULES that the programs in ``folder`` import; nothing if a file of theirs shadows one.

    A folder with a module named as one of the standard library's (its
    own queue.py, select.py) gets nothing: in a new interpreter its own
    file would be the one imported, by the program or by a standard module
    that imports it in turn, and it must stay so.
    """
    try:
        entries = os.listdir(folder)
    except OSError:
        return
    if {entry.split(".")[0] for entry in entries} & set(sys.stdlib_module_names):
        return
    for name in sorted(imported_names(_python_sources(folder)) & WARM_MODULES):
        if name not in sys.modules:
            try:
                __import__(name)
            except Exception:  # noqa: BLE001  (the program will meet the same error itself)
                pass


_SHIM_CODE = {}  # bootstrap path -> its code, compiled once per pod


def _shim_code(path):
    if path not in _SHIM_CODE:
        with open(path, "rb") as f:
            _SHIM_CODE[path] = compile(f.read(), path, "exec", dont_inherit=True)
    return _SHIM_CODE[path]


def run_forked(become):
    """What ``python -I -S -u -X utf8 -B bootstrap.py SCRIPT ARGS`` does, in this interpreter."""
    sys.argv = [become.bootstrap, *become.argv]
    shim = types.ModuleType("grader_shim")
    shim.__file__ = become.bootstrap
    sys.modules["grader_shim"] = shim
    exec(_shim_code(become.bootstrap), shim.__dict__)
    if become.compiled is not None:
        path, source, code = become.compiled
        shim.PRECOMPILED[path] = (source, code)
    shim.main()


_COMPILED = {}  # a script's source -> its code, compiled once a pod (each check runs a fresh copy of the same files)


def precompiled(script, limit=4 << 20):
    """(path, source, code) of the student's ``script``, compiled here, or None: the program then compiles it itself.

    A program's compile cost it 1.25 ms of CPU (the reference's server),
    dozens of times a grading; the code of a copy already compiled only
    takes the copy's file name.  The forked program still reads its file,
    as itself, and uses this code only if the text is the same.  None for
    what the program must meet on its own: a link, a file too big, an
    error, a warning (it belongs on the program's stderr, not ours).
    """
    path = os.path.realpath(script)
    source = _read_regular(path, limit)
    if source is None:
        return None
    code = _COMPILED.get(source)
    if code is None:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            try:
                code = compile(source, path, "exec", dont_inherit=True)
            except (SyntaxError, ValueError, Warning):
                return None
        if len(_COMPILED) >= 16:
            _COMPILED.clear()
        _COMPILED[source] = code
    return path, source, _renamed(code, path)


def _renamed(code, filename):
    """``code`` and every code object in it, with ``filename`` as theirs (tracebacks name the copy that runs)."""
    if code.co_filename == filename:
        return code
    consts = tuple(_renamed(const, filename) if isinstance(const, types.CodeType) else const
                   for const in code.co_consts)
    return code.replace(co_filename=filename, co_consts=consts)


def bring_up_loopback():
    """A new network namespace has its loopback down (unshare); bubblewrap brings it up itself."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH14x", b"lo", 0)
        flags = struct.unpack("16sH14x", fcntl.ioctl(sock, SIOCGIFFLAGS, request))[1]
        if not flags & IFF_UP:
            fcntl.ioctl(sock, SIOCSIFFLAGS, struct.pack("16sH14x", b"lo", flags | IFF_UP))


class Init:
    def __init__(self, control, uid=None, gid=None):
        self.control = control
        self.uid, self.gid = uid, gid
        self.children = {}  # pid -> spawn id
        self.selector = selectors.DefaultSelector()
        self.wakeup_r, self.wakeup_w = os.pipe()
        os.set_blocking(self.wakeup_w, False)
        signal.set_wakeup_fd(self.wakeup_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        # Nothing a student program does to us should end the pod early.  A
        # handler, not SIG_IGN: an ignored signal stays ignored across exec,
        # and the student's programs must keep the default SIGTERM.
        self.handled = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2)
        for sig in self.handled:
            signal.signal(sig, lambda *_: None)
        # Forking needs our environment's placeholder (else the sweep could
        # not find a forked program's daemons) and no thread of ours.
        self.token_slot = _token_slot() if os.environ.get("GRADER_POD_FORK", "1") != "0" else None

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
        # Descriptors the kernel did not pass are absent, and the "in received" tests below leave them out.
        received = dict(zip(names, fds, strict=False))
        env = dict(request["env"])
        # The shim finds its channels by number; give it the numbers they have here.
        shim = dict(item.split("=", 1) for item in env.get("GRADER_SHIM", "").split(";") if "=" in item)
        for key in ("fd", "stack_fd"):
            if key in received:
                shim[key] = str(received[key])
        env["GRADER_SHIM"] = ";".join(f"{k}={v}" for k, v in shim.items())
        passed = [received[key] for key in ("fd", "stack_fd") if key in received]
        python = request.get("python") if self.token_slot is not None else None
        if python and not os.path.isfile(python["bootstrap"]):
            python = None
        executable = None
        if python is None:
            executable = shutil.which(request["argv"][0], path=env.get("PATH", os.defpath))
            if executable is None:
                for fd in fds:
                    os.close(fd)
                self.reply({"op": "spawned", "id": request["id"],
                            "error": f"[Errno {errno.ENOENT}] {os.strerror(errno.ENOENT)}: {request['argv'][0]!r}"})
                return
        self.fork_program(request, received, env, passed, fds, executable)

    def fork_program(self, request, received, env, passed, fds, executable=None):
        """Start the student's program as a fork of this process: its Python in ours, or ``executable``.

        A new interpreter costs ~45 ms of CPU to start and import socket and
        threading, and a grading starts dozens of programs; a fork costs
        ~2 ms.  The child is made what a new ``python -I -S -u -X utf8 -B``
        would be: its own session and descriptors, default signals, the
        request's directory, environment and user, no capabilities, a
        dumpable process (the grader reads its /proc files), and the
        program's token where /proc shows the environment.  Then it unwinds
        our frames (``Become``) and runs the shim as a fresh module.

        Any other program (or every one, with GRADER_POD_FORK=0) is the same
        child, which then execs ``executable``: a fork of ours, not
        ``subprocess``, so that it too waits at the gate.  A program started
        past the gate could end and be reaped before a loaded grader found
        it, and the launch then failed ("cannot find the pod's process").
        """
        compiled = None
        if executable is None:
            _shim_code(request["python"]["bootstrap"])  # here, not in the child: once per pod
        if executable is None and request["python"]["argv"]:
            warm_up(os.path.dirname(request["python"]["argv"][0]))
            compiled = precompiled(request["python"]["argv"][0])
        # Our objects out of the collector's sight: the child's collections
        # then do not write to (and so copy) the pages it shares with us.
        gc.freeze()
        # The child waits at this gate until the grader has found it from
        # outside and writes to the gate's other end, which it keeps: a
        # program that ends soon (a SyntaxError) would otherwise be reaped
        # before the grader saw it, at a time that depends on the load.
        gate = received.get("gate")
        pid = os.fork()
        if pid == 0:
            try:
                if gate is not None:
                    os.read(gate, 1)  # a byte, or the end: the grader let it go, or is gone
                    os.close(gate)
                self._become_program(request, received, env, passed, compiled, executable)
            except Become:
                raise
            except BaseException as exc:  # never back into the init's loop
                try:
                    os.write(2, f"grader pod: cannot start the program: {exc}\n".encode())
                finally:
                    os._exit(127)
        for fd in fds:
            os.close(fd)
        self.children[pid] = request["id"]
        self.reply({"op": "spawned", "id": request["id"], "pid": pid, "gated": gate is not None})

    def _become_program(self, request, received, env, passed, compiled=None, executable=None):
        os.setsid()
        signal.set_wakeup_fd(-1)
        for sig in (*self.handled, signal.SIGCHLD):
            signal.signal(sig, signal.default_int_handler if sig == signal.SIGINT else signal.SIG_DFL)
        self.selector.close()
        self.control.close()
        os.close(self.wakeup_r)
        os.close(self.wakeup_w)
        null = os.open(os.devnull, os.O_RDWR)
        for number, name in enumerate(("stdin", "stdout", "stderr")):
            os.dup2(received.get(name, null), number)
        keep = sorted({0, 1, 2, *passed})
        # What close_fds does: nothing of ours stays open in the student's program.
        low = 3
        for fd in keep[3:] + [os.sysconf("SC_OPEN_MAX")]:
            os.closerange(low, fd)
            low = fd + 1
        for fd in passed:
            os.set_inheritable(fd, True)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(env)
        if executable is None:
            _show_token(self.token_slot, env.get(TOKEN_VAR, ""))  # an exec shows its own environment
        if self.uid is not None:
            os.setgroups([])
            os.setresgid(self.gid, self.gid, self.gid)
            os.setresuid(self.uid, self.uid, self.uid)
        _drop_root_powers()
        _drop_capabilities()
        _check(_libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0), "dumpable")  # a change of uid cleared it
        if executable is not None:
            os.execve(executable, request["argv"], env)  # its failure: the except in fork_program, exit 127
        raise Become(request["python"]["bootstrap"], request["python"]["argv"], compiled)

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
    spec = json.loads(sys.argv[2])
    bring_up_loopback()
    if spec.get("view"):
        build_root(spec["view"], spec["new_root"])
    os.chdir(spec["chdir"])
    # Our /proc/1 files (environ, cmdline, fds) stay closed to the students'
    # programs even where they run as our uid; no exec of theirs gains privileges.
    _libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    try:
        Init(control, spec.get("uid"), spec.get("gid")).run()
        return
    except Become as raised:
        become = raised.with_traceback(None)
    # Only in a forked child, now a student's program, outside the except
    # block (its exceptions must not chain to ours).  When it ends, this
    # interpreter ends as Python ends a script: non-daemon threads awaited,
    # atexit handlers run, SystemExit's code as the exit code.
    run_forked(become)


if __name__ == "__main__":
    main()
