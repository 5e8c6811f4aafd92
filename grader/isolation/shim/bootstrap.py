"""Runs inside the student's Python process, before the student's script.

The grader starts every student program as

    python -I -S -u -X utf8 -B bootstrap.py SCRIPT [ARGS...]

with its configuration in the environment variable GRADER_SHIM
("key=value;..." pairs).
This file must stay standard-library only and import nothing from the
grader: it runs in the student's process, where only the script's folder
is on sys.path.

What it does, and why:

* TCP ``bind`` goes to the loopback address and port the grader chose
  (port 0: the kernel picks a free one, so parallel gradings never clash),
  whatever the student hard-coded (``('localhost', 9090)``,
  ``gethostbyname(gethostname())``...).  TCP ``connect`` goes to the port
  the grader says the server listens on.
* ``listen`` reports the real address on the event channel: that is how the
  grader knows the server is ready, without a connect-and-close probe that
  kills fragile servers.
* UDP (a server of datagrams, which labs may allow) is redirected the
  same way: a server's ``bind`` of a datagram socket goes to the grader's
  port and is its readiness (a "listen" event of kind "udp": a bound
  datagram socket is all a UDP server has); a client's ``bind`` goes to a
  free loopback port, its ``sendto``/``connect`` to the server.
* Thread starts, exceptions in threads and a crash of the script itself are
  reported with the student's ``file:line``, for precise diagnoses.
* SIGUSR1 dumps every thread's stack to a second channel, so the grader can
  say where a stuck server is stuck.

Events are lines (a Python dict literal each) written to the inherited pipe ``fd``.  They explain a
verdict; they never decide one (robots on real sockets do).
"""

import errno
import faulthandler
import os
import signal
import socket
import sys
import threading
import weakref


def _read_config(text):
    # "key=value;key=value" rather than JSON: importing json (and re) would
    # add ~15 ms to every start of a student program, and there are dozens.
    config = {}
    for item in filter(None, text.split(";")):
        key, _sep, value = item.partition("=")
        config[key] = int(value) if value.lstrip("-").isdigit() else value
    return config


_CONFIG = _read_config(os.environ.pop("GRADER_SHIM", ""))
_ROOT = os.path.realpath(_CONFIG.get("root", os.getcwd())) + os.sep
_LOCK = threading.Lock()
_STREAM_TYPES = (socket.SOCK_STREAM,)


_MAIN_PID = os.getpid()
# script path -> (its source, its code): what a pod's init compiled before it forked this program
# (see pod_init.precompiled); used only if the file still holds that source.
PRECOMPILED = {}


def emit(event, **fields):
    """Write one event line; never let the channel break the student's program."""
    fd = _CONFIG.get("fd")
    if fd is None:
        return
    fields["ev"] = event
    if os.getpid() != _MAIN_PID:  # a forked child: its listen is not the server's
        fields["child"] = os.getpid()
    # repr() of a dict of str/int/None/list: the grader reads it back with
    # ast.literal_eval (never eval).  ascii() keeps it on one line.
    line = (ascii(fields) + "\n").encode()
    with _LOCK:
        try:
            while line:
                line = line[os.write(fd, line):]
        except OSError:
            pass


def _student_frame(frames):
    """The innermost frame that belongs to the student's files, as file:line."""
    for filename, lineno in reversed(frames):
        if os.path.realpath(filename).startswith(_ROOT):
            return "%s:%d" % (os.path.relpath(filename, _ROOT), lineno)
    return None


def _caller():
    frame = sys._getframe(2)
    frames = []
    while frame is not None:
        frames.append((frame.f_code.co_filename, frame.f_lineno))
        frame = frame.f_back
    frames.reverse()
    return _student_frame(frames)


def _tb_frames(tb):
    frames = []
    while tb is not None:
        frames.append((tb.tb_frame.f_code.co_filename, tb.tb_lineno))
        tb = tb.tb_next
    return frames


_SHIM_FILE = os.path.realpath(sys._getframe().f_code.co_filename)


def _format(exc_type, exc, tb):
    """The traceback as Python prints it, without the shim's frames (its time.sleep() is the shim's)."""
    import traceback  # only when something broke: it is slow to import

    whole = traceback.TracebackException(exc_type, exc, tb)
    report, seen = whole, set()
    while report is not None and id(report) not in seen:  # the chain too: causes and contexts
        seen.add(id(report))
        report.stack = traceback.StackSummary.from_list(
            [frame for frame in report.stack if os.path.realpath(frame.filename) != _SHIM_FILE])
        report = report.__cause__ or report.__context__
    return "".join(whole.format())


