"""What a member received, as one byte stream with a mark, and the one wait on it.

TCP has no message boundaries and student programs merge and split their
output freely, so expectations match text anywhere in the stream after the
*mark* (where the current action began), never message by message.  A
reader thread appends; ``wait_for`` waits on a condition with a deadline,
in the spirit of pexpect's expect loop: it ends on success, on the peer's
end of the stream (eof, reset, exit: distinct from a timeout), or when time
runs out, and what did arrive is kept for the failure.
"""

import threading
import time

from grader.drive.wait import Deadline

MAX_STREAM = 1024 * 1024  # bytes kept; a flood beyond is counted, not stored


class Outcome:
    """How a wait ended: ``ok``, the stream's ending (``eof``, ``reset``, ``exit``...) or ``timeout``."""

    def __init__(self, ok, ending, waited_s, received):
        self.ok = ok
        self.ending = ending
        self.waited_s = waited_s
        self.received = received

    def __bool__(self):
        return self.ok


class Stream:
    """Bytes received so far, where each chunk began, a mark, and how the stream ended (if it did)."""

    def __init__(self, limit=MAX_STREAM):
        self.limit = limit
        self.mark_at = 0
        self.overflow = 0
        self._data = bytearray()
        self._boundaries = []  # offsets where a chunk (one recv(), one write) began
        self._ending = None
        self._cond = threading.Condition()

    def append(self, chunk):
        """Add what a reader received; wakes every waiter."""
        with self._cond:
            room = self.limit - len(self._data)
            if room > 0:
                self._boundaries.append(len(self._data))
            self._data += chunk[:max(0, room)]
            self.overflow += max(0, len(chunk) - max(0, room))
            self._cond.notify_all()

    def end(self, ending):
        """The peer is gone (``eof``, ``reset``, ``exit``...): waits end at once, with that ending."""
        with self._cond:
            if self._ending is None:
                self._ending = ending
            self._cond.notify_all()

    @property
    def ending(self):
        with self._cond:
            return self._ending

    def mark(self):
        """Expectations from now on look only at what arrives after this point."""
        with self._cond:
            self.mark_at = len(self._data)

    def text(self, since_mark=True):
        """The decoded stream (after the mark by default); invalid UTF-8 becomes U+FFFD."""
        with self._cond:
            return self._text(since_mark)

    def _text(self, since_mark=True):
        return bytes(self._data[self.mark_at if since_mark else 0:]).decode("utf-8", "replace")

    def segmented(self):
        """The text since the mark with a line break where each chunk began.

        Servers without framing glue messages together ("...the roomBob
        joined"); a message sent at another moment arrives in another chunk,
        so chunk boundaries are where such messages most likely part.
        """
        with self._cond:
            return self._segmented()

    def _segmented(self):
        parts, previous = [], self.mark_at
        for offset in self._boundaries:
            if offset > previous:
                parts.append(bytes(self._data[previous:offset]).decode("utf-8", "replace"))
                previous = offset
        parts.append(bytes(self._data[previous:]).decode("utf-8", "replace"))
        return "\n".join(parts)

    def wait_for(self, predicate, timeout, segmented=False, settled=None, recheck=0.02):
        """Wait until ``predicate(text since mark)`` holds, the stream ends, or the evidence is complete.

        With ``segmented``, the predicate gets a second argument: the same
        text split at chunk boundaries.  ``settled`` (optional) is asked
        every ``recheck`` seconds whether anything can still arrive; it
        returns None (it can) or the reason it cannot ("quiet": every
        program is blocked for good with nothing in flight; "exit"...), and
        the wait then ends at once with that reason.  ``timeout`` is only
        the bound for programs that never settle.
        """
        deadline = Deadline(timeout)

        def judge():
            text = self._text()
            if predicate(text, self._segmented()) if segmented else predicate(text):
                return Outcome(True, "ok", deadline.elapsed(), text)
            return None

        # The first questions come sooner (2 ms, then twice as long each time, up to ``recheck``): a
        # failure decided by stillness needs two still answers in a row, and the programs are usually
        # still within milliseconds.  The answers are counts, so how soon they are asked changes no verdict.
        interval = min(0.002, recheck)
        with self._cond:
            judged, later, ask_at = None, 0.0, time.monotonic() + interval
            while True:
                now = time.monotonic()
                over = self._ending is not None or deadline.expired()
                # Judged again only when more was stored (a flood past the limit adds nothing), and over
                # a flood not more often than that: each judgement reads more text, so the next waits
                # nine times as long as this one took (at most 50 ms), and waiting stays cheap.
                if len(self._data) != judged and (now >= later or over):
                    found = judge()
                    if found:
                        return found
                    judged = len(self._data)
                    later = time.monotonic() + min(0.05, 9 * (time.monotonic() - now))
                    continue
                if over:
                    return Outcome(False, self._ending or "timeout", deadline.elapsed(), self._text())
                if settled is not None and now >= ask_at:
                    size = len(self._data)
                    self._cond.release()  # asking /proc takes a while: let the reader append meanwhile
                    try:
                        reason = settled()
                    finally:
                        self._cond.acquire()
                    interval = min(2 * interval, recheck)
                    ask_at = time.monotonic() + interval  # however often data arrives
                    if reason is not None and len(self._data) == size and self._ending is None:
                        return judge() or Outcome(False, reason, deadline.elapsed(), self._text())
                    continue
                # Until data arrives (the reader notifies), or the next judgement, question or deadline.
                wake = deadline.remaining()
                if settled is not None:
                    wake = min(wake, ask_at - now)
                if len(self._data) != judged:
                    wake = min(wake, later - now)
                self._cond.wait(max(0.0, wake))
