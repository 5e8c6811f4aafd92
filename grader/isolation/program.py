"""One student program: started through the shim, watched, and stopped for good.

A ``Program`` is one Python script run through the shim (``grader/shim/
bootstrap.py``) with a clean environment, a temporary copy of the
submission as its working folder, resource limits, and bounded output
capture.  Readers drain its stdout, stderr and the shim's event channel
continuously; everything it reports is plain data for the scenarios and
the diagnoses.  Who starts it (here, or inside a namespace pod) is the
launcher's business.
"""

import ast
import fcntl
import os
import platform
import re
import signal
import struct
import sys
import termios
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from grader.drive.wait import Deadline, poll_until
from grader.isolation import procfs
from grader.isolation.capture import BoundedCapture, Pace
from grader.isolation.processes import (
    ENDED,
    clean_environment,
    close_handle,
    descendants,
    handle_running,
    launch_here,
    open_handle,
    process_group,
    send_signal,
    signal_group,
    sweep,
    user_processes,
)
from grader.isolation.procfs import read_proc

_MACHINE = platform.machine()  # for the system call numbers procfs reads
# The shim's commonest event, one per recv() of the program (how much it read, from whom), in the
# exact form its emit() writes: read without ast.literal_eval, which costs ~9 us a line, and a
# grading reads over a thousand.  Any other line, this event with more fields included, goes there.
_RECV_EVENT = re.compile(rb"\{'peer': (-?\d+), 'n': (\d+), 'ev': 'recv'\}")


def parse_event(line):
    """The event (a dict) in one line of the shim's channel, or None for a line that is not one."""
    match = _RECV_EVENT.fullmatch(line)
    if match:
        return {"peer": int(match[1]), "n": int(match[2]), "ev": "recv"}
    try:
        event = ast.literal_eval(line.decode("ascii"))
    except (ValueError, SyntaxError, UnicodeDecodeError, MemoryError, RecursionError):
        return None  # a student writing to our fd gets nothing for it
    return event if isinstance(event, dict) else None
BOOTSTRAP = Path(__file__).parent / "shim" / "bootstrap.py"
# -I: nothing from the grader's environment; -S: no .pth processing (the
# shim adds site-packages itself); -u: unbuffered; -B: no .pyc.  A pod's
# init runs with the same flags, so a program it forks is the same Python.
PYTHON_FLAGS = ("-I", "-S", "-u", "-X", "utf8", "-B")


def shim_command(script, args=()):
    """The command line of a student's Python program: the shim, then the script."""
    return [sys.executable, *PYTHON_FLAGS, str(BOOTSTRAP), str(script), *args]


def shim_parts(argv):
    """(bootstrap, [script, *args]) if ``argv`` is a ``shim_command``, else None."""
    head = [sys.executable, *PYTHON_FLAGS, str(BOOTSTRAP)]
    return (str(BOOTSTRAP), list(argv[len(head):])) if list(argv[:len(head)]) == head else None


@dataclass(frozen=True)
class Listening:
    """Where a server is ready: a listening TCP socket, or (``kind`` "udp") a bound datagram socket."""

    host: str
    port: int
    where: str | None = None
    kind: str = "tcp"


class Server:
    """A started student server and where it listens (what a scenario's ``server`` fixture hands out)."""

    def __init__(self, program, listening):
        self.program = program
        self.host = listening.host
        self.port = listening.port
        self.where = listening.where
        self.kind = listening.kind

    def alive(self):
        return self.program.alive()


class StartupFailed(Exception):
    """The program did not start listening; ``reason`` is exited, timeout, blocked, ticking, crashed or daemonized."""

    def __init__(self, reason, program, waited_s):
        super().__init__(reason)
        self.reason = reason
        self.program = program
        self.waited_s = waited_s


def _listening(event):
    kind = "udp" if event.get("kind") == "udp" else "tcp"
    return Listening(event.get("host", "127.0.0.1"), int(event["port"]), event.get("where"), kind)