def _is_tcp(sock):
    return sock.family in (socket.AF_INET, socket.AF_INET6) and (sock.type & socket.SOCK_STREAM) == socket.SOCK_STREAM


def _is_udp(sock):
    return sock.family in (socket.AF_INET, socket.AF_INET6) and sock.type == socket.SOCK_DGRAM


def _loopback(sock):
    return "::1" if sock.family == socket.AF_INET6 else _CONFIG.get("host", "127.0.0.1")


_socket_base = socket.socket.__mro__[1]  # the C type whose methods we wrap
_orig_bind = socket.socket.bind
_orig_listen = socket.socket.listen
_orig_connect = socket.socket.connect
_orig_accept = socket.socket.accept
_orig_connect_ex = socket.socket.connect_ex
_orig_gethostbyname = socket.gethostbyname
_orig_getsockopt = socket.socket.getsockopt


def _bind(self, address):
    if _is_tcp(self) and "bind_port" in _CONFIG:
        actual = (_loopback(self), _CONFIG["bind_port"])
        emit("bind", requested=repr(address), actual=list(actual), where=_caller())
        address = actual
    elif _is_udp(self) and "bind_port" in _CONFIG:
        return _bind_datagram_server(self, address)
    elif _is_udp(self) and _CONFIG.get("role") == "client":
        # Any free port: two clients of one check must not clash on a
        # hard-coded one (the server learns each address from recvfrom()).
        address = (_loopback(self), 0)
    return _orig_bind(self, address)


def _bind_datagram_server(sock, address):
    actual = (_loopback(sock), _CONFIG["bind_port"])
    where = _caller()
    emit("bind", requested=repr(address), actual=list(actual), where=where)
    result = _orig_bind(sock, actual)
    # A bound datagram socket is a UDP server's readiness: it receives from now on.
    host, port = sock.getsockname()[:2]
    emit("listen", host=host, port=port, where=where, kind="udp")
    return result


def _listen(self, *args):
    result = _orig_listen(self, *args)
    if _is_tcp(self):
        host, port = self.getsockname()[:2]
        emit("listen", host=host, port=port, where=_caller())
    return result


_redirected = weakref.WeakSet()  # datagram sockets whose redirection was reported (not each sendto)


def _redirect(self, address):
    if (_is_tcp(self) or _is_udp(self)) and _CONFIG.get("connect_port"):
        actual = (_loopback(self), _CONFIG["connect_port"])
        if not (_is_udp(self) and self in _redirected):
            if _is_udp(self):
                _redirected.add(self)
            emit("connect", requested=repr(address), actual=list(actual), where=_caller())
        return actual
    return address


def _no_delay(sock):
    # Nagle's algorithm holds a second small send() until the first is
    # acknowledged, and loopback acknowledges late (40 ms): the server looks
    # idle while its notice still waits in the kernel.  TCP promises no
    # message boundaries either way; this only removes the stall.
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except (OSError, AttributeError):
        pass


def _accept(self):
    conn, address = _orig_accept(self)
    if _is_tcp(conn):
        _no_delay(conn)
    return conn, address


# Non-blocking sockets whose connect() is under way (asyncio.open_connection, a
# selectors client): "connected" is reported once the connection is seen to be up.
_connecting = weakref.WeakSet()


def _report_connected(sock, where):
    _no_delay(sock)
    try:
        emit("connected", local=sock.getsockname()[1], where=where)
    except OSError:
        pass


def _settled(sock):
    # The first sign that a pending connect() succeeded: SO_ERROR read as 0
    # (what asyncio does), or data moving either way.
    if sock in _connecting:
        _connecting.discard(sock)
        _report_connected(sock, None)


def _connect(self, address):
    try:
        result = _orig_connect(self, _redirect(self, address))
    except (BlockingIOError, InterruptedError):
        if _is_tcp(self):
            _connecting.add(self)
        raise
    if _is_tcp(self):
        _report_connected(self, _caller())
    return result


