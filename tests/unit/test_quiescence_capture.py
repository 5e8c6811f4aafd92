"""Quiescence on scripted thread states, and the capture's counts: no real program, no clock but a fake."""

import pytest

from grader.drive import quiescence
from grader.drive.quiescence import Quiescence, Spinning
from grader.isolation.capture import BoundedCapture, Pace

MS = 1_000_000  # nanoseconds


class FakeProgram:
    """``threads()`` replays one scripted sample per call: {tid: (running, ran ns, held ns)}."""

    def __init__(self, samples, looping=()):
        self.samples = list(samples)
        self.calls = 0
        self.looping = frozenset(looping)

    def alive(self):
        return True

    def looping_on_eof(self):
        return self.looping

    def threads(self):
        sample = self.samples[min(self.calls, len(self.samples) - 1)]
        self.calls += 1
        return sample


@pytest.fixture
def clock(monkeypatch):
    """Samples 5 ms apart, as poll_until takes them on an idle machine."""
    now = {"t": 100.0}

    def monotonic():
        now["t"] += 0.005
        return now["t"]

    monkeypatch.setattr(quiescence.time, "monotonic", monotonic)
    return now


def run(program, spinners, samples):
    q = Quiescence(program, spinners)
    for _ in range(samples):
        if q():
            return q.outcome
    return None


def test_a_thread_that_reacts_briefly_then_blocks_is_waited_for_then_idle(clock):
    # Thread 2 runs for 20 ms (a relay), then blocks in recv(); thread 1 sits in accept().
    samples = [{1: (False, 0, 0), 2: (True, n * MS, n * MS)} for n in range(4)]
    samples += [{1: (False, 0, 0), 2: (False, 4 * MS, 4 * MS)}] * 3
    spinners = set()
    assert run(FakeProgram(samples), spinners, 50) == "idle"
    assert spinners == set()


def test_a_thread_seen_looping_on_a_closed_connection_spins_at_its_second_busy_sample(clock):
    samples = [{1: (False, 0, 0), 2: (True, n * 5 * MS, n * 5 * MS)} for n in range(200)]
    program, spinners = FakeProgram(samples, looping={2}), set()
    q = Quiescence(program, spinners)
    assert not q()  # busy once: not yet
    assert q() and q.outcome == "spinning" and spinners == {2}
    assert program.calls == 2  # two samples, not a spin window's thirty


