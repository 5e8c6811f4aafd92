"""Read TCP socket queues from /proc: how much a server has not read yet.

The fallback of the pacing: normally the shim reports every recv() the
student's code makes.  A program that reads its socket some other way
(``os.read`` on the descriptor) is still seen here: the kernel shows, for
every TCP socket of a network namespace, how many bytes wait in its receive
queue (``rx_queue``).  Reading it costs milliseconds, so it is asked only once
a wait for the shim's report is over.
"""

import functools
import os
import struct
import time
from dataclasses import dataclass


def read_proc(path):
    """The whole text of a small /proc file (a thread's stat, syscall, schedstat...); OSError if it is gone.

    One read of the descriptor, not Python's open(): the waits read these
    files thousands of times a grading, and open() adds a stat, a terminal
    check and a seek to each, and a text layer.  Latin-1, as a command name
    in ``stat`` may hold any bytes.  These files are far shorter than the
    one read asks for, and the kernel gives such a file whole in one read.
    """
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        return os.read(fd, 65536).decode("latin-1")
    finally:
        os.close(fd)


@dataclass(frozen=True)
class Conn:
    local_port: int
    remote_port: int
    state: int
    tx_queue: int
    rx_queue: int


# A TCP table (/proc/<pid>/net/tcp) is made by walking the kernel's whole table of connections,
# every bucket of it, the host's and every namespace's (262144 buckets on a 24 GiB machine: about
# 0.8 ms).  Each read() walks it again, the one that finds the end included.  The kernel gives
# at most a page of lines per read; a shorter answer ends the table (another line would have
# fitted), so a pod's few connections cost one walk instead of two.
_PAGE = os.sysconf("SC_PAGE_SIZE")
_LONGEST_LINE = 512  # an IPv6 line is about 180 bytes, an IPv4 one 150