def _connect_ex(self, address):
    code = _orig_connect_ex(self, _redirect(self, address))
    if _is_tcp(self):
        if code == 0:
            _report_connected(self, _caller())
        elif code in (errno.EINPROGRESS, errno.EAGAIN, errno.EALREADY, errno.EINTR):
            _connecting.add(self)
    return code


def _getsockopt(self, *args):
    value = _orig_getsockopt(self, *args)
    if args[:2] == (socket.SOL_SOCKET, socket.SO_ERROR) and value == 0:
        _settled(self)
    return value


def _gethostbyname(name):
    # gethostbyname(gethostname()) fails on machines whose hostname does not
    # resolve; the address is rewritten anyway, so loopback is a safe answer.
    try:
        return _orig_gethostbyname(name)
    except OSError:
        return "127.0.0.1"


# Reads of a connection that ended (b'', zero bytes), in a row, by one thread, with nothing read between:
# only a loop calls recv() again after b''; a correct one stops at the first.  A count, not a clock: at
# any load a loop on a closed connection reaches it, and no correct program ever does.
EOF_LOOP = 64


def _asked_nothing(args, kwargs):
    # recv(0), or recv_into() of an empty buffer: zero bytes by request, not the connection's end.
    first = args[0] if args else kwargs.get("bufsize", kwargs.get("buffer", 1))
    if isinstance(first, int):
        return first == 0
    nbytes = args[1] if len(args) > 1 else kwargs.get("nbytes", 0)
    try:
        return (nbytes or len(first)) == 0
    except TypeError:
        return False


def _counting(method):
    # Reports how many bytes the student's code has read from each peer, so
    # the grader knows a robot's line was consumed before it sends the next
    # one (a recv(1024) server must not see two lines merged).
    def wrapper(self, *args, **kwargs):
        result = method(self, *args, **kwargs)
        first = result[0] if isinstance(result, tuple) else result
        count = first if isinstance(first, int) else len(first)
        if not count:
            if _is_tcp(self) and not _asked_nothing(args, kwargs):
                thread = threading.current_thread()
                thread._grader_eofs = getattr(thread, "_grader_eofs", 0) + 1
                if thread._grader_eofs == EOF_LOOP:  # said once per streak: the grader's settles use it
                    emit("eof_loop", tid=threading.get_native_id(), where=_caller())
            return result
        thread = threading.current_thread()
        if getattr(thread, "_grader_eofs", 0) >= EOF_LOOP:  # it read something after all: no loop now
            emit("eof_loop_end", tid=threading.get_native_id())
        thread._grader_eofs = 0
        if _is_udp(self):
            peer = _datagram_peer(self, result)
            if peer is not None:
                emit("recv", peer=peer, n=count)
        elif _is_tcp(self):
            _settled(self)
            try:
                peer = self.getpeername()[1]
            except OSError:
                return result
            # Remember whom this thread serves: an exception in it can then
            # be reported as "the thread serving Alice".
            threading.current_thread()._grader_peer = peer
            emit("recv", peer=peer, n=count)
        return result

    wrapper.__name__ = method.__name__
    return wrapper


def _datagram_peer(sock, result):
    # recvfrom() says who sent the datagram; recv() on a connected datagram socket, its one peer.
    if isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], tuple) and len(result[1]) >= 2:
        return result[1][1]
    try:
        return sock.getpeername()[1]
    except OSError:
        return None


for _name in ("recv", "recv_into", "recvfrom", "recvfrom_into"):
    setattr(socket.socket, _name, _counting(getattr(_socket_base, _name)))


def _reporting(method):
    # A client's sends, as text: the grader can then say "your client sends
    # 'Dora' without a newline" instead of only "nothing arrived".
    def wrapper(self, data, *args, **kwargs):
        result = method(self, data, *args, **kwargs)
        if _is_tcp(self) or _is_udp(self):
            if _is_udp(self):
                _datagram_sent(self)
            else:
                _settled(self)
            try:
                emit("send", text=bytes(data[:200]).decode("utf-8", "replace"), n=len(data))
            except (TypeError, ValueError):
                pass
        return result

    wrapper.__name__ = method.__name__
    return wrapper


# A client's datagram sockets that have sent something: the first datagram is
# its "connection" (client.starts), reported once per socket.
_datagram_senders = weakref.WeakSet()


def _datagram_sent(sock):
    if sock not in _datagram_senders:
        _datagram_senders.add(sock)
        try:
            emit("connected", local=sock.getsockname()[1], where=None, kind="udp")
        except OSError:
            pass