def test_a_thread_seen_looping_that_then_sleeps_between_samples_is_no_spinner(clock):
    # It read b'' over and over once, then sleeps between reads: busy at one sample in three.
    samples = [{1: (False, 0, 0), 2: (n % 3 == 0, (n // 3) * MS, (n // 3) * MS)} for n in range(30)]
    program, spinners = FakeProgram(samples, looping={2}), set()
    assert run(program, spinners, 30) == "idle"
    assert spinners == set()


def test_a_busy_loop_is_found_spinning(clock):
    samples = [{1: (False, 0, 0), 2: (True, n * 5 * MS, n * 5 * MS)} for n in range(200)]
    spinners = set()
    assert run(FakeProgram(samples), spinners, 200) == "spinning"
    assert spinners == {2}


def test_a_thread_seen_blocked_at_every_sample_but_running_in_between_is_busy_by_itself(clock):
    # A loop printing into a full pipe: asleep in write() at each sample, yet it ran a little
    # between every two samples (2% of a core).  Before, such a server was never idle.
    samples = [{1: (False, 0, 0), 2: (False, n * MS // 10, n * MS // 10)} for n in range(300)]
    spinners = set()
    assert run(FakeProgram(samples), spinners, 300) == "spinning"
    assert spinners == {2}


def test_a_thread_that_pauses_now_and_then_is_not_busy_by_itself(clock):
    # Works in bursts with pauses (a timer, a reaction per message): never flagged, idle once quiet.
    samples = []
    ran = 0
    for n in range(80):
        if n % 10 < 8:
            ran += MS // 10
        samples.append({2: (False, ran, ran)})
    samples += [{2: (False, ran, ran)}] * 3
    spinners = set()
    assert run(FakeProgram(samples), spinners, len(samples)) == "idle"
    assert spinners == set()


def test_empty_lines_are_counted_across_chunks_and_crlf():
    capture = BoundedCapture(limit=4096)
    for chunk in [b"hello\n", b"\n", b"\r\n\nx", b"\n\n", b"y\r\n\r\n"]:
        capture.feed(chunk)
    # hello / (empty) / (empty, CRLF) / (empty) / x / (empty) / y CRLF / (empty, CRLF)
    assert capture.empty_lines == 5
    assert capture.lines == 8


def test_a_flood_keeps_head_and_tail_and_counts_everything():
    capture = BoundedCapture(limit=4096)
    for n in range(1000):
        capture.feed(b"line %d\n" % n)
    assert capture.lines == 1000 and capture.truncated
    text = capture.text()
    assert text.startswith("line 0\n") and text.endswith("line 999\n") and "bytes not kept" in text


def test_a_flood_is_taken_at_a_pace_after_its_free_allowance():
    now = [100.0]
    pace = Pace(free=1000, rate=100, clock=lambda: now[0])
    assert pace.rest(600) == 0.0 and pace.rest(400) == 0.0  # within what passes at once
    assert pace.rest(100) == pytest.approx(1.0)  # 100 bytes over at 100 bytes a second
    now[0] += 1.0  # it rested
    assert pace.rest(50) == pytest.approx(0.5)
    now[0] += 10.0  # a pause of the program's own: the pace is an average, not owed again later
    assert pace.rest(200) == 0.0


def test_a_program_that_prints_little_is_never_paced():
    pace = Pace(clock=lambda: pytest.fail("the clock is read only after the free allowance"))
    assert all(pace.rest(4096) == 0.0 for _ in range(1000))


def test_a_settled_wait_still_sees_an_event_that_waits_in_the_pipe():
    # The flip it closes (two_connections' client.shows_incoming, seen in a fresh-clone run): the
    # client had asked for input and was blocked for good, but its "input" event still sat in the
    # pipe while the grader's reader thread waited for the GIL.  The wait took it as "never".
    import os
    import threading

    from grader.isolation.program import Program

    program = object.__new__(Program)
    program.proc, program.exit_code, program.events = None, None, []
    program._cond, program._in_hand, program._readers = threading.Condition(), {}, {}
    read_end, write_end = os.pipe()
    os.write(write_end, b"{'ev': 'input'}\n")
    program._event_pipe = read_end
    asked = threading.Semaphore(0)

    def reader():  # the late reader: it runs only once the wait has asked twice whether all is still
        asked.acquire()
        asked.acquire()
        os.read(read_end, 100)
        with program._cond:
            program.events.append({"ev": "input"})
            program._cond.notify_all()

    def settled():
        asked.release()
        return True  # both programs blocked for good

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    try:
        assert program.wait_count("input", 0, timeout=30, settled=settled, recheck=0.001)
    finally:
        thread.join(timeout=5)
        os.close(read_end)
        os.close(write_end)
    program._in_hand["stdout"] = True
    assert program.output_pending() == 1  # bytes read and not yet handed on count too


def test_spinning_is_found_after_idle_spells_and_never_in_a_program_that_only_waits(clock):
    # Idle first (a client that printed "server closed" and waits), then a thread spins for good:
    # the idle spells start the search again, and the busy loop is found.
    idle = [{1: (False, 0, 0)}] * 20
    busy = [{1: (True, n * 5 * MS, n * 5 * MS)} for n in range(200)]
    spinning = Spinning(FakeProgram(idle + busy))
    calls = next((n for n in range(220) if spinning()), None)
    assert spinning.found and calls is not None and calls >= 20
    # Blocked at every sample, nothing run: never a busy loop, however long it is watched.
    waiting = Spinning(FakeProgram(idle))
    assert not any(waiting() for _ in range(300)) and not waiting.found


def test_a_reader_counts_as_holding_nothing_only_while_it_sleeps_in_its_read():
    # Program.output_pending counts a reader that is not asleep in read() as holding bytes: its read()
    # may have returned what it has not stored yet (a thread waiting for the GIL on a loaded machine).
    import os
    import platform
    import threading

    from grader.drive.wait import poll_until
    from grader.isolation import procfs

    machine = platform.machine()
    if machine not in ("x86_64", "aarch64"):
        pytest.skip(f"no read() number for {machine}")
    r, w = os.pipe()
    ids, release = [], threading.Event()

    def reader():
        ids.append(threading.get_native_id())
        os.read(r, 10)
        release.wait(5)  # it has the byte and has not handed it on

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    try:
        assert poll_until(lambda: ids and procfs.reading(ids[0], r, machine), 5.0)
        assert not procfs.reading(ids[0], w, machine)  # asleep in a read of another fd
        os.write(w, b"x")
        assert poll_until(lambda: not procfs.reading(ids[0], r, machine), 5.0)
    finally:
        release.set()
        thread.join(5)
        os.close(r)
        os.close(w)


def test_a_reader_that_has_not_handed_on_its_first_chunk_is_still_counted():
    # The flip it closes (the reference server, as client hangs_on_eof's server, judged "never
    # listens" once in about a thousand gradings while its stack showed accept()): the events'
    # reader had read its first chunk, the listen event, and waited for the GIL before it had ever
    # marked itself as holding bytes.  With no entry of its own yet, it counted as holding nothing.
    import os
    import platform
    import threading

    from grader.drive.wait import poll_until
    from grader.isolation.program import Program

    if platform.machine() not in ("x86_64", "aarch64"):
        pytest.skip(f"no read() number for {platform.machine()}")
    program = object.__new__(Program)
    program.proc, program.exit_code, program.events = None, None, []
    program._cond, program._in_hand, program._readers = threading.Condition(), {}, {}
    read_end, write_end = os.pipe()
    program._event_pipe = None
    ids, release = [], threading.Event()

    def reader():  # registered as the events' reader; it took the chunk and has not said so yet
        ids.append(threading.get_native_id())
        program._readers["events"] = (ids[0], read_end)
        os.read(read_end, 100)
        release.wait(5)

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    try:
        assert poll_until(lambda: "events" in program._readers, 5.0)
        os.write(write_end, b"{'ev': 'listen'}\n")
        assert poll_until(lambda: not _fionread(read_end), 5.0)  # the pipe is empty: the reader has it
        assert "events" not in program._in_hand
        assert program.output_pending() >= 1
    finally:
        release.set()
        thread.join(5)
        os.close(read_end)
        os.close(write_end)


def _fionread(fd):
    import fcntl
    import struct
    import termios

    return struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0"))[0]
