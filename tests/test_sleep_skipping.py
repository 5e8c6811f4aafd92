"""The shim's time.sleep(), which the grader may end early, on real programs (process isolation).

A sleep ended early moves the program's clocks on by what was skipped;
a poke that comes when no sleep is on changes nothing; the errors of
time.sleep() are Python's.
"""

import platform
import sys
import textwrap
import uuid

import pytest

from grader.drive.wait import poll_until
from grader.isolation.program import Program

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux") or platform.machine() not in ("x86_64", "aarch64"),
                                reason="sleeps are read from Linux's /proc")


def start(tmp_path, code):
    script = tmp_path / "server.py"
    script.write_text(textwrap.dedent(code), encoding="utf-8")
    return Program(script, role="client", root=tmp_path, token=f"sleep-{uuid.uuid4().hex}", limits={}).start()


def printed(program, lines=1):
    assert poll_until(lambda: program.stdout.text().count("\n") >= lines, 10), program.stderr.text()
    return program.stdout.text().split()


def test_a_sleep_ended_early_moves_the_programs_clocks_on(tmp_path):
    program = start(tmp_path, """
        import time
        t0, w0, p0 = time.monotonic(), time.time(), time.perf_counter_ns()
        time.sleep(30)
        print(f"{time.monotonic() - t0:.3f} {time.time() - w0:.3f} {(time.perf_counter_ns() - p0) / 1e9:.3f}")
        input()
    """)
    try:
        main = (str(program.proc.pid), str(program.proc.pid))
        assert poll_until(lambda: program.shim_sleep(*main) is not None, 10), program.stderr.text()
        assert 25 < program.shim_sleep(*main) <= 30
        assert program.end_sleep(*main)
        seen = [float(value) for value in printed(program)]
        assert all(value >= 29.9 for value in seen), seen  # as if the 30 s had passed
        assert program.shim_sleep(*main) is None  # awake, in input()
    finally:
        program.stop()


def test_a_poke_when_no_sleep_is_on_changes_nothing(tmp_path):
    program = start(tmp_path, """
        import signal, threading, time
        signal.pthread_kill(threading.main_thread().ident, signal.SIGURG)  # a poke that comes late
        t0 = time.monotonic()
        time.sleep(0.2)
        print(f"{time.monotonic() - t0:.3f}")
    """)
    try:
        assert float(printed(program)[0]) >= 0.2
    finally:
        program.stop()


def test_bad_sleeps_fail_as_pythons_do(tmp_path):
    program = start(tmp_path, """
        import time
        for value in (-1, "1", float("nan")):
            try:
                time.sleep(value)
            except Exception as error:
                print(type(error).__name__)
        time.sleep(0)
        time.sleep(0.001)
        print("done")
    """)
    try:
        assert printed(program, 4) == ["ValueError", "TypeError", "ValueError", "done"]
    finally:
        program.stop()


def test_a_crash_in_a_sleep_shows_the_students_frames_only(tmp_path):
    program = start(tmp_path, """
        import time

        def pause():
            time.sleep(-1)

        pause()
    """)
    try:
        assert program.wait_exit(10) == 1
        assert program.wait_output_done(10)  # the traceback read to its end (a loaded machine's reader lags)
        text = program.stderr.text()
        assert "time.sleep(-1)" in text and "ValueError: sleep length must be non-negative" in text
        assert "bootstrap" not in text, text  # the shim's sleep is no frame of theirs
    finally:
        program.stop()


# The waits of a poll loop: each one waits 30 s for a pipe of the program's own with nothing in it;
# the grader ends it as it ends a sleep, and it returns what a timeout returns, with the clocks moved
# on.  Then the program writes into its pipe: the same wait returns it at once, as Python's does.
POLL_LOOPS = {
    "select": "select.select([r], [], [], 30)",
    "poll": "(lambda p: (p.register(r, select.POLLIN), p.poll(30000))[1])(select.poll())",
    "epoll": "(lambda p: (p.register(r, select.EPOLLIN), p.poll(30, 1))[1])(select.epoll())",
    "selectors": "(lambda s: (s.register(r, 1), s.select(30))[1])(selectors.DefaultSelector())",
    "socketserver": "(lambda s: (s.register(r, 1), s.select(30))[1])(selectors.PollSelector())",
}


@pytest.mark.parametrize("kind", sorted(POLL_LOOPS))
def test_a_wait_with_a_timeout_ended_early_returns_as_a_timeout_and_moves_the_clocks_on(tmp_path, kind):
    program = start(tmp_path, f"""
        import os, select, selectors, threading, time
        r, w = os.pipe()

        def loop():
            t0 = time.monotonic()
            got = {POLL_LOOPS[kind]}
            print(repr(got).replace(" ", ""), f"{{time.monotonic() - t0:.3f}}", flush=True)
            os.write(w, b"x")
            t0 = time.monotonic()
            got = {POLL_LOOPS[kind]}  # its pipe has a byte: ready, at once
            ready = got[0] if isinstance(got, tuple) else got
            print(len(ready), f"{{time.monotonic() - t0:.3f}}", flush=True)

        worker = threading.Thread(target=loop)
        worker.start()
        worker.join()
        input()  # and stays until stopped
    """)
    try:
        found = []

        def waiting():
            found[:] = [(pid, tid) for pid, tid in program.tasks() if tid != pid and program.shim_sleep(pid, tid)]
            return bool(found)

        assert poll_until(waiting, 10), program.stderr.text()
        assert 25 < program.shim_sleep(*found[0]) <= 30
        assert program.end_sleep(*found[0])
        got, seconds, ready, took = printed(program, 2)[:4]
        assert got in ("([],[],[])", "[]"), got  # what a timeout returns, without the grader's pipe
        assert float(seconds) >= 29.9  # as if the 30 s had passed
        assert ready == "1" and float(took) < 20, (ready, took)  # data ready: returned as Python returns it
    finally:
        program.stop()


def test_a_program_that_closes_the_shims_pipe_gets_a_new_one_and_its_files_are_never_written(tmp_path):
    # A program that closes descriptors it did not open (a daemon's closerange) may reuse the
    # numbers of the shim's pipe for its own files: the shim makes a new pipe, and the grader
    # writes only into a pipe.
    program = start(tmp_path, """
        import fcntl, os, select, stat, threading, time

        def loop():
            select.select([], [], [], 0.01)  # the thread's pipe is made
            for fd in range(3, 256):
                try:
                    if stat.S_ISFIFO(os.fstat(fd).st_mode) and fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_NONBLOCK:
                        os.close(fd)  # the shim's pipe (its event channel blocks)
                except OSError:
                    pass
            files = [open(f"file{n}", "w") for n in range(2)]  # the freed numbers, now files
            t0 = time.monotonic()
            got = select.select([], [], [], 30)
            print(got, f"{time.monotonic() - t0:.3f}", flush=True)
            for f in files:
                f.close()
            input()

        threading.Thread(target=loop).start()
    """)
    try:
        found = []

        def waiting():
            found[:] = [(pid, tid) for pid, tid in program.tasks() if tid != pid and program.shim_sleep(pid, tid)]
            return bool(found) and program.shim_sleep(*found[0]) > 20

        assert poll_until(waiting, 10), program.stderr.text()
        assert program.end_sleep(*found[0])
        assert poll_until(lambda: program.stdout.text().count("\n") >= 1, 10), program.stderr.text()
        assert float(program.stdout.text().split()[-1]) >= 29.9
        assert all((tmp_path / f"file{n}").read_bytes() == b"" for n in range(2))
    finally:
        program.stop()
