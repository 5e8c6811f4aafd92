"""Is a program idle, or is one of its threads spinning; can it still act by itself?  Read from /proc."""

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
    * a busy thread that stays running or runnable (waiting for a core) for
      nine tenths of ``spin_window`` is spinning, however loaded the machine
      is (schedstat's run and wait times): stop waiting, and judge idleness
      on the other threads from then on;
    * with a spinner holding the GIL, a thread waiting for the GIL looks
      blocked for up to 5 ms: quiet samples must then be ``quiet_gap`` apart;
    * a thread that ran between every two samples for ``steady_window`` is
      busy by itself too, even when it uses little CPU and is seen blocked
      at each sample (a loop printing into a full pipe, a poll with a 1 ms
      timeout): no reaction to one action keeps a thread running without a
      pause for half a second.  Without this rule such a server would never
      be idle, and every settle would run to its bound;
    * a thread the shim saw read a closed connection ``EOF_LOOP`` times in
      a row (a loop on recv() == b'': ``Program.looping_on_eof``) is
      spinning as soon as it is busy at two samples in a row.  A count of
      reads, not a share of a window: no load changes it, and the commonest
      busy loop costs a settle two samples, not ``spin_window``.
    """

    def __init__(self, program, spinners, spin_window=0.15, quiet_gap=0.006, steady_window=0.5):
        self.program = program
        self.spinners = spinners  # thread ids known to spin: shared by the caller across settles
        self.spin_window = spin_window
        self.steady_window = steady_window
        self.quiet_gap = quiet_gap if spinners else 0.0
        self.busy_since = {}
        self.last_ran = {}
        self.quiet_from = None
        self.outcome = None

    def __call__(self):
        if not self.program.alive():
            self.outcome = "idle"
            return True
        now = time.monotonic()
        threads = self.program.threads()
        # Busy: running or runnable now, or it ran since the last sample (seen blocked only at the instant).
        busy = {tid: (ran, held) for tid, (running, ran, held) in threads.items()
                if tid not in self.spinners and (running or ran > self.last_ran.get(tid, ran))}
        self.last_ran = {tid: ran for tid, (_running, ran, _held) in threads.items()}
        for tid in list(self.busy_since):
            if tid not in busy:
                del self.busy_since[tid]
        looping = self.program.looping_on_eof() if busy else ()
        for tid, (ran, held) in busy.items():
            # Running or waiting for a core nine tenths of the window (a busy loop never sleeps, and
            # on a loaded machine it runs less and waits more), and a fifth of a core at least: a
            # thread that reacts to a message needs a millisecond, not a fifth of every second.
            since, ran_then, held_then = self.busy_since.setdefault(tid, (now, ran, held))
            window = now - since
            if (window >= self.steady_window or (tid in looping and since < now)
                    or (window >= self.spin_window and held - held_then >= 0.9e9 * window
                        and ran - ran_then >= 0.2e9 * window)):
                self.spinners.add(tid)
                self.outcome = "spinning"
                return True
        others = sum(ran for tid, (_running, ran, _held) in threads.items() if tid not in self.spinners)
        if busy:
            self.quiet_from = None
        elif self.quiet_from is None or self.quiet_from[1] != others:
            self.quiet_from = (now, others)
        elif now - self.quiet_from[0] >= self.quiet_gap:
            self.outcome = "idle"
            return True
        return False


def still(program, ignore=(), stuck_on=(), tickers=(), timed=False, asleep=None):
    """A token when no thread of ``program`` can act by itself but its tickers; else None.

    Every thread (and every thread of its children) is blocked in a wait
    without a timeout of its own (recv(), accept(), input(), a lock): until
    something arrives from outside, the program will do nothing, at any
    load.  A thread that runs, waits for a core, sleeps or waits with a
    timeout may still act: None.  Threads in ``ignore`` (found spinning) are
    left out, as in every settle.  Unknown states (another architecture, a
    /proc we may not read) are never still: the caller's deadline decides.
    A thread blocked sending to a connection whose remote port is in
    ``stuck_on`` (a member the caller keeps from reading) is blocked for good too.

    Threads in ``tickers`` (seen to wake and sleep again by themselves: a
    heartbeat, a poll loop) may be asleep or in a wait with a timeout: they
    are then counted apart, by how often they have woken (``Stillness``
    asks that they wake ``TICKS`` times with nothing else moving).  With
    ``timed``, so is every thread in a wait with a timeout (a select() or
    an accept() with a timeout wakes by itself to look again).

    The token is (the CPU time the other threads ran, {(pid, tid): wakes}
    of the tickers).  Two equal tokens in a row mean no thread ran in
    between: data that arrived for a blocked thread would have woken it (and
    made it run).  A program that ended is still (token (0, {})).

    ``asleep`` (a list, optional) collects the threads in the shim's
    time.sleep() (and those counted by their wakes in its select(), poll()
    or epoll() with a timeout) as (seconds left, program, pid, tid, ticker?) instead of
    making the program not still: the caller may end their sleeps
    (``Stillness``), and must not take the program for still while one that
    is no ticker sleeps.  Such a sleeper's run time is in the token: what it
    does once awake breaks a streak.  A ``None`` entry stands for a thread
    that wakes by itself some other way (a wait with a timeout): time may
    then not be skipped, as that thread would have woken first.
    """
    if not program.alive():
        # Ended: still, once its end is recorded (until then a wait for the exit is about to end anyway).
        return (0, {}) if getattr(program, "exit_code", 0) is not None else None
    machine = platform.machine()
    total, seen, wakes = 0, False, {}
    for pid, tid in _tasks(program):
        if int(tid) in ignore:
            continue
        seen = True
        wait = procfs.thread_wait(pid, tid, machine)
        counted = (wait == "timed" and timed) or (int(tid) in tickers and wait in ("sleeping", "timed"))
        if asleep is not None and (wait == "sleeping" or (wait == "timed" and counted)):
            # A wait with a timeout in the shim's select()/poll()/epoll() may be ended early too;
            # it is always counted by its wakes, as such waits are (a poll loop looking again).
            left = _shim_sleep(program, pid, tid)
            if left is not None:
                ticker = int(tid) in tickers or wait == "timed"
                asleep.append((left, program, pid, tid, ticker))
                if ticker:
                    wakes[(pid, tid)] = _wakes(program, pid, tid)
                else:
                    total += procfs.thread_ran(pid, tid)
                continue
        if counted:
            wakes[(pid, tid)] = _wakes(program, pid, tid)
            if asleep is not None:
                asleep.append(None)
            continue
        if wait != "forever" and not (stuck_on and procfs.blocked_send_peer(pid, tid, machine) in stuck_on):
            return None
        total += procfs.thread_ran(pid, tid)
    return (total, wakes) if seen else None


def _tasks(program):
    """(pid, tid) of every thread of ``program`` and its children, as /proc names them (strings)."""
    return program.tasks()


def sleepers(program, ignore=()):
    """{thread id: nanoseconds run so far} of the threads of ``program`` now in ``time.sleep()``.

    Unlike a wait with a timeout (an event loop's poll), a sleep is how
    student code delays what it does next ("sleep so that messages do not
    merge"): until such a thread has woken, its reaction may not be over.
    """
    machine = platform.machine()
    return {int(tid): procfs.thread_ran(pid, tid) for pid, tid in _tasks(program)
            if int(tid) not in ignore and procfs.thread_wait(pid, tid, machine) == "sleeping"}


def sleeping_beyond(program, tids, seconds):
    """The threads among ``tids`` whose sleep is known to end more than ``seconds`` from now.

    A child process that lingers a minute, or a timer: what it will do is
    no reaction to the grader's last action, so nothing waits for it.
    Sleeps of unknown length are not listed (see ``procfs.sleep_left``).
    """
    machine = platform.machine()
    wanted, found = set(tids), set()
    for pid, tid in _tasks(program):
        if int(tid) in wanted:
            left = sleep_left(program, pid, tid, machine)
            if left is not None and left > seconds:
                found.add(int(tid))
    return found


def sleep_left(program, pid, tid, machine):
    """Seconds left of the sleep thread ``tid`` sleeps in (the shim's, or Python's own); None if unknown."""
    left = _shim_sleep(program, pid, tid)
    return left if left is not None else procfs.sleep_left(pid, tid, machine)


def _wakes(program, pid, tid):
    ask = getattr(program, "wakes", None)
    return ask(pid, tid) if ask is not None else procfs.thread_wakes(pid, tid)


def _shim_sleep(program, pid, tid):
    ask = getattr(program, "shim_sleep", None)  # a program of another kind (a fake, a puppet) has none
    return ask(pid, tid) if ask is not None else None


def warpable(program, ignore=()):
    """The shim's sleepers of ``program`` as (seconds left, pid, tid), earliest first, if nothing else can wake it.

    Every other thread (but those in ``ignore``) is blocked for good:
    nothing of the program acts before the earliest of these sleeps ends,
    so ending it now (``Program.end_sleep``) is what waiting would have
    come to.  The shim's select(), poll() and epoll() with a timeout count
    as sleeps.  Empty if some thread runs, or waits in a way whose end is
    not known (a socket's own timeout, a lock's: it would have woken first).
    """
    machine = platform.machine()
    found = []
    for pid, tid in _tasks(program):
        if int(tid) in ignore:
            continue
        wait = procfs.thread_wait(pid, tid, machine)
        if wait == "forever":
            continue
        left = _shim_sleep(program, pid, tid) if wait in ("sleeping", "timed") else None
        if left is None:
            return []
        found.append((left, pid, tid))
    return sorted(found)


def end_earliest_sleep(program, ignore=(), within=0.0):
    """End the earliest of ``program``'s sleeps now if nothing else of it can act first; the seconds skipped.

    Only when every other thread is blocked for good (``warpable``), and
    only a sleep that ends within ``within`` seconds: a longer one is
    waited for as before, and the caller's bound decides.  0.0 if none.
    """
    found = warpable(program, ignore)
    if not found:
        return 0.0
    left, pid, tid = found[0]
    left = max(0.0, left)
    if left > within or not program.end_sleep(pid, tid):
        return 0.0
    return left


class Stillness:
    """A ``settled`` callback for waits: true once the programs are still twice in a row, with nothing run between.

    ``programs`` are (program, ignore) or (program, ignore, tickers)
    tuples; ``also`` is a further condition (nothing unread on the grader's
    own side, say); ``stuck_on`` and ``timed`` as for ``still``.

    With tickers asleep, stillness is not proven but tested: nothing else
    may run while each ticker wakes ``TICKS`` times (what a poll loop does
    about the grader's last action, it does at its next wake), or while it
    sleeps past ``horizon`` seconds (its wake could not be awaited anyway).
    ``reason`` then says "ticking", not "quiet".

    Why a verdict on "ticking" is not confirmed in a fresh pod, as one
    decided by a deadline is: nothing in it is measured by a clock.  Every
    other thread is blocked for good (data for it would have made it
    runnable, and broken the streak), nothing is unread, and each ticker
    has woken ``TICKS`` times, a count, into a state after which nothing
    changed.  A loaded machine delays the wakes; it does not change what
    the program does at each one.  What such a wait cannot see (a loop
    that acts only at its tenth wake) it would miss again in a fresh pod.
    """

    # A poll loop's first wake after everything else stopped sees the final state and acts on it
    # (a relay queued by another thread, data on a socket it polls); the second is the margin for
    # a loop that takes two wakes (one moves the job, the next sends it).  Three cost every such
    # decision one more period (0.5 s for socketserver's serve_forever) and caught nothing more
    # in the fixtures, the seeds or the stability runs.
    TICKS = 2

    def __init__(self, programs, also=None, stuck_on=(), horizon=None, timed=False):
        self.programs = [(entry[0], entry[1], entry[2] if len(entry) > 2 else ()) for entry in programs]
        self.also = also
        self.stuck_on = stuck_on
        self.horizon = horizon
        self.timed = timed
        self.last = None
        self.first_wakes = {}  # each ticker's wakes when the present streak of still samples began
        self.beyond = {}  # tickers known to sleep past the horizon, in this streak
        self.owners = {}  # (pid, tid) of a ticker -> its program
        self.reason = None
        self.started = None
        self.skipped = 0.0  # seconds of sleep ended early (``_skip``), out of the horizon

    def __call__(self):
        self.reason = None
        if self.started is None:
            self.started = time.monotonic()
        tokens, wakes = [], {}
        # Sleeps may be ended early only where the wait has a bound to count them against.
        asleep = [] if self.horizon is not None else None
        for program, ignore, tickers in self.programs:
            token = still(program, ignore, self.stuck_on, tickers, self.timed, asleep)
            if token is None:
                self.last = None
                return False
            tokens.append(token)
            wakes.update(token[1])
            self.owners.update((key, program) for key in token[1])
        if self.also is not None and not self.also():
            self.last = None
            return False
        # The tickers' wakes are counted from the last time anything else ran: what another
        # thread did then (a job handed to a queue a ticker polls) is seen at their next wakes.
        # Only the others' run times are compared: a ticker faster than the samples (a 20 ms
        # keep-alive loop) wakes between every two of them, and a wait that asked for equal wake
        # counts too ran to its deadline.
        same = self.last is not None and [token[0] for token in self.last] == [token[0] for token in tokens]
        if not same:
            self.first_wakes, self.beyond = dict(wakes), {}
        for key, count in wakes.items():
            self.first_wakes.setdefault(key, count)
        ticked = {key: self._ticked(key, count) for key, count in wakes.items()}
        sleeping = [entry for entry in asleep or () if entry is not None and not entry[4]]
        settled = same and all(ticked.values()) and not sleeping

        self.last = tokens
        if settled:
            self.reason = "ticking" if wakes else "quiet"
        elif same and asleep:
            self._skip(asleep, ticked)
        return settled

    def _skip(self, asleep, ticked):
        """End the earliest sleep now if nothing else can act before it ends, and it ends within the horizon.

        Everything else is still (two samples, nothing run between, nothing
        unread): what the program does next, it does when that sleep ends,
        so ending it now changes nothing but the wait.  The sleep's time
        counts against the horizon as if it had been waited out: a sleep
        past the wait's bound is waited for, as before, and the bound
        decides.  Tickers are woken until they have woken ``TICKS`` times.
        """
        if None in asleep:
            return  # a thread that wakes by itself some other way (its timeout unknown) might come first
        wanted = [entry for entry in asleep if not entry[4] or not ticked.get((entry[2], entry[3]), True)]
        if not wanted:
            return
        left, program, pid, tid, _ticker = min(wanted, key=lambda entry: entry[0])
        left = max(0.0, left)
        if left > self.horizon - (time.monotonic() - self.started) - self.skipped:
            return
        if program.end_sleep(pid, tid):
            self.skipped += left

    def _ticked(self, key, count):
        if count < self.first_wakes[key]:
            # Counted another way from now on (the shim's count of its sleeps, once announced).
            self.first_wakes[key] = count
        if count - self.first_wakes[key] >= self.TICKS:
            return True
        if self.horizon is None:
            return False
        if self.beyond.get(key, (None,))[0] != count:  # asked once per sleep: reading it costs a little
            left = sleep_left(self.owners.get(key), *key, platform.machine())
            self.beyond[key] = (count, left is not None and left > self.horizon)
        return self.beyond[key][1]


class Spinning:
    """A ``settled`` callback: True once a thread of ``program`` is found in a busy loop.

    Run or waiting for a core nine tenths of the spin window, or running
    between every two samples for half a second (a loop printing into the
    grader's pipe): see ``Quiescence``, whose rules hold at any load.
    ``found`` then says so.  Idle samples start the search again.
    """

    def __init__(self, program):
        self.program = program
        self.found = False
        self._search = Quiescence(program, set())

    def __call__(self):
        if self._search():
            if self._search.outcome == "spinning":
                self.found = True
                return True
            self._search = Quiescence(self.program, set())  # idle for now: look again
        return False


class StartupStillness:
    """A ``settled`` callback for the wait for a server to listen: true once it will not, by itself.

    A Stillness of the program alone, with nothing it wrote left unread on
    our side (its events included).  And a thread seen asleep
    (``time.sleep()``, or a wait with a timeout) that woke and went back to
    sleep is a ticker: a
    ``while True: time.sleep(0.5)`` that keeps a program alive, say after
    its listening thread broke.  Once the tickers have woken
    ``Stillness.TICKS`` times with nothing else running, nothing printed
    and no event from the shim, the program will not listen: ``reason``
    "ticking".  A thread asleep that has not woken since it was first seen
    is waited for (a server that sleeps a moment before it listens does
    listen), and what a program prints restarts the count (a countdown
    before listen() is no idle loop).  The startup bound remains for the
    rest.
    """

    def __init__(self, program, horizon=None):
        self.program = program
        self.tickers = set()
        self.asleep = {}  # (pid, tid) -> its wakes when first seen asleep
        self.seen = None  # (bytes printed, events) at the last sample
        # With the startup bound as horizon, sleeps before listen() are ended early (``Stillness._skip``).
        self.stillness = Stillness([(program, (), self.tickers)], also=self._nothing_new, horizon=horizon)

    @property
    def reason(self):
        return self.stillness.reason

    def __call__(self):
        machine = platform.machine()
        for pid, tid in _tasks(self.program):
            if procfs.thread_wait(pid, tid, machine) in ("sleeping", "timed"):
                wakes = _wakes(self.program, pid, tid)
                first = self.asleep.setdefault((pid, tid), wakes)
                if wakes < first:  # counted the shim's way from now on
                    self.asleep[(pid, tid)] = wakes
                elif wakes > first:
                    self.tickers.add(int(tid))
        return self.stillness()

    def _nothing_new(self):
        program = self.program
        now = (program.stdout.total, program.stderr.total, len(program.events))
        new, self.seen = now != self.seen, now
        return not new and program.output_pending() == 0