def _table_text(path):
    """The text of a TCP table, read with as few walks of the kernel's table as its length allows."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        chunks = []
        while True:
            chunks.append(os.read(fd, _PAGE))
            if len(chunks[-1]) < _PAGE - _LONGEST_LINE:
                return b"".join(chunks).decode("latin-1")
    finally:
        os.close(fd)


def _uses_ipv6(pid):
    """Whether the network of ``pid`` has an IPv6 TCP socket: its count, read without walking any table.

    A socket in TIME_WAIT is not counted; alone it has nothing queued.
    """
    try:
        for line in read_proc(f"/proc/{pid}/net/sockstat6").splitlines():
            if line.startswith("TCP6:"):
                return line.split()[2] != "0"
    except (OSError, IndexError):
        return False  # no IPv6 in this kernel: no table of it either
    return True


def _rows(pid):
    """The split lines of every TCP table in use in the network of ``pid``, IPv4 then IPv6."""
    tables = ("tcp", "tcp6") if _uses_ipv6(pid) else ("tcp",)
    rows = []
    for table in tables:
        try:
            text = _table_text(f"/proc/{pid}/net/{table}")
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        rows.extend(parts for parts in (line.split() for line in text.splitlines()[1:]) if len(parts) >= 5)
    return rows


def _conn(parts):
    local, remote, state, queues = parts[1], parts[2], parts[3], parts[4]
    tx, rx = queues.split(":")
    return Conn(int(local.rsplit(":", 1)[1], 16), int(remote.rsplit(":", 1)[1], 16),
                int(state, 16), int(tx, 16), int(rx, 16))


def connections(pid):
    """Every TCP socket in the network namespace of process ``pid`` (IPv4 and IPv6)."""
    return [_conn(parts) for parts in _rows(pid)]


def accept_queue_full(pid, port):
    """Whether the listening socket of ``port`` refuses more handshakes: its accept queue is full.

    For a listening socket /proc/net/tcp shows the connections waiting to
    be accepted (rx) and the listen() backlog (tx); past the backlog the
    kernel drops each new SYN, so a connect() waits until no one takes
    from the queue any more.  False if no such socket (or it is unknown).
    """
    return any(c.state == _LISTEN and c.local_port == port and c.rx_queue > c.tx_queue for c in connections(pid))


def unread_bytes(pid, server_port, client_port):
    """Bytes the server has received from ``client_port`` but not read yet; None if unknown."""
    for conn in connections(pid):
        if conn.local_port == server_port and conn.remote_port == client_port:
            return conn.rx_queue
    return None


def in_flight(pid, port, delivered=()):
    """Bytes on their way over the TCP connections of ``port``, in the network namespace of process ``pid``.

    Sent by one end (in its send queue, unacknowledged) while the other
    end's receive queue is empty: no thread of either end need run for them
    to arrive (the kernel delivers them, on a loaded machine a little later:
    loopback hands packets to a softirq thread that waits for a core like
    any other), so a wait that sees both programs blocked must not take
    them for absent.  Bytes a receiver leaves unread (a client that stops
    reading, a server that reads no more of what it is sent) are not on their way:
    the receiver's queue holds some.  Listening sockets are left out.

    A send queue also holds bytes that did arrive but are not acknowledged
    yet: a receiver that sends nothing back delays its ACK up to 40 ms (a
    FIN's too, in a server that does not close).  Those are left out where
    arrival is known: when the receiver has taken the sender's FIN (its
    state says so), every byte before it arrived too (TCP delivers in
    order); and the ends in ``delivered`` ((local port, remote port) of
    senders whose every byte the receiving program has read, by its own
    count) have nothing on the way.
    """
    conns = [c for c in connections(pid) if port in (c.local_port, c.remote_port) and c.state != _LISTEN]
    ends = {(c.local_port, c.remote_port): c for c in conns}
    total = 0
    for conn in conns:
        peer = ends.get((conn.remote_port, conn.local_port))
        if not conn.tx_queue or (peer is not None and peer.rx_queue):
            continue
        if peer is not None and peer.state in _FIN_RECEIVED:
            continue
        if (conn.local_port, conn.remote_port) in delivered:
            # Its bytes were read, but a FIN the receiver has not taken (its state would say so)
            # is no byte a program reads: a close on its way (a loaded machine's softirq, not
            # yet run) must not pass for none, or a server still blocked in recv() looks idle.
            if conn.state in _FIN_SENT and peer is not None:
                total += 1
            continue
        total += conn.tx_queue
    return total


_LISTEN = 0x0A  # TCP_LISTEN in /proc/net/tcp's "st" column
# The states of an end that has received its peer's FIN: CLOSE_WAIT, LAST_ACK, CLOSING, TIME_WAIT.
_FIN_RECEIVED = frozenset({0x08, 0x09, 0x0B, 0x06})
# The states of an end that has sent its FIN, not yet acknowledged: FIN_WAIT1, CLOSING, LAST_ACK.
_FIN_SENT = frozenset({0x04, 0x0B, 0x09})


# ------------------------------------------------------------ thread waits
# What a blocked thread waits for, read from /proc/<pid>/task/<tid>/syscall:
# the system call it sleeps in and its arguments.  A wait with no timeout of
# its own (recv() on a socket, accept(), input(), a lock without timeout)
# ends only when something from outside arrives; a sleep or a wait with a
# timeout ends by itself.  Numbers per architecture (Linux's syscall tables);
# for each: the index of the argument that holds the timeout and how to read it
# ("none": never times out; "ptr": NULL pointer = no timeout; "int": negative
# = no timeout; "timed": always times out).
_WAITS = {
    "x86_64": {0: None, 19: None, 45: None, 47: None, 43: None, 288: None, 61: None, 247: None, 34: None,
               130: None, 7: (3, "int"), 271: (3, "ptr"), 23: (5, "ptr"), 270: (5, "ptr"), 232: (4, "int"),
               281: (4, "int"), 441: (4, "ptr"), 202: (4, "ptr"), 35: "timed", 230: "timed", 128: "timed"},
    "aarch64": {63: None, 65: None, 207: None, 212: None, 202: None, 242: None, 260: None, 95: None,
                133: None, 73: (3, "ptr"), 72: (5, "ptr"), 22: (4, "int"), 441: (4, "ptr"), 98: (4, "ptr"),
                101: "timed", 115: "timed", 137: "timed"},
}
# rt_sigtimedwait (x86_64 128, aarch64 137) is "timed" above: the shim's time.sleep() waits in
# it, for the grader's poke or its deadline (see bootstrap's _install_warp).
_FUTEX_WAITS = {0, 9}  # FUTEX_WAIT, FUTEX_WAIT_BITSET: the only futex operations that wait


def thread_wait(pid, tid, machine):
    """How thread ``tid`` of ``pid`` waits: "running", "forever" (nothing of its own will wake it),
    "sleeping" (in time.sleep()), "timed" (select(), poll(), accept() or recv() with a timeout: a
    poll loop), "timed_lock" (a futex with a timeout), or "unknown".

    A futex with a timeout is kept apart because that is also how a Python thread waits for the
    GIL (5 ms at a time): thirty threads relaying at once are seen in it more often than running,
    and must not pass for poll loops that woke with nothing to do.  A lock or an Event waited for
    with a timeout (``queue.get(timeout=...)``) looks the same, and is judged as busy too.
    """
    try:
        state = read_proc(f"/proc/{pid}/task/{tid}/stat").rsplit(")", 1)[1].split()[0]
        if state in ("R", "D"):  # running, or in the kernel on its way (disk, page fault)
            return "running"
        if state in ("Z", "X"):  # ending: its exit is about to be seen
            return "running"
        if state in ("T", "t"):  # stopped: nothing of its own will happen
            return "forever"
        fields = read_proc(f"/proc/{pid}/task/{tid}/syscall").split()
    except (OSError, IndexError, ValueError):
        return "unknown"
    if not fields or fields[0] in ("running", "-1"):
        return "running" if fields and fields[0] == "running" else "unknown"
    table = _WAITS.get(machine)
    number = int(fields[0])
    if table is None or number not in table:
        return "unknown"
    rule = table[number]
    if rule is None:
        return "forever"
    if rule == "timed":
        return "sleeping"  # time.sleep(): it wakes by itself, to do what it slept for
    index, kind = rule
    args = [int(value, 16) for value in fields[1:7]]
    futex = number == (202 if machine == "x86_64" else 98)
    if futex and (args[1] & 0x7F) not in _FUTEX_WAITS:
        return "unknown"
    value = args[index - 1]
    if kind == "ptr":
        return "forever" if value == 0 else ("timed_lock" if futex else "timed")
    return "forever" if value >= 2 ** 31 else "timed"  # a negative int: no timeout


_READS = {"x86_64": 0, "aarch64": 63}  # read(2)


def reading(tid, fd, machine):
    """True while thread ``tid`` of this process sleeps in read() on ``fd``: it holds no bytes of it.

    False when it runs, or waits for something else (the GIL, after its
    read() returned with bytes it has not handed on yet), or cannot be seen.
    """
    try:
        if read_proc(f"/proc/self/task/{tid}/stat").rsplit(")", 1)[1].split()[0] != "S":
            return False
        fields = read_proc(f"/proc/self/task/{tid}/syscall").split()
        return int(fields[0]) == _READS.get(machine) and int(fields[1], 16) == fd
    except (OSError, IndexError, ValueError):
        return False


# Sleeps: (nanosleep, clock_nanosleep) per architecture.  Python 3.11's time.sleep() sleeps in
# clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline): the deadline is in the sleeper's memory.
_SLEEPS = {"x86_64": (35, 230), "aarch64": (101, 115)}
_TIMER_ABSTIME = 1
_CLOCKS = {0: time.CLOCK_REALTIME, 1: time.CLOCK_MONOTONIC}


def sleep_left(pid, tid, machine):
    """Seconds until thread ``tid`` of ``pid`` wakes from its sleep; None when that cannot be known.

    Known for a sleep until a deadline (time.sleep() of Python 3.11 and
    later): read from the sleeper's memory, which the grader (root, or the
    user who started it) may read.  A relative sleep (nanosleep) gives only
    its whole length, which says nothing of what is left: None.
    """
    sleeps = _SLEEPS.get(machine)
    try:
        fields = read_proc(f"/proc/{pid}/task/{tid}/syscall").split()
        if sleeps is None or not fields or fields[0] in ("running", "-1") or int(fields[0]) != sleeps[1]:
            return None
        clock, flags, request = (int(value, 16) for value in fields[1:4])
        if not flags & _TIMER_ABSTIME or clock not in _CLOCKS or not request:
            return None
        with open(f"/proc/{pid}/mem", "rb", buffering=0) as memory:
            memory.seek(request)
            raw = memory.read(16)
    except (OSError, IndexError, ValueError, OverflowError):
        return None
    if len(raw) != 16:
        return None
    seconds, nanoseconds = struct.unpack("=qq", raw)
    if not 0 <= nanoseconds < 1_000_000_000:
        return None
    return seconds + nanoseconds / 1e9 - time.clock_gettime(_CLOCKS[clock])


_SIGTIMEDWAIT = {"x86_64": 128, "aarch64": 137}
# The waits of the shim's select.select(), poll() and epoll() with a timeout (select, poll,
# pselect6, ppoll, epoll_wait, epoll_pwait, epoll_pwait2), which watch the thread's pipe too.
_POLLS = {"x86_64": {23, 7, 270, 271, 232, 281, 441}, "aarch64": {72, 73, 22, 441}}
_SHIM_WAITS = {machine: _POLLS[machine] | {number} for machine, number in _SIGTIMEDWAIT.items()}


def shim_sleep_left(pid, tid, machine, slot, lead):
    """Seconds until thread ``tid`` of ``pid`` wakes from the shim's sleep; None if it is not in one.

    ``slot`` and ``lead`` are the addresses the shim announced (its
    ``sleeper`` event): the sleep's deadline on the program's clock (0
    while awake) and how far that clock runs ahead of the real one.
    """
    try:
        fields = read_proc(f"/proc/{pid}/task/{tid}/syscall").split()
        if not fields or fields[0] in ("running", "-1") or int(fields[0]) not in _SHIM_WAITS.get(machine, ()):
            return None
        deadline, ahead = read_doubles(pid, slot, 1)[0], read_doubles(pid, lead, 1)[0]
    except (OSError, IndexError, ValueError, struct.error):
        return None
    if deadline <= 0:
        return None  # woken, or not yet asleep: its state is about to change
    return deadline - ahead - time.monotonic()


def shim_wait_kind(pid, tid, machine):
    """"sleep" while thread ``tid`` of ``pid`` waits in the shim's sleep (a signal ends it), "poll" in a
    wait with a timeout (its pipe ends it), else None."""
    try:
        fields = read_proc(f"/proc/{pid}/task/{tid}/syscall").split()
        number = int(fields[0])
    except (OSError, IndexError, ValueError):
        return None
    if number == _SIGTIMEDWAIT.get(machine):
        return "sleep"
    return "poll" if number in _POLLS.get(machine, ()) else None


def write_to_pipe(pid, fd):
    """Write one byte into the pipe whose end ``pid`` holds as ``fd``; False if it is no pipe, or cannot be opened."""
    try:
        if not os.readlink(f"/proc/{pid}/fd/{int(fd)}").startswith("pipe:"):
            return False  # not the shim's any more (a program that closed its descriptors): never write there
        pipe = os.open(f"/proc/{pid}/fd/{int(fd)}", os.O_WRONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except (OSError, ValueError, OverflowError):
        return False
    try:
        os.write(pipe, b"\0")
    except BlockingIOError:
        pass  # full of earlier bytes: readable all the same
    except OSError:
        return False
    finally:
        os.close(pipe)
    return True


def shim_sleeps_ended(pid, slot):
    """How many of the shim's sleeps the thread of ``slot`` has ended (see ``shim_sleep_left``); None if unknown."""
    try:
        return int(read_doubles(pid, slot + 8, 1)[0])
    except (OSError, ValueError, OverflowError, struct.error):
        return None


