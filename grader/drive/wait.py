"""Deadlines, and the one place that polls.

Most waits in the grader are on a ``threading.Condition`` fed by a reader
thread.  Some conditions live in the kernel and give no notification to wait
on (a socket's receive queue in another process, a thread's run state); for
those, ``poll_until`` re-checks at a short interval, always up to a deadline.
"""

import time


class Deadline:
    """A point in time; ``remaining()`` is recomputed at every pass of a wait loop."""

    def __init__(self, seconds):
        self.start = time.monotonic()
        self.end = self.start + max(0.0, seconds)

    def remaining(self):
        return max(0.0, self.end - time.monotonic())

    def expired(self):
        return time.monotonic() >= self.end

    def elapsed(self):
        return time.monotonic() - self.start


def poll_until(condition, seconds, interval=0.001, longest=0.005):
    """Call ``condition()`` until it returns a true value or ``seconds`` pass.

    Returns the last value of ``condition()``.  The interval starts at 1 ms
    and doubles up to 5 ms: a condition that holds soon costs almost
    nothing, and a long wait stays far from burning a core.
    """
    deadline = Deadline(seconds)
    while True:
        value = condition()
        if value or deadline.expired():
            return value
        time.sleep(min(interval, deadline.remaining()))
        interval = min(interval * 2, longest)