_orig_sendto = _socket_base.sendto


def _sendto(self, data, *args):
    # sendto(data, address) or sendto(data, flags, address): the address is last.
    if args and _is_udp(self) and _CONFIG.get("connect_port"):
        args = args[:-1] + (_redirect(self, args[-1]),)
    return _orig_sendto(self, data, *args)


_sendto.__name__ = "sendto"

if _CONFIG.get("role") == "client":
    for _name in ("send", "sendall"):
        setattr(socket.socket, _name, _reporting(getattr(_socket_base, _name)))
    socket.socket.sendto = _reporting(_sendto)

socket.socket.bind = _bind
socket.socket.listen = _listen
socket.socket.connect = _connect
socket.socket.accept = _accept
socket.socket.connect_ex = _connect_ex
socket.socket.getsockopt = _getsockopt
socket.gethostbyname = _gethostbyname

_orig_start = threading.Thread.start


def _start(self):
    target = getattr(self, "_target", None)
    name = getattr(target, "__qualname__", None) or type(self).__qualname__
    emit("thread", target=name, daemon=self.daemon, where=_caller())
    return _orig_start(self)


threading.Thread.start = _start
_orig_excepthook = threading.excepthook


def _thread_excepthook(args):
    if args.exc_type is not SystemExit:
        # The first error of a chain is the cause: a BrokenPipeError while
        # broadcasting, then another one in the except block that reports it.
        origin = args.exc_value
        while origin is not None and origin.__context__ is not None:
            origin = origin.__context__
        emit(
            "thread_exception",
            origin_type=type(origin).__name__ if origin is not None else None,
            origin_where=_student_frame(_tb_frames(origin.__traceback__)) if origin is not None else None,
            thread=getattr(args.thread, "name", "?"),
            peer=getattr(args.thread, "_grader_peer", None),
            type=args.exc_type.__name__,
            message=str(args.exc_value),
            where=_student_frame(_tb_frames(args.exc_traceback)),
            traceback=_format(args.exc_type, args.exc_value, args.exc_traceback),
        )
        if sys.stderr is not None:
            # What threading's own hook prints, without the shim's frames.
            name = getattr(args.thread, "name", None) or threading.get_ident()
            try:
                sys.stderr.write(f"Exception in thread {name}:\n"
                                 + _format(args.exc_type, args.exc_value, args.exc_traceback))
                sys.stderr.flush()
            except Exception:  # noqa: BLE001  (as threading's hook: a broken stderr loses the report)
                pass
            return
    _orig_excepthook(args)


threading.excepthook = _thread_excepthook

if isinstance(_CONFIG.get("stack_fd"), int):
    faulthandler.register(signal.SIGUSR1, file=_CONFIG["stack_fd"], all_threads=True)


class _Keyboard:
    """sys.stdin, reporting each time the program waits for a typed line."""

    def __init__(self, stream):
        self._stream = stream

    def readline(self, *args):
        emit("input")
        return self._stream.readline(*args)

    def __iter__(self):
        return self

    def __next__(self):
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    def __getattr__(self, name):
        return getattr(self._stream, name)


def _watch_keyboard():
    # The grader types into a client's stdin only when the client asks, as
    # a person would.  input() on a pipe prints its prompt, then calls
    # sys.stdin.readline(): wrapping sys.stdin catches both.
    if sys.stdin is not None:
        sys.stdin = _Keyboard(sys.stdin)


if _CONFIG.get("role") == "client":
    _watch_keyboard()


def _apply_limits(limits):
    # Set here, before the student's code runs, rather than with preexec_fn
    # (unsafe in the grader's threaded process).  Soft and hard limits are
    # both lowered, so the student's code cannot raise them again.
    try:
        import resource
    except ImportError:  # not on Windows
        return
    table = {
        "cpu_seconds": (resource.RLIMIT_CPU, 1, 5),
        "memory_mb": (resource.RLIMIT_DATA, 1 << 20, 0),
        "file_size_mb": (resource.RLIMIT_FSIZE, 1 << 20, 0),
        "open_files": (resource.RLIMIT_NOFILE, 1, 0),
        "processes": (resource.RLIMIT_NPROC, 1, 0),
    }
    for key, value in limits.items():
        if key not in table:
            continue
        which, unit, slack = table[key]
        soft = value * unit
        try:
            old_soft, old_hard = resource.getrlimit(which)
            hard = soft + slack * unit if old_hard == resource.RLIM_INFINITY else min(old_hard, soft + slack * unit)
            resource.setrlimit(which, (min(soft, hard), hard))
        except (ValueError, OSError):
            pass


