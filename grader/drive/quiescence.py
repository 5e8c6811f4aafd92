"""Is a program idle, or is one of its threads spinning; can it still act by itself?  Read from /proc."""

import os
import platform
import time

from grader.isolation import procfs


class Quiescence:
    """Samples a program's threads until it is idle, or one of them is found spinning.

    Called repeatedly (``poll_until``); true when a verdict is reached, then
    ``outcome`` is "idle" or "spinning".  Why per thread:

    * thread states are read one after another, not atomically: a GIL
      hand-off between two reads can make every thread look blocked.  Idle
      means no thread runnable in two samples in a row with no CPU used in
      between (a thread that ran meanwhile has more run time);
    * a busy thread is either starved (runnable, waiting for a core on a
      loaded machine: keep waiting) or spinning (runnable throughout
      ``spin_window`` while taking at least half a core: stop waiting, and
      judge idleness on the other threads from then on);
    * with a spinner holding the GIL, a thread waiting for the GIL looks
      blocked for up to 5 ms: quiet samples must then be ``quiet_gap`` apart.
    """

    def __init__(self, program, spinners, spin_window=0.15, quiet_gap=0.006):
        self.program = program
        self.spinners = spinners  # thread ids known to spin: shared by the caller across settles
        self.spin_window = spin_window
        self.quiet_gap = quiet_gap if spinners else 0.0
        self.busy_since = {}
        self.quiet_from = None
        self.outcome = None

    def __call__(self):
        if not self.program.alive():
            self.outcome = "idle"
            return True
        now = time.monotonic()
        threads = self.program.threads()
        busy = {tid: ran for tid, (running, ran) in threads.items() if running and tid not in self.spinners}
        for tid in list(self.busy_since):
            if tid not in busy:
                del self.busy_since[tid]
        for tid, ran in busy.items():
            since, ran_then = self.busy_since.setdefault(tid, (now, ran))
            if now - since >= self.spin_window and ran - ran_then >= 0.5e9 * (now - since):
                self.spinners.add(tid)
                self.outcome = "spinning"
                return True
        others = sum(ran for tid, (_running, ran) in threads.items() if tid not in self.spinners)
        if busy:
            self.quiet_from = None
        elif self.quiet_from is None or self.quiet_from[1] != others:
            self.quiet_from = (now, others)
        elif now - self.quiet_from[0] >= self.quiet_gap:
            self.outcome = "idle"
            return True
        return False


def still(program, ignore=()):
    """True when no thread of ``program`` (and its children) can act by itself any more.

    Every thread is blocked in a wait without a timeout of its own (recv(),
    accept(), input(), a lock): until something arrives from outside, the
    program will do nothing, at any load.  A thread that runs, waits for a
    core, sleeps or waits with a timeout may still act: not still.  Threads
    in ``ignore`` (found spinning) are left out, as in every settle.  A
    program that ended is still.  Unknown states (another architecture, a
    /proc we may not read) are never still: the caller's deadline decides.
    """
    if not program.alive():
        return True
    machine = platform.machine()
    seen = False
    pids = program.tree_pids()
    if pids and _zombie(pids[0]):
        return False  # it has ended and its exit is on its way to us: it is about to be not alive
    for pid in pids:
        try:
            tids = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for tid in tids:
            if int(tid) in ignore:
                continue
            seen = True
            if procfs.thread_wait(pid, tid, machine) != "forever":
                return False
    return seen


def _zombie(pid):
    """Whether process ``pid`` has exited but is not reaped yet (its exit not yet reported)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except (OSError, IndexError):
        return False
