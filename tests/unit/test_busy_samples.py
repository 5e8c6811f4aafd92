"""busiest_thread: one window that ends at stillness, or measures a busy loop while it is watched.

Real processes (the samples read /proc), standing in for a student's server:
one blocked in a read of its stdin, one in a busy loop.
"""

import subprocess
import sys

import psutil
import pytest

from grader.isolation.program import Program


class Watched:
    """The three things busiest_thread asks of a Program, for a plain subprocess."""

    def __init__(self, process):
        self.process = process

    def tree_pids(self):
        return [self.process.pid]

    def alive(self):
        return self.process.poll() is None

    tasks = Program.tasks  # the walk over /proc it samples, on our tree_pids

    def cpu_seconds(self):
        times = psutil.Process(self.process.pid).cpu_times()
        return times.user + times.system


@pytest.fixture
def start():
    started = []

    def run(code):
        # It says "ready" once started: an interpreter's start-up is busy, and must not be sampled.
        process = subprocess.Popen([sys.executable, "-c", f"print('ready', flush=True)\n{code}"],
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        started.append(process)
        assert process.stdout.readline() == b"ready\n"
        return Watched(process)

    yield run
    for process in started:
        process.kill()
        process.wait()


def test_a_window_ends_with_none_once_the_program_is_still(start):
    blocked = start("import sys; sys.stdin.read()")
    asked = []

    def still():
        asked.append(True)
        return len(asked) >= 3  # the third sample finds it still

    assert Program.busiest_thread(blocked, 30, still=still) is None
    assert len(asked) == 3  # ended there, not at the window's end


def test_a_busy_loop_is_measured_in_the_same_window(start):
    spinning = start("while True: pass")
    share, used = Program.busiest_thread(spinning, 0.3, still=lambda: False)
    assert share > 0.5 and used > 0


def test_without_stillness_a_blocked_program_is_never_busy(start):
    blocked = start("import sys; sys.stdin.read()")
    share, _used = Program.busiest_thread(blocked, 0.1)
    assert share < 0.5


def test_the_shims_loop_reports_name_the_threads_as_proc_does(tmp_path):
    import os
    import threading

    program = Program(tmp_path / "server.py", role="server", root=tmp_path, token="t", limits={})
    read_end, write_end = os.pipe()
    me = threading.get_native_id()  # outside a pod, the program's ids are ours
    os.write(write_end, (f"{{'tid': {me}, 'where': 'server.py:9', 'ev': 'eof_loop'}}\n"
                         "{'tid': 424242, 'where': 'server.py:9', 'ev': 'eof_loop'}\n"
                         "{'tid': 424242, 'ev': 'eof_loop_end'}\n").encode())
    os.close(write_end)
    program._read_events(read_end)  # to the pipe's end, here: no thread
    assert program.eof_loops == {me: "server.py:9"}  # the second loop ended
    program.tree_pids = lambda: [os.getpid()]
    assert program.looping_on_eof() == {me}