_apply_limits({key[6:]: value for key, value in _CONFIG.items() if key.startswith("limit.")})


def _terminal_signals():
    # A program started from a terminal has Ctrl-C as KeyboardInterrupt and the default
    # SIGTERM, SIGQUIT and SIGHUP.  A signal ignored where the grader was started (a job
    # run with `&` in a script ignores SIGINT and SIGQUIT; nohup ignores SIGHUP) stays ignored
    # across exec: the grader's Ctrl-C would never reach a correct server (server.shutdown).
    for name, default in (("SIGINT", signal.default_int_handler), ("SIGTERM", signal.SIG_DFL),
                          ("SIGQUIT", signal.SIG_DFL), ("SIGHUP", signal.SIG_DFL)):
        number = getattr(signal, name, None)
        if number is not None and signal.getsignal(number) == signal.SIG_IGN:
            signal.signal(number, default)


_terminal_signals()


# ------------------------------------------------------------ sleeps the grader may end early
# A program's time.sleep() is how it waits on its own ("so that the messages do not merge", a
# keep-alive loop, a server that waits a moment before it listens).  When the grader sees every
# other thread of the program blocked for good, nothing in flight, and only sleepers left, the
# world outside the sleeper cannot change before the earliest sleep ends: the grader may end that
# sleep now instead of waiting it out, as if the time had passed (virtual time).  The program's
# clocks then run ahead by what was skipped, so that what it measures agrees with its sleeps.
#
# The sleep waits in sigtimedwait() for _POKE, blocked meanwhile in that thread alone: the
# grader sends it to the thread (tgkill) to end the sleep.  A poke that comes late (the sleep
# ended by itself just before) is still pending when the mask is restored, and _POKE's default
# is to be ignored.  Each thread says once where its sleeps can be read (``sleeper``: the address
# of two doubles, its sleep's deadline on the program's clock (0 when awake) and how many sleeps
# it has ended; and of the program's lead on the real clock), which the grader reads in
# /proc/<pid>/mem, as it reads a C-level sleep's deadline.  The count is what a ticker's wakes
# are counted by: the kernel's count of a thread's wakes also counts its waits for the GIL.
#
# A poll loop's wait with a timeout (select.select(), select.poll(), select.epoll(), and so
# selectors, socketserver's serve_forever and asyncio's event loop) is the same kind of wait when
# nothing it watches is ready: it ends at its deadline.  It cannot wait for a signal too (Python
# retries a select() that a signal interrupted, with the real clock), so each such thread has a
# pipe of its own (a third double of the slot: its write end, 0 if none yet) that the wait also
# watches: the grader writes a byte to it through /proc/<pid>/fd/ to end the wait, which then
# returns what a timeout returns.  The pipe is drained when seen, and never closed (a number
# reused by a student's socket must never be mistaken for it): two descriptors per thread.
_WARP_SHORTEST = 0.005  # shorter sleeps are slept: ending one early costs the grader two samples
_POKE = signal.SIGURG