def read_doubles(pid, address, count):
    """``count`` doubles at ``address`` in the memory of ``pid`` (OSError if it cannot be read)."""
    with open(f"/proc/{pid}/mem", "rb", buffering=0) as memory:
        memory.seek(address)
        raw = memory.read(8 * count)
    return struct.unpack(f"={count}d", raw)


_TGKILL = {"x86_64": 234, "aarch64": 131}


def signal_thread(pid, tid, signal_number, machine):
    """Send ``signal_number`` to thread ``tid`` of process ``pid`` alone (tgkill); False if it could not."""
    number = _TGKILL.get(machine)
    if number is None:
        return False
    return _libc().syscall(number, int(pid), int(tid), int(signal_number)) == 0


@functools.lru_cache(maxsize=1)
def _libc():
    import ctypes  # Python has no tgkill of its own (os.kill signals a process, any of its threads)

    return ctypes.CDLL(None, use_errno=True)


_WRITES = {"x86_64": {1, 20}, "aarch64": {64, 66}}  # write(), writev()


_SENDS = {"x86_64": {1, 20, 44, 46}, "aarch64": {64, 66, 206, 211}}  # write, writev, sendto, sendmsg


def blocked_send_peer(pid, tid, machine):
    """The remote port of the TCP connection thread ``tid`` of ``pid`` is blocked sending on, else None.

    A thread stuck in ``sendall()`` to a member who does not read waits for
    that member alone: the slow-reader check, which keeps that member from
    reading, knows such a thread will not move before the check ends.
    """
    try:
        if read_proc(f"/proc/{pid}/task/{tid}/stat").rsplit(")", 1)[1].split()[0] != "S":
            return None
        fields = read_proc(f"/proc/{pid}/task/{tid}/syscall").split()
        if not fields or fields[0] in ("running", "-1") or int(fields[0]) not in _SENDS.get(machine, ()):
            return None
        link = os.readlink(f"/proc/{pid}/fd/{int(fields[1], 16)}")
    except (OSError, IndexError, ValueError):
        return None
    if not link.startswith("socket:["):
        return None
    inode = link[len("socket:["):-1]
    for parts in _rows(pid):
        if len(parts) > 9 and parts[9] == inode:
            return int(parts[2].rsplit(":", 1)[1], 16)
    return None


