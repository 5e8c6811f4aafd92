"""The network checks' pure rules and members, without a grading (socketpairs, strings)."""

import socket
import threading
import time

from grader.labs.chat.network import Drain, decoration, flood_lines, framed_line
from grader.labs.chat.test_network import _student_traceback


def _tcp_pair():
    with socket.create_server(("127.0.0.1", 0)) as server:
        ours = socket.create_connection(server.getsockname())
        theirs, _addr = server.accept()
    return ours, theirs


class _Transcript:
    def __init__(self):
        self.events = []

    def add(self, who, kind, text=""):
        self.events.append((who, kind, text))


def test_decoration_is_what_surrounds_the_message():
    assert decoration("Alice: hello", "hello") == "Alice: \0"
    assert decoration("[12:01] Alice: hello", "hello") == "[0:0] Alice: \0"
    assert decoration("hello", "hello") == "\0"


def test_a_line_server_frames_each_line():
    shape = decoration("Alice: sample", "sample")
    stream = "Alice: first of two\nAlice: second of two\n"
    assert framed_line(stream, "first of two", shape)
    assert framed_line(stream, "second of two", shape)


def test_a_chunk_server_loses_the_second_line():
    shape = decoration("Alice: sample", "sample")
    stream = "Alice: first of two\nsecond of two\n"
    assert framed_line(stream, "first of two", shape)
    assert framed_line(stream, "second of two", shape) is None


def test_a_chunk_server_splits_a_line_in_pieces():
    shape = decoration("[Alice] sample", "sample")
    assert framed_line("[Alice] one line\n[Alice] sent in\n[Alice] three pieces\n",
                       "one line sent in three pieces", shape) is None


def test_a_bare_relay_passes_when_the_bytes_arrive_intact():
    assert framed_line("first of two\nsecond of two\n", "second of two", "\0")
    assert framed_line("one line sent in three pieces\n", "one line sent in three pieces", "\0")


def test_a_name_with_its_newline_kept_is_glued_back():
    shape = decoration("Alice: sample", "sample")
    assert framed_line("Alice\n: second of two\n", "second of two", shape, ["Alice"])


def test_flood_lines_are_distinct_lines_of_the_size_asked():
    data = flood_lines(10_000, width=100)
    lines = data.split(b"\n")[:-1]
    assert len(lines) == 100 and len(set(lines)) == 100 and len(data) == 10_000


def test_drain_counts_and_stops_waiting_when_quiet():
    ours, theirs = _tcp_pair()
    drain = Drain("Bob", ours, _Transcript())
    try:
        theirs.sendall(b"x" * 5000)
        assert drain.wait_received(5000, quiet=2.0, seconds=5.0)
        started = time.monotonic()
        assert not drain.wait_received(6000, quiet=0.2, seconds=5.0)  # nothing more comes
        assert time.monotonic() - started < 2.0
        assert drain.received_bytes == 5000 and drain.last_bytes.endswith(b"x")
    finally:
        drain.dispose()
        theirs.close()


def test_drain_ends_waiting_at_eof():
    ours, theirs = _tcp_pair()
    drain = Drain("Bob", ours, _Transcript())
    try:
        theirs.close()
        started = time.monotonic()
        assert not drain.wait_received(10, quiet=5.0, seconds=5.0)
        assert time.monotonic() - started < 2.0
    finally:
        drain.dispose()


def test_student_traceback_keeps_only_the_students_frames(tmp_path):
    root = tmp_path / "run1"
    root.mkdir()
    stderr = (
        "Traceback (most recent call last):\n"
        '  File "/opt/kit/grader/isolation/shim/bootstrap.py", line 390, in main\n'
        "    _run_as_main(script)\n"
        f'  File "{root}/server.py", line 40, in <module>\n'
        "    conn, addr = server.accept()\n"
        '  File "/usr/lib/python3.12/socket.py", line 295, in accept\n'
        "    fd, addr = self._accept()\n"
        "KeyboardInterrupt\n")
    shown = _student_traceback(stderr, root)
    assert 'File "server.py", line 40' in shown and "server.accept()" in shown
    assert "bootstrap.py" not in shown and "socket.py" not in shown and "_accept" not in shown
    assert shown.splitlines()[0].startswith("Traceback") and shown.splitlines()[-1] == "KeyboardInterrupt"


def _relay_dropping(source, target, counts):
    """A server that sends without blocking: what does not fit ``target``'s buffers is dropped (selectors_loop)."""
    target.setblocking(False)
    while True:
        chunk = source.recv(4096)
        if not chunk:
            return
        try:
            sent = target.send(chunk)
        except BlockingIOError:
            sent = 0
        counts["dropped"] += len(chunk) - sent