def _install_warp():
    import array
    import select
    import time

    real_sleep, real_monotonic = time.sleep, time.monotonic
    real_clocks = {name: getattr(time, name) for name in
                   ("monotonic", "monotonic_ns", "time", "time_ns", "perf_counter", "perf_counter_ns")}
    lead = array.array("d", [0.0])  # seconds the program's clocks are ahead of the real ones
    lead_address = lead.buffer_info()[0]
    local = threading.local()

    def slot():
        found = getattr(local, "slot", None)
        if found is None or found[1] != os.getpid():
            # A new thread, or a forked child (its memory is its own; it is never poked).
            found = local.slot = (array.array("d", [0.0, 0.0, 0.0]), os.getpid())
            emit("sleeper", tid=threading.get_native_id(), slot=found[0].buffer_info()[0], lead=lead_address)
        return found[0]

    def waker():
        # This thread's pipe (its read end), or None if none can be had (no descriptor left).
        found = getattr(local, "waker", None)
        if found is not None and found[1] == os.getpid():
            try:  # still ours: a program that closed every descriptor may have reused the number
                if os.fstat(found[0]).st_ino == found[2]:
                    return found[0]
            except OSError:
                pass
        try:
            read, write = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
            local.waker = (read, os.getpid(), os.fstat(read).st_ino)
        except OSError:
            slot()[2] = 0.0
            return None
        slot()[2] = write
        return read

    def drain(fd):
        try:
            while os.read(fd, 64):
                pass
        except OSError:  # empty (EAGAIN): drained
            pass

    def timed(seconds, wait):
        # wait(fd) waits with the pipe's read end ``fd`` watched too; it returns (what to
        # return, whether only the pipe was ready: the grader ended the wait).
        if type(seconds) not in (int, float) or not seconds >= _WARP_SHORTEST:
            return wait(None)[0]
        fd = waker()
        if fd is None:
            return wait(None)[0]
        deadline = slot()
        deadline[0] = real_monotonic() + lead[0] + seconds
        ended = False
        try:
            result, ended = wait(fd)
            return result
        finally:
            if ended:  # the time until our deadline is skipped, for the whole program
                lead[0] = max(lead[0], deadline[0] - real_monotonic())
            deadline[0] = 0.0
            deadline[1] += 1

    real_select, real_poll, real_epoll = select.select, select.poll, select.epoll

    def select_(rlist, wlist, xlist, timeout=None):
        def wait(fd):
            if fd is None:
                return real_select(rlist, wlist, xlist, timeout), False
            readable, writable, special = real_select(list(rlist) + [fd], wlist, xlist, timeout)
            if not any(item is fd for item in readable):
                return (readable, writable, special), False
            drain(fd)
            readable = [item for item in readable if item is not fd]
            return (readable, writable, special), not (readable or writable or special)
        return timed(timeout, wait)

    def polled(poller, fd, call, limit=-1):
        # The events of ``call(now)`` without our pipe's; ``now``: look without waiting.
        if fd is None:
            return call(False), False
        if poller._waker != fd:  # first use in this thread (or process): watch this thread's pipe
            if poller._waker is not None:
                try:
                    poller._inner.unregister(poller._waker)
                except (OSError, KeyError, ValueError):
                    pass
            poller._inner.register(fd, select.POLLIN)
            poller._waker = fd
        found = call(False)
        if not any(event[0] == fd for event in found):
            return found, False
        drain(fd)
        events = [event for event in found if event[0] != fd]
        if not events and 0 < limit <= len(found):  # our pipe took the only room: is anything else ready?
            events = call(True)
        return events, not events

    class Watched:
        # What a poller watches is the real one's (``_inner``); ``_waker``: our pipe, once added.
        def register(self, *args):
            return self._inner.register(*args)

        def modify(self, *args):
            return self._inner.modify(*args)

        def unregister(self, fd):
            return self._inner.unregister(fd)

    class Poll(Watched):
        """select.poll(), whose waits with a timeout the grader may end early (see above)."""

        def __init__(self):
            self._inner, self._waker = real_poll(), None

        def poll(self, timeout=None):
            if type(timeout) not in (int, float) or timeout < 0:
                return self._inner.poll(timeout)
            return timed(timeout / 1000,
                         lambda fd: polled(self, fd, lambda now: self._inner.poll(0 if now else timeout)))

    class Epoll(Watched):
        """select.epoll(), whose waits with a timeout the grader may end early (see above)."""

        def __init__(self, sizehint=-1, flags=0):
            self._inner, self._waker = real_epoll(sizehint, flags), None

        @classmethod
        def fromfd(cls, fd):
            made = cls.__new__(cls)
            made._inner, made._waker = real_epoll.fromfd(fd), None
            return made

        @property
        def closed(self):
            return self._inner.closed

        def close(self):
            return self._inner.close()

        def fileno(self):
            return self._inner.fileno()

        def __enter__(self):
            self._inner.__enter__()
            return self

        def __exit__(self, *exc):
            return self._inner.__exit__(*exc)

        def poll(self, timeout=None, maxevents=-1):
            if type(timeout) not in (int, float) or timeout < 0:
                return self._inner.poll(timeout, maxevents)
            return timed(timeout, lambda fd: polled(
                self, fd, lambda now: self._inner.poll(0 if now else timeout, maxevents), maxevents))

    def sleep(seconds):
        if type(seconds) not in (int, float) or not seconds >= _WARP_SHORTEST:
            return real_sleep(seconds)  # and its errors, as Python gives them
        deadline = slot()
        deadline[0] = real_monotonic() + lead[0] + seconds
        try:
            blocked = signal.pthread_sigmask(signal.SIG_BLOCK, (_POKE,))
            try:
                while True:
                    left = deadline[0] - (real_monotonic() + lead[0])
                    if left <= 0:
                        return None
                    if signal.sigtimedwait((_POKE,), left) is not None:
                        # Poked: the time until our deadline is skipped, for the whole program.
                        lead[0] = max(lead[0], deadline[0] - real_monotonic())
                        return None
            finally:
                if _POKE not in blocked:
                    signal.pthread_sigmask(signal.SIG_UNBLOCK, (_POKE,))
        finally:
            deadline[0] = 0.0
            deadline[1] += 1

    def ahead(real, scale=1.0, whole=False):
        if whole:
            return lambda: real() + int(lead[0] * scale)
        return lambda: real() + lead[0]

    time.sleep = sleep
    select.select, select.poll, select.epoll = select_, Poll, Epoll
    select_.__name__ = select_.__qualname__ = "select"
    select_.__doc__ = real_select.__doc__
    selectors = sys.modules.get("selectors")
    if selectors is not None:  # imported before us: its classes took the real ones at their definition
        selectors.PollSelector._selector_cls = Poll
        selectors.EpollSelector._selector_cls = Epoll
    for name, real in real_clocks.items():
        clock = ahead(real, 1e9, True) if name.endswith("_ns") else ahead(real)
        clock.__name__ = clock.__qualname__ = name
        clock.__doc__ = real.__doc__
        setattr(time, name, clock)
    sleep.__doc__ = real_sleep.__doc__


