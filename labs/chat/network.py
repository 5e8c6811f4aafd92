"""Members that behave the way real networks make them: for the checks in ``test_network.py``.

``NetworkChat`` is a ``Chat`` whose robots can also send bytes exactly as
given (two lines in one segment; one line in pieces, each piece sent only
once the server has read the one before), a member that stops reading, a
member that floods, and Ctrl-C for the server.  Every wait is on a
condition with a deadline: the server's reads (the shim's recv events), its
exit, its quiescence.
"""

import codecs
import fcntl
import re
import select
import signal
import socket
import struct
import termios
import threading
import time

from grader.drive.connection import received_by_kernel
from grader.drive.quiescence import Stillness
from grader.drive.wait import Deadline, poll_until
from grader.i18n import lazy as _
from grader.isolation.processes import is_running

from .matching import normalize
from .members import Chat


def decoration(line, message):
    """What a server put around ``message`` on ``line``: 'Alice: hi' -> 'Alice: \\0' (digits as 0)."""
    return re.sub(r"\d+", "0", line.replace(message, "\0", 1)).strip()


def framed_line(text, message, expected, names=()):
    """The first line that carries ``message`` decorated as ``expected``, or None.

    ``expected`` is the decoration of an ordinary message (see
    ``decoration``): a server that relays each line as 'Alice: ...' must do
    so for every line, also for two lines that came in one segment.  A bare
    relay (decoration '\\0') passes as long as the bytes arrive intact.
    """
    for line in normalize(text, names).splitlines():
        if message in line and decoration(line, message) == expected:
            return line.strip()
    return None


def flood_lines(total, width=1000):
    """About ``total`` bytes of distinct chat lines, ``width`` bytes each."""
    count = max(1, total // width)
    return b"".join(f"flood line {n:05d} ".ljust(width - 1, "x").encode() + b"\n" for n in range(count))


def send_buffer_limit():
    """The most a TCP socket may buffer for sending on this machine (net.ipv4.tcp_wmem's maximum)."""
    try:
        with open("/proc/sys/net/ipv4/tcp_wmem") as f:
            return int(f.read().split()[2])
    except (OSError, ValueError, IndexError):
        return 4 * 1024 * 1024


class Silent:
    """A member that joins, then never reads again: its receive window fills up."""

    def __init__(self, name, sock, transcript, rcvbuf):
        self.name = name
        self.sock = sock
        self.closed_by_us = False
        # After connect() the window already offered stays, but from now on
        # the kernel keeps only this much for us: once it is full, the
        # server's sends to us stop (after its own send buffer fills).
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.local_port = sock.getsockname()[1]
        self.sent_bytes = 0
        transcript.add(name, "connect")
        data = (name + "\n").encode("utf-8")
        transcript.add(name, "send", name + "\n")
        sock.sendall(data)
        self.sent_bytes = len(data)
        transcript.add("grader", "note", _("{name} never reads again (receive buffer {n} bytes)").format(
            name=name, n=sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)))

    def dispose(self):
        self.closed_by_us = True
        self.sock.close()


