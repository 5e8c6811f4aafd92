"""When a batch may start one more grading: always up to ``least`` at once, then only while a core is idle.

A grading keeps about one core busy, and less while it waits for the
student's programs: a server that sleeps 0.4 s before each join notice
(one of the tests' class) holds its grading for 17 s and uses a core
for 1 s of it.  With a fixed number of gradings at once, such waits
leave the cores idle; with many more, the gradings that do work slow
each other down (and a budget is per grading).  So the batch runs
``least`` (one more than the cores) at once, and up to ``most`` while
the machine has at least ``room`` of a core idle, one more at a time:
each newcomer is measured over a whole interval before the next.

Idle is the machine's, not only the batch's (``psutil.cpu_times``): on
a machine busy with other work, nothing more starts.  Verdicts never
depend on it: they are decided on evidence, the same at any load
(bench/stability.py grades 4 at once beside 2 burners).
"""

import time

import psutil


def idle_core_seconds():
    """Seconds all cores have been idle since boot (summed over the cores)."""
    times = psutil.cpu_times()
    return times.idle + getattr(times, "iowait", 0.0)


class Admission:
    def __init__(self, least, most, room=0.5, idle=idle_core_seconds, clock=time.monotonic):
        self.least = max(1, least)
        self.most = max(self.least, most)
        self.room = room
        self._idle = idle
        self._clock = clock
        self._since = None  # (time, idle core-seconds) at the start of the interval being measured

    def may_start(self, running):
        """Whether one more grading may start now, with ``running`` gradings under way."""
        if running < self.least:
            return True
        if running >= self.most:
            self._since = None
            return False
        now, idle = self._clock(), self._idle()
        if self._since is None:
            self._since = (now, idle)
            return False
        then, idle_then = self._since
        span = now - then
        if span <= 0:
            return False
        if (idle - idle_then) / span >= self.room:
            self._since = None  # the next one is judged on an interval that starts after this one started
            return True
        self._since = (now, idle)
        return False