def thread_busy(pid, tid, machine):
    """Whether thread ``tid`` is busy now: running, runnable, or blocked writing to its stdout or stderr.

    A thread blocked on a full stdout pipe waits only for the grader to take
    its output, which on a loaded machine it does later: counted as waiting
    for the grader, a printing loop is busy at every sample at any load,
    as a busy loop is.  Any other wait is not busy.
    """
    try:
        state = read_proc(f"/proc/{pid}/task/{tid}/stat").rsplit(")", 1)[1].split()[0]
        if state in ("R", "D"):
            return True
        if state != "S":
            return False
        fields = read_proc(f"/proc/{pid}/task/{tid}/syscall").split()
        return (fields[0] == "running" or (int(fields[0]) in _WRITES.get(machine, ())
                                           and int(fields[1], 16) in (1, 2)))
    except (OSError, IndexError, ValueError):
        return False


def innermost_id(pid, tid):
    """The thread's id in its own (innermost) pid namespace, as the program itself sees it; None if gone."""
    try:
        with open(f"/proc/{pid}/task/{tid}/status") as status:
            for line in status:
                if line.startswith("NSpid:"):
                    return int(line.split()[-1])
    except (OSError, ValueError, IndexError):
        return None
    return int(tid)  # a kernel without NSpid: no pid namespaces either


def thread_ran(pid, tid):
    """Nanoseconds thread ``tid`` of ``pid`` has run so far (0 if it is gone)."""
    try:
        return int(read_proc(f"/proc/{pid}/task/{tid}/schedstat").split()[0])
    except (OSError, ValueError, IndexError):
        return 0


def thread_wakes(pid, tid):
    """How many times thread ``tid`` of ``pid`` has been put on a core so far (0 if it is gone).

    Each wake from a sleep or a wait puts a thread on a core at least once
    (schedstat's third field counts that): two more mean it woke twice.
    """
    try:
        return int(read_proc(f"/proc/{pid}/task/{tid}/schedstat").split()[2])
    except (OSError, ValueError, IndexError):
        return 0