class Drain:
    """A member that reads everything it gets and counts it, without recording it (a flood's listener)."""

    def __init__(self, name, sock, transcript):
        self.name = name
        self.sock = sock
        self.transcript = transcript
        self.closed_by_us = False
        self.local_port = sock.getsockname()[1]
        self.sent_bytes = 0
        self.received_bytes = 0
        self.last_bytes = b""  # the end of what arrived, for a failure message
        self.ended = False  # the connection closed (EOF or an error)
        self._shown = 2048  # bytes still to record in the transcript: the start, not the whole flood
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._threads = []
        transcript.add(name, "connect")
        self._spawn(self._drain)

    def _spawn(self, target, *args):
        thread = threading.Thread(target=target, args=args, daemon=True, name=f"robot-{self.name}")
        thread.start()
        self._threads.append(thread)

    def _drain(self):
        while True:
            try:
                chunk = self.sock.recv(65536)
            except (OSError, ValueError):
                chunk = b""
            with self._cond:
                if chunk:
                    self.received_bytes += len(chunk)
                    self.last_bytes = (self.last_bytes + chunk)[-300:]
                    if self._shown > 0:
                        self.transcript.add(self.name, "recv", self._decoder.decode(chunk[:self._shown]))
                        self._shown -= len(chunk)
                else:
                    self.ended = True
                self._cond.notify_all()
            if not chunk:
                return

    def wait_received(self, total, quiet, seconds, settled=None, recheck=0.02):
        """Wait until ``total`` bytes have arrived; False once nothing more came for ``quiet`` s (or at ``seconds``).

        ``settled`` (optional), asked every ``recheck`` s while nothing
        arrives, ends the wait at once when it says nothing more can come
        (then ``self.settled`` is True): the quiet gap is only the bound.
        """
        deadline = Deadline(seconds)
        self.settled = False
        # Asked 2 ms after the last bytes came, then twice as long each time up to ``recheck``: a
        # relay that comes at a poll loop's wake (whose sleeps the stillness ends early) is decided
        # in a few milliseconds.  The answers are counts: how soon they are asked changes no verdict.
        interval = min(0.002, recheck)
        with self._cond:
            before, since = self.received_bytes, time.monotonic()
            while self.received_bytes < total and not self.ended and not deadline.expired():
                self._cond.wait(min(interval if settled else quiet, deadline.remaining()))
                if self.received_bytes != before:
                    before, since = self.received_bytes, time.monotonic()
                    interval = min(0.002, recheck)
                    continue
                interval = min(2 * interval, recheck)
                if time.monotonic() - since >= quiet:
                    break  # a quiet gap: nothing new for `quiet` s
                if settled is not None:
                    self._cond.release()  # the drain must be free to count what arrives meanwhile
                    try:
                        stop = settled()
                    finally:
                        self._cond.acquire()
                    if stop and self.received_bytes == before:
                        self.settled = True
                        break
            return self.received_bytes >= total

    def has(self, start, behind):
        """True once more than ``behind`` bytes arrived since ``start`` (or the connection ended)."""
        return self.received_bytes - start >= behind or self.ended

    def caught_up(self, start, behind, deadline, step=0.1):
        """Wait (at most ``step`` s) until ``has(start, behind)``; True if it has."""
        with self._cond:
            if not self.has(start, behind):
                self._cond.wait(min(step, deadline.remaining()))
            return self.has(start, behind)

    def pending(self):
        """Bytes that reached this member's socket and the drain has not counted yet.

        The kernel's count of the bytes that arrived (TCP_INFO's
        bytes_received) less what the drain counted: that includes bytes its
        thread has taken from the socket but not counted yet (a thread
        starved on a loaded machine), which the socket's queue no longer
        shows.  The queue (FIONREAD) where TCP_INFO has no such count.
        """
        received = received_by_kernel(self.sock)
        if received is not None:
            return max(0, received - self.received_bytes)
        try:
            return struct.unpack("i", fcntl.ioctl(self.sock.fileno(), termios.FIONREAD, b"\0\0\0\0"))[0]
        except OSError:
            return 0

    def dispose(self):
        self.closed_by_us = True
        self._stop.set()
        try:
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes the drain's recv()
        except OSError:
            pass
        for thread in self._threads:
            thread.join(timeout=1.0)
        self.sock.close()