if _CONFIG.get("warp") == 1 and hasattr(signal, "sigtimedwait"):
    _install_warp()


def _strip_shim_frames(tb):
    # The student should see their own traceback, not the shim's and runpy's.
    while tb is not None and not os.path.realpath(tb.tb_frame.f_code.co_filename).startswith(_ROOT):
        tb = tb.tb_next
    return tb


def _add_site_packages():
    # The grader starts Python with -S: processing every .pth file of the
    # installation costs ~50 ms a start.  Third-party packages a student
    # imports stay importable; .pth hooks (editable installs...) do not run.
    import site

    for path in site.getsitepackages() + [site.getusersitepackages()]:
        if path not in sys.path:
            sys.path.append(path)


def _run_as_main(script):
    # What `python script.py` does: the script runs as module __main__.
    import types

    with open(script, "rb") as f:
        source = f.read()
    known = PRECOMPILED.get(script)
    code = known[1] if known is not None and known[0] == source else compile(source, script, "exec",
                                                                              dont_inherit=True)
    module = types.ModuleType("__main__")
    module.__file__ = script
    module.__builtins__ = __builtins__
    sys.modules["__main__"] = module
    exec(code, module.__dict__)


def main():
    script = os.path.realpath(sys.argv[1])
    sys.argv = sys.argv[1:]
    sys.path[0] = os.path.dirname(script)
    _add_site_packages()
    try:
        _run_as_main(script)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        sys.stderr.write(_format(*sys.exc_info()))
        sys.exit(130)
    except BaseException as exc:  # report every crash, then die as Python would
        tb = _strip_shim_frames(exc.__traceback__)
        where = _student_frame(_tb_frames(tb))
        text = None
        if isinstance(exc, SyntaxError):
            if exc.filename and os.path.realpath(exc.filename).startswith(_ROOT):
                where = "%s:%s" % (os.path.relpath(exc.filename, _ROOT), exc.lineno)
            text = (exc.text or "").rstrip("\n")
        formatted = _format(type(exc), exc, tb)
        message = exc.msg if isinstance(exc, SyntaxError) else str(exc)
        emit("crash", type=type(exc).__name__, message=message, where=where, text=text, traceback=formatted)
        sys.stderr.write(formatted)
        sys.stderr.flush()
        # Like Python itself: exit code 1, but only after non-daemon threads
        # end (a server whose accept loop died may still serve its clients).
        sys.exit(1)


if __name__ == "__main__":
    main()
