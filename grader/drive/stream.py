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

    def wait_for(self, predicate, timeout, segmented=False, ended=None, recheck=0.1):
        """Wait until ``predicate(text since mark)`` holds, the stream ends, or ``timeout`` seconds pass.

        With ``segmented``, the predicate gets a second argument: the same
        text split at chunk boundaries.  ``ended`` (optional) is asked every
        ``recheck`` seconds for an ending nobody reports (a program that
        exited: its pipes closed, no reader wakes us); it returns the ending
        or None.
        """
        deadline = Deadline(timeout)
        with self._cond:
            while True:
                text = self._text()
                if predicate(text, self._segmented()) if segmented else predicate(text):
                    return Outcome(True, "ok", deadline.elapsed(), text)
                if self._ending is not None:
                    return Outcome(False, self._ending, deadline.elapsed(), text)
                if deadline.expired():
                    return Outcome(False, "timeout", deadline.elapsed(), text)
                self._cond.wait(min(deadline.remaining(), recheck) if ended else deadline.remaining())
                if ended is not None and self._ending is None:
                    self._ending = ended()