class Flooder(Drain):
    """A member that sends a large amount of chat (and drains, without recording, what it gets)."""

    def start(self, data, seconds, listener=None, ahead=64 * 1024):
        """Send ``data`` in the background for at most ``seconds``.

        With ``listener`` (a Drain), the flood keeps at most ``ahead`` bytes
        ahead of what has reached it.  A server that sends without waiting
        (non-blocking sockets) drops what does not fit the listener's buffer;
        how far a robot's reading lags behind depends on the machine's load,
        and so then would the verdict.  Kept this close, the listener's
        buffer always has room, at any load; a server that blocks still
        blocks (what reaches the listener stops, and so does the flood).
        """
        self.transcript.add("grader", "note", _("{name} sends {n} lines ({kb} KB) as fast as the server takes them")
                            .format(name=self.name, n=data.count(b"\n"), kb=len(data) // 1024))
        self.finished = False
        if listener is not None:  # no further ahead than what the listener's receive buffer holds by itself
            ahead = max(16 * 1024, min(ahead, listener.sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF) // 2))
        self._pace = (listener, listener.received_bytes if listener is not None else 0, ahead)
        self._spawn(self._send, data, seconds, *self._pace)

    def stalled(self):
        """True when the flood cannot go on by itself: the server reads none of it, or relays none to the listener.

        Read from the kernel and the counts: the bytes in this socket's send
        queue (sent, not yet taken by the server: SIOCOUTQ) and the bytes
        sent, both unchanged since the last call, and either some bytes wait
        (the server does not read them: whether they are only on their way
        is the caller's wire check), or the listener has not got what the
        flood waits for, or all the data is sent.  A settled wait asks twice
        in a row, with the server still in between (and the listener's
        socket empty: what it waits for is not on its way).

        Whether the flood waits for its listener is worked out from the
        counts, never from a flag its thread sets: that thread, woken once
        the listener caught up but not yet run on a loaded machine, would
        still say "waiting" while it is about to send (the flood then looked
        stalled, and ``server.slow_reader`` failed a server that relays).
        """
        try:
            queued = struct.unpack("i", fcntl.ioctl(self.sock.fileno(), termios.TIOCOUTQ, b"\0\0\0\0"))[0]
        except OSError:
            return True  # the connection is gone: nothing more goes through it
        now = (queued, self.sent_bytes)
        before, self._seen = getattr(self, "_seen", None), now
        listener, start, ahead = self._pace
        waiting = listener is not None and not listener.has(start, self.sent_bytes - ahead)
        return now == before and (queued > 0 or waiting or self.finished)

    def _send(self, data, seconds, listener, start, ahead):
        view, deadline = memoryview(data), Deadline(seconds)
        while view and not self._stop.is_set() and not deadline.expired():
            if listener is not None and not listener.caught_up(start, self.sent_bytes - ahead, deadline):
                continue
            try:
                _r, writable, _e = select.select([], [self.sock], [], min(0.1, deadline.remaining()))
                if writable:
                    sent = self.sock.send(view[:min(65536, ahead)], socket.MSG_DONTWAIT)
                    view = view[sent:]
                    self.sent_bytes += sent
            except BlockingIOError:
                continue
            except (OSError, ValueError):
                break
        self.finished = True  # all sent, stopped, or out of time: it sends nothing more


class NetworkChat(Chat):
    """A chat whose robots send what real networks deliver, plus silent and flooding members."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.others = []  # Silent and Flooder members, disposed with the robots
        self.decoders = {}

    def _raw_socket(self, name):
        # A plain socket connected inside the pod, named for the diagnoses.
        try:
            sock = self.pod.connect(self.server.host, self.server.port)
        except OSError:
            self.connect(name)  # raises the usual CheckFailed ("could not connect")
            raise
        self.names_by_port[sock.getsockname()[1]] = name
        return sock

    def send_bytes(self, robot, data):
        """``robot`` sends ``data`` in ONE send() (TCP_NODELAY: one segment); False if it could not."""
        # A piece that ends inside a UTF-8 character shows its first part in the next send.
        decoder = self.decoders.setdefault(robot.name, codecs.getincrementaldecoder("utf-8")("replace"))
        self.transcript.add(robot.name, "send", decoder.decode(data))
        deadline = Deadline(2.0)
        view = memoryview(data)
        try:
            while view:
                _r, writable, _e = select.select([], [robot.sock], [], deadline.remaining())
                if not writable:
                    return False
                try:
                    sent = robot.sock.send(view, socket.MSG_DONTWAIT)
                except BlockingIOError:
                    continue
                view = view[sent:]
                robot.sent_bytes += sent
        except (OSError, ValueError):
            return False
        return True

    def send_pieces(self, robot, pieces, action):
        """Send ``pieces`` (bytes) one by one, each once the server has read all before it.

        Waiting for the server's read, not for a while, is what makes the
        pieces arrive in separate reads on any machine, loaded or not.
        """
        self._mark_all()
        self.last_action = action
        self.last_actor = robot.name
        split_seen = True
        for index, piece in enumerate(pieces):
            self.send_bytes(robot, piece)
            if not self.wait_read(robot) and index < len(pieces) - 1:
                split_seen = False
        if not split_seen:
            self.transcript.add("grader", "note", _("the server did not read the first piece on its own"))
        self.settle()

    def say_all(self, robots, lines):
        """Every robot sends its line of ``lines`` (name -> text) at once; returns once the server is idle."""
        self._mark_all()
        self.last_action = _("{n} members each sent a line at the same time").format(n=len(robots))
        self.last_actor = None
        for robot in robots:
            robot.send_line(lines[robot.name])
        for robot in robots:
            self.wait_read(robot)
        self.settle()

    def silent_member(self, name, rcvbuf=1):
        """A member who joins (sends its name) and never reads anything."""
        self._mark_all()
        member = Silent(name, self._raw_socket(name), self.transcript, rcvbuf)
        self.others.append(member)
        self.wait_read(member)
        self.settle()
        return member

    def drain_member(self, name, kind=Drain):
        """A member who joins and reads everything, counting it (see ``Drain``)."""
        self._mark_all()
        member = kind(name, self._raw_socket(name), self.transcript)
        self.others.append(member)
        self.send_bytes(member, (name + "\n").encode("utf-8"))
        self.wait_read(member)
        self.settle()
        return member

    def interrupt(self, seconds):
        """Press Ctrl-C for the server: SIGINT to its process group; wait up to ``seconds`` for it to end.

        Returns (exit code or None, stderr written after the signal, crash
        and thread_exception events after the signal).
        """
        program = self.server.program
        # Pressed at a server that waits, as an operator does: not in the microseconds between
        # its listen() (which is all the grader waited for) and the try: around its accept loop.
        self.settle()
        self._mark_all()
        self.last_action = _("Ctrl-C was pressed in the server's terminal (SIGINT)")
        self.last_actor = "grader"
        self.transcript.add("grader", "note", _("Ctrl-C: SIGINT to the server's process group"))
        stderr_before = program.stderr.total
        reached = program.group_pids()  # the processes the Ctrl-C reaches: its children too
        pressed = time.monotonic()
        # The grader is stopping it: its exit is not a crash of its own.
        program.stop_requested_at = pressed
        program.signal_group(signal.SIGINT)  # what a terminal does: the whole foreground group
        # Blocked for good after Ctrl-C (non-daemon threads waiting in recv()): it will never end by itself.
        code = program.wait_exit(seconds, settled=Stillness([(program, ())]))
        if code is not None:
            # Its last words, and its children's (each prints its own traceback on a loaded machine
            # a while later): every process the Ctrl-C reached has ended, and all they wrote is read.
            # Not the pipes' end: a daemon in a session of its own may hold them for a minute.
            poll_until(lambda: not any(is_running(pid) for pid in reached), seconds)
            poll_until(lambda: program.output_done() or program.output_pending() == 0, seconds)
        written = program.stderr.total - stderr_before
        stderr = program.stderr.tail_text(min(written, 2000)) if written > 0 else ""
        errors = [e for e in program.events_of("crash") + program.events_of("thread_exception")
                  if e.get("t", 0) >= pressed]
        return code, stderr, errors

    def dispose(self):
        for member in self.others:
            member.dispose()
        super().dispose()
