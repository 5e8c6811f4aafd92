"""Bounded capture of a program's output: a flood must grow neither the grader's memory nor its CPU."""

import threading
import time


def _empty_lines(data):
    """How many empty lines ``data`` ends (a newline, or CR LF, right after a newline).

    The signature of a receive loop that prints recv() == b'' forever.  Split
    and counted in C: a regex over every chunk of a 20 MB/s flood took the
    grader's GIL from everything else.
    """
    pieces = data.split(b"\n")
    if len(pieces) < 3:
        return 0
    # Between two newlines: pieces[1:-1] (the first ends before the first newline, the last is unfinished).
    empty = pieces.count(b"") + pieces.count(b"\r")
    return empty - (pieces[0] in (b"", b"\r")) - (pieces[-1] in (b"", b"\r"))


class BoundedCapture:
    """Keeps the first and last ``limit/2`` bytes of a stream and counts the rest.

    ``feed`` is called by a reader thread that drains the pipe continuously, so
    the program never blocks on a full pipe however much it prints.
    """

    def __init__(self, limit=64 * 1024):
        self.half = max(1024, limit // 2)
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0
        self.lines = 0
        self.empty_lines = 0
        self._lock = threading.Lock()
        self._last_byte = b"\n"

    def feed(self, data):
        with self._lock:
            self.total += len(data)
            self.lines += data.count(b"\n")
            self.empty_lines += _empty_lines(self._last_byte + data)
            self._last_byte = data[-1:]
            room = self.half - len(self.head)
            if room > 0:
                self.head += data[:room]
                data = data[room:]
            if data:
                self.tail += data
                del self.tail[:-self.half]

    @property
    def truncated(self):
        return self.total > len(self.head) + len(self.tail)

    def text(self):
        """What was kept, decoded leniently, with a marker where bytes were dropped."""
        with self._lock:
            head = bytes(self.head).decode("utf-8", "replace")
            tail = bytes(self.tail).decode("utf-8", "replace")
            dropped = self.total - len(self.head) - len(self.tail)
        if dropped > 0:
            return f"{head}\n[... {dropped} bytes not kept ...]\n{tail}"
        return head + tail

    def tail_text(self, size=2000):
        with self._lock:
            data = bytes(self.head + self.tail) if not self.truncated else bytes(self.tail)
        return data[-size:].decode("utf-8", "replace")


class Pace:
    """How long a reader rests before its next read, so that a flood is drained at a terminal's pace.

    A loop that prints without end goes as fast as its output is taken: a
    reader that drains at once let one such server push 17 GB through the
    grader in one grading, 15 s of the grader's CPU.  A terminal takes
    output at its own pace, and a program that prints faster waits in
    write(), which is what the grader then sees too.  Nothing is decided on
    it: a thread blocked writing its output is busy (``procfs.thread_busy``)
    and never still (``procfs.thread_wait``: "unknown"), and bytes in the
    pipe are output pending.  ``free`` bytes pass at once (more than a lab's
    program prints in a check, verbose logging of megabytes it relays
    included), then ``rate`` bytes a second.
    """

    def __init__(self, free=16 * 1024 * 1024, rate=16 * 1024 * 1024, clock=time.monotonic):
        self.free = free
        self.rate = rate
        self.clock = clock
        self.total = 0
        self._over_since = None  # when ``free`` was used up

    def rest(self, count):
        """Seconds to rest after reading ``count`` more bytes (0.0 while within the pace)."""
        self.total += count
        over = self.total - self.free
        if over <= 0:
            return 0.0
        now = self.clock()
        if self._over_since is None:
            self._over_since = now
        return max(0.0, over / self.rate - (now - self._over_since))