def _flood_past_a_stalled_listener(paced):
    """Flood 4 MB through a dropping relay while the listener's drain is held up 0.3 s; (dropped, received, sent)."""
    from grader.labs.chat.network import Flooder

    flood_ours, flood_theirs = _tcp_pair()
    bob_ours, bob_theirs = _tcp_pair()
    counts = {"dropped": 0}
    relay = threading.Thread(target=_relay_dropping, args=(flood_theirs, bob_theirs, counts), daemon=True)
    relay.start()
    bob = Drain("Bob", bob_ours, _Transcript())
    flood = Flooder("Flood", flood_ours, _Transcript())
    data = flood_lines(4 * 1024 * 1024)
    try:
        with bob._cond:  # the drain's thread cannot count what it reads: a robot starved on a loaded machine
            flood.start(data, 10.0, listener=bob if paced else None)
            time.sleep(0.3)  # the stall being modelled, not a wait for something
        bob.wait_received(len(data), quiet=1.0, seconds=10.0)  # all of it, or 1 s with nothing more
        return counts["dropped"], bob.received_bytes, len(data)
    finally:
        for sock in (flood_ours, flood_theirs, bob_ours, bob_theirs):
            sock.close()


def test_an_unpaced_flood_outruns_a_stalled_listener_and_a_non_blocking_server_drops_part_of_it():
    dropped, received, sent = _flood_past_a_stalled_listener(paced=False)
    assert dropped > 0 and received == sent - dropped  # the flip seen under load: slow_reader failed


def test_a_flood_paced_by_its_listener_loses_nothing_however_late_the_listener_reads():
    dropped, received, sent = _flood_past_a_stalled_listener(paced=True)
    assert (dropped, received) == (0, sent)


def _relay(source, target):
    """A server that relays as it should: every byte, blocking while the target's buffers are full."""
    try:
        while chunk := source.recv(4096):
            target.sendall(chunk)
    except OSError:
        pass  # the test closed the sockets


def test_a_flood_whose_thread_is_starved_after_its_listener_caught_up_is_not_stalled(monkeypatch):
    # The flip seen under load (traceback_on_ctrl_c, server.slow_reader "nothing more could arrive"):
    # the flood's thread, woken once Bob had caught up, had not run yet; the relay was idle, Bob's
    # socket empty, the flood's count unchanged, and its "waiting for the listener" flag still set.
    from grader.drive.wait import poll_until
    from grader.labs.chat.network import Flooder

    flood_ours, flood_theirs = _tcp_pair()
    bob_ours, bob_theirs = _tcp_pair()
    threading.Thread(target=_relay, args=(flood_theirs, bob_theirs), daemon=True).start()
    bob = Drain("Bob", bob_ours, _Transcript())
    flood = Flooder("Flood", flood_ours, _Transcript())
    starved, resume = threading.Event(), threading.Event()
    real = bob.caught_up

    def caught_up_then_starved(start, behind, deadline, *rest):
        arrived = real(start, behind, deadline, *rest)
        if not arrived and not starved.is_set():  # it waited for Bob: let all it sent reach Bob, then hold it
            poll_until(lambda: bob.received_bytes - start == flood.sent_bytes and bob.pending() == 0, 5.0)
            starved.set()
            resume.wait(10.0)
        return arrived

    monkeypatch.setattr(bob, "caught_up", caught_up_then_starved)
    data = flood_lines(4 * 1024 * 1024)
    try:
        flood.start(data, 10.0, listener=bob)
        assert starved.wait(10.0)
        flood.stalled()  # asked twice in a row, as a settled wait does: nothing moved in between
        assert not flood.stalled()
        resume.set()
        assert bob.wait_received(len(data), quiet=2.0, seconds=10.0)
    finally:
        resume.set()
        for sock in (flood_ours, flood_theirs, bob_ours, bob_theirs):
            sock.close()


def test_bytes_the_drain_took_but_has_not_counted_are_still_pending():
    # The drain's thread has taken them from the socket (its queue is empty) but cannot count them
    # yet, as when it is starved on a loaded machine: a wait must not take Bob's socket for drained.
    import fcntl
    import struct
    import termios

    from grader.drive.wait import poll_until

    ours, theirs = _tcp_pair()
    bob = Drain("Bob", ours, _Transcript())
    try:
        with bob._cond:
            theirs.sendall(b"x" * 1000)
            queue = lambda: struct.unpack("i", fcntl.ioctl(ours.fileno(), termios.FIONREAD, b"\0\0\0\0"))[0]  # noqa: E731
            assert poll_until(lambda: queue() == 0, 5.0)  # taken by the drain's recv()
            assert bob.pending() == 1000
        assert bob.wait_received(1000, quiet=1.0, seconds=5.0)
        assert bob.pending() == 0
    finally:
        ours.close()
        theirs.close()