class Program:
    """One running student program (the server, or the client) and what it reported."""

    def __init__(self, script, *, role, root, token, limits, args=(), connect_port=None, stdin=False,
                 launcher=None, sweep_among=None):
        self.launcher = launcher or launch_here
        self.sweep_among = sweep_among  # where its escaped daemons can be (see processes.sweep); None: anywhere
        self.script = Path(script)
        self.role = role
        self.root = Path(root)
        self.token = token
        self.limits = limits
        self.args = list(args)
        self.connect_port = connect_port
        # A server gets a keyboard too, open and silent as a TA's terminal: a
        # console thread reading input() for the operator then waits instead
        # of dying at EOF (or taking the server down with it).
        self.want_stdin = stdin or role == "server"
        self.events = []
        self.read_from = {}  # peer port -> bytes the program's code has read from it
        self.stdout = BoundedCapture(limits.get("output_kb", 64) * 1024)
        self.stderr = BoundedCapture(limits.get("output_kb", 64) * 1024)
        self.proc = None
        self.started_at = None
        self.exit_code = None
        self.exited_at = None
        self.stop_requested_at = None
        self._streams_done = 0
        self._cond = threading.Condition()
        self._stacks = bytearray()
        self._threads = []
        # Every process of the program's tree ever seen, pid -> its handle
        # (``processes.open_handle``): signals go through handles, never
        # to a number that may since belong to another program.
        self._known = {}
        self._event_pipe = None  # our end of the shim's events, while its reader runs
        self._in_hand = {}  # reader name -> True while it holds bytes it has read but not yet handed on
        self._readers = {}  # reader name -> (its thread's id, the fd it reads), while it reads
        self.on_output = None  # callback(stream_name, bytes) for transcripts
        # Threads the shim saw read a connection's end over and over (a loop on recv() == b''):
        # their id in the program's own pid namespace -> where; and the ids /proc names them by here.
        self.eof_loops = {}
        self._eof_host_ids = {}
        # Threads of the main process that slept in the shim's time.sleep(): their id in the
        # program's pid namespace -> (address of the sleep's deadline, of the clock's lead);
        # and our ids for them (see ``shim_sleep``).
        self.sleep_slots = {}
        self._slot_host_ids = {}

    # ----------------------------------------------------------------- start
    def start(self):
        event_r, event_w = os.pipe()
        stack_r, stack_w = os.pipe()
        config = {"fd": event_w, "stack_fd": stack_w, "root": str(self.root), "host": "127.0.0.1", "role": self.role,
                  "warp": 1}
        config.update({f"limit.{k}": v for k, v in self.limits.items() if k not in ("output_kb", "processes")})
        if os.geteuid() != 0 and "processes" in self.limits:
            # RLIMIT_NPROC counts all of the user's processes: allow what they
            # already run plus the lab's allowance.
            config["limit.processes"] = user_processes() + self.limits["processes"]
        if self.role == "server":
            config["bind_port"] = 0
        if self.connect_port:
            config["connect_port"] = self.connect_port
        env = clean_environment(self.token, self.root)
        env["GRADER_SHIM"] = ";".join(f"{key}={value}" for key, value in config.items())
        argv = shim_command(self.script, self.args)
        try:
            self.proc = self.launcher(argv, env=env, cwd=self.root, stdin=self.want_stdin,
                                      fds={"fd": event_w, "stack_fd": stack_w})
        finally:
            os.close(event_w)
            os.close(stack_w)
        self.started_at = time.monotonic()
        # Opened before the exit can be reaped: by the pod, before it lets the program
        # past its gate; here, before our _wait_exit thread reaps our own child.
        handle = getattr(self.proc, "handle", None)
        self._known[self.proc.pid] = handle if handle is not None else open_handle(self.proc.pid)
        self._event_pipe = event_r
        self._spawn(self._read_events, event_r)
        self._spawn(self._read_stream, self.proc.stdout, self.stdout, "stdout")
        self._spawn(self._read_stream, self.proc.stderr, self.stderr, "stderr")
        self._spawn(self._read_stacks, stack_r)
        self._spawn(self._wait_exit)
        return self

    def _spawn(self, target, *args):
        thread = threading.Thread(target=target, args=args, daemon=True, name=f"{self.role}-{target.__name__}")
        thread.start()
        self._threads.append(thread)

    def _read_events(self, fd):
        buffer = b""
        with os.fdopen(fd, "rb", buffering=0) as pipe:
            self._readers["events"] = (threading.get_native_id(), fd)
            while True:
                chunk = pipe.read(65536)
                self._in_hand["events"] = True  # until parsed: see output_pending
                if not chunk:
                    break
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                parsed = []
                reads = {}
                for line in lines:
                    event = parse_event(line)
                    if event is None:
                        continue
                    if event.get("ev") == "recv":
                        try:
                            reads[int(event["peer"])] = reads.get(int(event["peer"]), 0) + int(event["n"])
                        except (KeyError, TypeError, ValueError):
                            pass
                    elif len(self.events) + len(parsed) < 10000:
                        event["t"] = time.monotonic()
                        parsed.append(event)
                with self._cond:
                    self.events.extend(parsed)
                    for event in parsed:
                        if (event.get("ev") == "sleeper" and "child" not in event
                                and all(isinstance(event.get(key), int) for key in ("tid", "slot", "lead"))):
                            slots = dict(self.sleep_slots)  # a new dict: the waits read it without the lock
                            slots[event["tid"]] = (event["slot"], event["lead"])
                            self.sleep_slots = slots
                        if event.get("ev") in ("eof_loop", "eof_loop_end") and isinstance(event.get("tid"), int):
                            # A new dict, not a change: the settles read it without the lock.
                            loops = dict(self.eof_loops)
                            if event["ev"] == "eof_loop":
                                loops[event["tid"]] = event.get("where")
                            else:
                                loops.pop(event["tid"], None)
                            self.eof_loops = loops
                    for peer, count in reads.items():
                        self.read_from[peer] = self.read_from.get(peer, 0) + count
                    self._in_hand["events"] = False
                    self._cond.notify_all()
        with self._cond:
            self._event_pipe = None
            self._readers.pop("events", None)
            self._in_hand["events"] = False
            self._streams_done += 1
            self._cond.notify_all()

    def _read_stream(self, pipe, capture, name):
        pace = Pace()
        with pipe:
            self._readers[name] = (threading.get_native_id(), pipe.fileno())
            while True:
                chunk = pipe.read1(65536) if hasattr(pipe, "read1") else pipe.read(65536)
                self._in_hand[name] = True
                if not chunk:
                    break
                capture.feed(chunk)
                if self.on_output is not None:
                    self.on_output(name, chunk)
                self._in_hand[name] = False
                rest = pace.rest(len(chunk))
                if rest:
                    # A rate kept (see Pace), not a wait for anything: nothing can end it sooner that we
                    # would wait for, and it is bounded by one chunk's share of the rate (4 ms).
                    time.sleep(rest)
        with self._cond:
            self._readers.pop(name, None)
            self._in_hand[name] = False
            self._streams_done += 1
            self._cond.notify_all()

    def output_pending(self):
        """Bytes the program wrote (stdout, stderr, the shim's events) that our readers have not handled yet.

        A program blocked for good may still have told us something we have
        not seen: an "input" event in the pipe, or read but not yet parsed,
        while the grader's reader thread waits for the GIL on a loaded
        machine.  A wait must not be decided until it is handled.  A reader
        that holds bytes counts as one pending byte; so does one that is not
        asleep in its read(): its read() may have returned bytes it has not
        yet said it holds (a Ctrl-C's traceback, read but not yet stored,
        made server.shutdown pass once under load).
        """
        # Every reader that has started reading, not only those that have
        # handled a chunk: the first chunk (a server's listen event, say) is
        # in the same window before the reader has ever said it holds bytes.
        # Missing it judged the reference server "never listens" once in
        # about a thousand gradings under load.
        readers = dict(self._readers)
        in_hand = dict(self._in_hand)
        pending = sum(1 for name in set(in_hand) | set(readers)
                      if in_hand.get(name) or (name in readers and not procfs.reading(*readers[name], _MACHINE)))
        fds = []
        for pipe in (getattr(self.proc, "stdout", None), getattr(self.proc, "stderr", None)):
            try:
                fds.append(pipe.fileno())
            except (AttributeError, OSError, ValueError):  # no pipe, or closed
                pass
        with self._cond:  # the events' fd is ours only while its reader runs
            event_pipe = self._event_pipe
            fds.append(event_pipe)
            for fd in fds:
                if fd is None:
                    continue
                try:
                    pending += struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0"))[0]
                except (OSError, ValueError):
                    pass
        return pending

    def output_done(self):
        """Whether stdout, stderr and the shim's events have all reached their end."""
        with self._cond:
            return self._streams_done >= 3

    def wait_output_done(self, timeout):
        """After an exit: wait until the readers have taken all the program printed."""
        deadline = Deadline(timeout)
        with self._cond:
            while self._streams_done < 3 and not deadline.expired():
                self._cond.wait(deadline.remaining())
            return self._streams_done >= 3

    def _read_stacks(self, fd):
        with os.fdopen(fd, "rb", buffering=0) as pipe:
            while True:
                chunk = pipe.read(65536)
                if not chunk:
                    break
                with self._cond:
                    if len(self._stacks) < 256 * 1024:
                        self._stacks += chunk
                    self._cond.notify_all()

    def _wait_exit(self):
        code = self.proc.wait()
        with self._cond:
            self.exit_code = code
            self.exited_at = time.monotonic()
            self._cond.notify_all()

    def exited_by_itself(self):
        """Whether the program ended before the grader began stopping it (a crash, an exit)."""
        with self._cond:
            return self.exit_code is not None and (self.stop_requested_at is None
                                                   or self.exited_at < self.stop_requested_at)

    # ----------------------------------------------------------- observation
    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def alive(self):
        return self.proc is not None and self.exit_code is None

    def _main_running(self):
        """Whether the main process has not exited: only then is its pid a way to reach its tree."""
        return self.proc is not None and handle_running(self.proc.pid, self._known.get(self.proc.pid))

    def _remember(self, pids):
        for pid in pids:
            if pid not in self._known:
                self._known[pid] = open_handle(pid)

    def events_of(self, kind):
        with self._cond:
            return [e for e in self.events if e.get("ev") == kind]

    def wait_listening(self, timeout, settled=None, recheck=0.002):
        """Wait for the shim's listen event (TCP listen(), or a UDP server's bind()); raise StartupFailed if none.

        ``settled`` (optional, as for ``wait_exit``) ends the wait once the
        program cannot act by itself any more (every thread blocked for good,
        its events all read) and has not listened: it never will (reason
        "blocked", or "ticking" when ``settled.reason`` says so: see
        ``StartupStillness``).  The deadline is the bound for programs that
        never settle.  Asked every 2 ms: a program that sleeps before it
        listens has each sleep ended early once two samples find it alone
        asleep (a countdown of three sleeps and three more in its accept
        thread listened after 0.13 s with 5 ms, 0.06 s with 2 ms), and a
        listen ends the wait at once anyway.  The answers are states and
        counts: how often they are asked changes no verdict.
        """
        deadline = Deadline(timeout)
        with self._cond:
            while True:
                # The main process's listen.  A forked child's, once the main
                # process is gone, is a server that daemonized itself: the
                # program the grader started, and can judge, is gone.
                main = [e for e in self.events if e.get("ev") == "listen" and "child" not in e]
                if main:
                    return _listening(main[0])
                if self.exit_code is not None:
                    break
                if deadline.expired():
                    raise StartupFailed("timeout", self, deadline.elapsed())
                self._cond.wait(min(deadline.remaining(), recheck) if settled else deadline.remaining())
                if settled is not None and self.exit_code is None:
                    stop = self._unlocked(settled)
                    listened = any(e.get("ev") == "listen" and "child" not in e for e in self.events)
                    if stop and not listened and self.exit_code is None and not self._ended_unreported():
                        # "ticking": only threads that wake and sleep again moved (``StartupStillness``).
                        reason = "ticking" if getattr(settled, "reason", None) == "ticking" else "blocked"
                        raise StartupFailed(reason, self, deadline.elapsed())
        # It exited: its last events (a crash report) may still be in the pipe.
        self.wait_output_done(1.0)
        with self._cond:
            listens = [e for e in self.events if e.get("ev") == "listen"]
            if listens:  # a server that daemonized itself: its child listens
                raise StartupFailed("daemonized", self, deadline.elapsed())
            reason = "crashed" if any(e.get("ev") == "crash" for e in self.events) else "exited"
        raise StartupFailed(reason, self, deadline.elapsed())

    def _unlocked(self, settled, nothing_pending=False):
        """``settled()`` (and, if asked, no output pending), with our lock released: our readers need it meanwhile."""
        self._cond.release()
        try:
            return settled() and not (nothing_pending and self.output_pending())
        finally:
            self._cond.acquire()

    def wait_exit(self, timeout, settled=None, recheck=0.02):
        """Wait until the main process exits; return its exit code or None.

        ``settled`` (optional) is asked every ``recheck`` seconds whether the
        program can still end by itself; once it says no (True), the wait
        ends at once: the deadline is only the bound for programs that never
        settle.
        """
        deadline = Deadline(timeout)
        with self._cond:
            while self.exit_code is None and not deadline.expired():
                self._cond.wait(min(deadline.remaining(), recheck) if settled else deadline.remaining())
                if settled is not None and self.exit_code is None:
                    stop = self._unlocked(settled)
                    if stop and self.exit_code is None and not self._ended_unreported():
                        break
            return self.exit_code

    def _ended_unreported(self):
        # Its threads look blocked for good because the process has ended (a
        # zombie): the exit is on its way to us (through the pod's init on a
        # loaded machine, that takes a while).  Wait for it, not for nothing.
        try:
            return read_proc(f"/proc/{self.proc.pid}/stat").rsplit(")", 1)[1].split()[0] in ("Z", "X")
        except (OSError, IndexError, AttributeError):
            return self.proc is not None

    def wait_read(self, peer_port, count, timeout, settled=None, recheck=0.02):
        """Wait until the program's code has read ``count`` bytes from ``peer_port``.

        The shim reports every recv(); a program that reads some other way
        (os.read on the fd...) is checked in the kernel's socket queue once
        the wait is over.  ``settled`` (optional), asked every ``recheck``
        seconds, ends the wait early when it says the program will not read
        any more (True).
        """
        deadline = Deadline(timeout)
        with self._cond:
            while self.read_from.get(peer_port, 0) < count:
                if self.exit_code is not None or deadline.expired():
                    break
                self._cond.wait(min(deadline.remaining(), recheck) if settled else deadline.remaining())
                if settled is not None and self.read_from.get(peer_port, 0) < count:
                    stop = self._unlocked(settled, nothing_pending=True)
                    if stop and self.read_from.get(peer_port, 0) < count:
                        break
            else:
                return True
        return False

    def group_pids(self):
        """The processes of the program's own process group: those a Ctrl-C in its terminal reaches."""
        return [pid for pid in self.tree_pids() if process_group(pid) == self.pid]

    def tasks(self):
        """(pid, tid) of every thread of the program and its descendants, as /proc names them (strings)."""
        for pid in self.tree_pids():
            try:
                tids = os.listdir(f"/proc/{pid}/task")
            except OSError:
                continue  # ended meanwhile
            for tid in tids:
                yield pid, tid

    def tree_pids(self):
        """The main process and its descendants, from /proc's children lists (cheap)."""
        if not self._main_running():
            return []
        found = descendants(self.proc.pid)
        self._remember(found)
        return found

    def wait_until(self, predicate, timeout, settled=None, recheck=0.02):
        """Wait until ``predicate(events)`` or the program exits; return the predicate's last value.

        ``settled`` (optional), asked every ``recheck`` seconds, ends the wait
        early when it says no such event can come any more (True), its
        events all read.
        """
        deadline = Deadline(timeout)
        with self._cond:
            while True:
                value = predicate(self.events)
                if value or self.exit_code is not None or deadline.expired():
                    return value
                self._cond.wait(min(deadline.remaining(), recheck) if settled else deadline.remaining())
                if settled is not None and not predicate(self.events) and self._unlocked(settled, nothing_pending=True):
                    return predicate(self.events)

    def wait_count(self, kind, count, timeout, settled=None, recheck=0.02):
        """Wait until more than ``count`` shim events of ``kind`` have come; False if not in time.

        ``settled`` (optional), asked every ``recheck`` seconds, ends the wait
        early when it says no such event can come any more (True).
        """
        deadline = Deadline(timeout)
        with self._cond:
            while sum(1 for e in self.events if e.get("ev") == kind) <= count:
                if self.exit_code is not None or deadline.expired():
                    return False
                self._cond.wait(min(deadline.remaining(), recheck) if settled else deadline.remaining())
                if settled is not None and sum(1 for e in self.events if e.get("ev") == kind) <= count:
                    stop = self._unlocked(settled, nothing_pending=True)
                    if stop and sum(1 for e in self.events if e.get("ev") == kind) <= count:
                        return False
            return True

    def processes(self):
        """The program's live processes: its main process and every descendant."""
        if not self._main_running():
            return []
        try:
            main = psutil.Process(self.proc.pid)
            found = [main] + main.children(recursive=True)
        except psutil.Error:
            found = []
        self._remember(p.pid for p in found)
        return found

    def cpu_seconds(self):
        """User+system CPU time used so far by the program and its descendants."""
        total = 0.0
        for process in self.processes():
            try:
                times = process.cpu_times()
                total += times.user + times.system
            except psutil.Error:
                pass
        return total

    def busiest_thread(self, seconds, still=None):
        """Over the next ``seconds``: the largest share of samples in which one thread was busy.

        Busy: running, waiting for a core, or blocked writing to its stdout
        or stderr (``procfs.thread_busy``).  A thread in a busy loop is busy
        at every sample however loaded the machine is: on a busy machine it
        waits for a core more and runs less, and a loop that prints waits
        for the grader to take its output, but neither ever waits for
        anything else.  A thread blocked in recv() or accept() is never
        busy.  CPU seconds, unlike samples, depend on the load.  Returns
        (share, CPU seconds the program used).

        ``still`` (a ``settled`` callback, such as ``Stillness``) is asked
        at every sample: once it holds, no thread can be busy (each is
        blocked for good), and the window ends with None.  One window then
        answers both questions: a program still at once costs nothing, and
        a busy one is measured while it is watched, not in a second window.
        """
        machine = platform.machine()
        busy, samples, ended_still = {}, [0], [False]

        def sample():
            samples[0] += 1
            for pid, tid in self.tasks():
                if procfs.thread_busy(pid, tid, machine):
                    busy[(pid, tid)] = busy.get((pid, tid), 0) + 1
            if still is not None and still():
                ended_still[0] = True
                return True
            return not self.alive()  # else the window ends early only if the program does

        cpu_before = self.cpu_seconds()
        poll_until(sample, seconds)
        if ended_still[0]:
            return None
        share = max(busy.values(), default=0) / samples[0]
        return share, max(0.0, self.cpu_seconds() - cpu_before)

    def threads(self):
        """{thread id: (running or runnable, ns run so far, ns run or waiting for a core so far)}, with descendants."""
        found = {}
        for pid in self.tree_pids():
            try:
                for thread in os.listdir(f"/proc/{pid}/task"):
                    running = read_proc(f"/proc/{pid}/task/{thread}/stat").rsplit(")", 1)[1].split()[0] == "R"
                    ran, waited = (int(x) for x in read_proc(f"/proc/{pid}/task/{thread}/schedstat").split()[:2])
                    found[int(thread)] = (running, ran, ran + waited)
            except (OSError, ValueError, IndexError):
                pass
        return found

    def looping_on_eof(self):
        """The threads (ids as /proc names them here) the shim saw read a closed connection over and over.

        Each read ``shim.bootstrap.EOF_LOOP`` times in a row a connection
        that had ended, nothing read between: a loop calling recv() that
        returns b''.  The shim names a thread by its id in the program's
        pid namespace; the pod's ids are mapped to ours through NSpid.
        """
        loops = self.eof_loops
        if not loops:
            return frozenset()
        if not all(tid in self._eof_host_ids for tid in loops):
            found = {}
            for pid, thread in self.tasks():
                inner = procfs.innermost_id(pid, thread)
                if inner in loops:
                    found[inner] = int(thread)
            # Looked for once: a thread that already ended is not looked for at every sample.
            self._eof_host_ids.update({tid: found.get(tid) for tid in loops if tid not in self._eof_host_ids})
        return frozenset(host for host in (self._eof_host_ids[tid] for tid in loops) if host is not None)

    def shim_sleep(self, pid, tid):
        """Seconds left of the shim's time.sleep() that thread ``tid`` of ``pid`` sleeps in now; None if none.

        Only the threads of the program's main process: a forked child's
        memory is its own (the shim never announces its threads).
        """
        found = self._slots(pid, tid)
        return None if found is None else procfs.shim_sleep_left(pid, tid, platform.machine(), *found)

    def wakes(self, pid, tid):
        """How often thread ``tid`` of ``pid`` has woken from a sleep: the shim's count if it sleeps in the shim's.

        The kernel's count (``procfs.thread_wakes``) for the others: it
        also counts a thread's waits for the GIL, so two threads woken
        together can add two to it for one wake.
        """
        found = self._slots(pid, tid)
        ended = None if found is None else procfs.shim_sleeps_ended(pid, found[0])
        return ended if ended is not None else procfs.thread_wakes(pid, tid)

    def _slots(self, pid, tid):
        slots = self.sleep_slots
        if not slots or str(pid) != str(self.proc.pid):
            return None
        host = int(tid)
        if host not in self._slot_host_ids:
            inner = procfs.innermost_id(pid, tid)
            if inner not in slots:
                return None  # not announced yet (its event may be on its way): asked again next time
            self._slot_host_ids[host] = inner
        return slots[self._slot_host_ids[host]]

    def end_sleep(self, pid, tid):
        """End the shim's sleep (or wait with a timeout) of thread ``tid`` now, as if its time had passed.

        A sleep is ended by a signal to the thread, a select(), poll() or
        epoll() by a byte in the thread's pipe (see bootstrap's _install_warp).
        """
        if str(pid) != str(self.proc.pid) or not self._main_running():
            return False
        machine = platform.machine()
        kind = procfs.shim_wait_kind(pid, tid, machine)
        if kind == "sleep":
            return procfs.signal_thread(pid, tid, signal.SIGURG, machine)
        found = self._slots(pid, tid) if kind == "poll" else None
        try:
            pipe = int(procfs.read_doubles(pid, found[0] + 16, 1)[0]) if found is not None else 0
        except (OSError, ValueError, OverflowError, struct.error):
            pipe = 0
        return pipe > 0 and procfs.write_to_pipe(pid, pipe)

    def socket_queues_empty(self):
        """True when no TCP socket of the program's network has bytes queued (unread, or unsent)."""
        return all(c.rx_queue == 0 and c.tx_queue == 0 for c in procfs.connections(self.proc.pid))

    def bytes_in_flight(self, port, sent=None):
        """Bytes on their way over the connections of ``port`` in the program's network (see ``procfs.in_flight``).

        ``sent`` ({peer port: bytes it sent to this program}, optional): a
        peer whose every byte this program's code has read (the shim's
        count) has nothing on the way to it, acknowledged or not.
        """
        if not self._main_running():
            return 0  # its network may be gone, and its number another's
        with self._cond:
            delivered = {(peer, port) for peer, count in (sent or {}).items() if self.read_from.get(peer, 0) >= count}
        return procfs.in_flight(self.proc.pid, port, delivered)

    def accept_queue_full(self, port):
        """Whether the program's listening socket of ``port`` has a full accept queue (``procfs.accept_queue_full``)."""
        if not self._main_running():
            return False
        return procfs.accept_queue_full(self.proc.pid, port)

    def unread_bytes(self, server_port, client_port):
        """Bytes a connection's server side has not read yet (see ``grader.isolation.procfs``)."""
        if self.proc is None:
            return None
        return procfs.unread_bytes(self.proc.pid, server_port, client_port)

    def stacks(self, timeout=1.0):
        """Every thread's Python stack, dumped by the shim on SIGUSR1 ('' if unavailable)."""
        if not self.alive():
            return ""
        with self._cond:
            self._stacks.clear()
        if not self._main_running():
            return ""
        send_signal(self.proc.pid, self._known.get(self.proc.pid), signal.SIGUSR1)
        deadline = Deadline(timeout)
        with self._cond:
            while not self._stacks and not deadline.expired():
                self._cond.wait(deadline.remaining())
            # faulthandler writes the dump in several writes from its signal
            # handler; wait until no more arrives for a moment.
            size = -1
            while size != len(self._stacks) and not deadline.expired():
                size = len(self._stacks)
                self._cond.wait(min(0.05, deadline.remaining()))
            return bytes(self._stacks).decode("utf-8", "replace")

    # -------------------------------------------------------------- teardown
    def kill(self):
        """SIGKILL the whole process group now (a scenario step: 'the server dies')."""
        with self._cond:
            if self.stop_requested_at is None:
                self.stop_requested_at = time.monotonic()
        self.tree_pids()
        self._signal_all(signal.SIGKILL, sweep_token=False)

    def stop(self, grace=0.5):
        """SIGTERM, a short grace, then SIGKILL: for the group and every descendant seen."""
        if self.proc is None:
            return
        with self._cond:
            if self.stop_requested_at is None:
                self.stop_requested_at = time.monotonic()
        self.tree_pids()
        self._signal_all(signal.SIGTERM, sweep_token=False)
        self.wait_exit(grace)
        # One sweep for escapees (double-forked daemons) once the tree is down.
        if self._survivors(sweep_token=True):
            self._signal_all(signal.SIGKILL, sweep_token=True)
            self.wait_exit(2.0)
            poll_until(lambda: not self._survivors(sweep_token=True), 3.0)
        if self.proc.stdin:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
        for thread in self._threads:
            thread.join(timeout=1.0)
        with self._cond:
            handles, self._known = self._known, dict.fromkeys(self._known, ENDED)
        for handle in handles.values():
            close_handle(handle)

    def signal_group(self, sig):
        """``sig`` to the program's process group (what a terminal's Ctrl-C reaches), else to its main process."""
        if self.proc is None:
            return
        if not signal_group(self.proc.pid, self._known.get(self.proc.pid), sig):
            send_signal(self.proc.pid, self._known.get(self.proc.pid), sig)

    def _signal_all(self, sig, sweep_token):
        signal_group(self.proc.pid, self._known.get(self.proc.pid), sig)
        for pid, handle in list(self._known.items()):
            send_signal(pid, handle, sig)
        if sweep_token:
            for process in sweep(self.token, among=self.sweep_among):
                try:
                    process.send_signal(sig)  # psutil checks it is still the process it found
                except psutil.Error:
                    pass

    def _survivors(self, sweep_token):
        alive = [pid for pid, handle in list(self._known.items()) if handle_running(pid, handle)]
        if sweep_token:
            alive += [process.pid for process in sweep(self.token, among=self.sweep_among) if process.pid not in alive]
        return alive
