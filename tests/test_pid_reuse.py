"""A program that has ended is never signalled by its old number: that number may be a stranger's now.

Pids are reused (pid_max is 32768 here, and the suite goes through it
several times), so stopping a program whose process ended a while ago, by
its pid or its group's, reached whatever process had the number since: in
the suite, another grading's server died with -9 in the middle of its
check.  Each test gives a stranger the ended program's very pid (through
``ns_last_pid``, root only), then stops, kills and interrupts the program.
"""

import os
import signal
import subprocess
import sys

import pytest

from grader.isolation.namespace import NamespacePod, available_tool
from grader.isolation.process_group import ProcessPod

LAST_PID = "/proc/sys/kernel/ns_last_pid"
pytestmark = pytest.mark.skipif(not os.access(LAST_PID, os.W_OK), reason="needs root: sets the next pid")


def stranger_with_pid(pid, tries=50):
    """A process of no program (a session of its own, as a pod's program has) with exactly ``pid``, or None."""
    for _ in range(tries):  # another process on the machine may take the number first: try again
        with open(LAST_PID, "w") as f:
            f.write(str(pid - 1))
        process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True)
        if process.pid == pid:
            return process
        process.kill()
        process.wait()
    return None


def pods(tmp_path):
    yield "process-group", ProcessPod({"cpu_seconds": 10})
    if available_tool():
        yield "namespaces", NamespacePod({"cpu_seconds": 10}, tmp_path, available_tool())


@pytest.mark.parametrize("kind", ["process-group", "namespaces"])
def test_a_program_that_ended_never_signals_the_process_that_took_its_pid(tmp_path, kind):
    made = dict(pods(tmp_path))
    if kind not in made:
        pytest.skip("no namespaces on this machine")
    pod = made.pop(kind)
    for other in made.values():
        other.close()
    root = tmp_path / "submission"
    root.mkdir()
    (root / "quits.py").write_text("raise SystemExit(0)\n", encoding="utf-8")
    stranger = None
    try:
        program = pod.start(root / "quits.py", role="client", root=root)
        assert program.wait_exit(20) == 0 and program.wait_output_done(10)
        stranger = stranger_with_pid(program.pid)
        if stranger is None:
            pytest.skip("the machine kept taking the pid first")
        program.signal_group(signal.SIGINT)
        program.kill()
        program.stop()
        assert stranger.poll() is None, f"the stranger was killed: {stranger.returncode}"
        assert program.tree_pids() == []  # not the stranger's tree either
    finally:
        pod.close()
        if stranger is not None:
            stranger.kill()
            stranger.wait()


@pytest.mark.parametrize("forked", [False, True], ids=["subprocess", "zygote"])
def test_a_batch_never_signals_the_group_of_a_grading_reaped_before_it_was_stopped(tmp_path, forked):
    # The grading ended and was reaped (by the batch, or by the zygote before it reported the end);
    # the stop that follows must not reach the process, or the group, that has its number since.
    from grader.batch import worker
    from grader.batch.zygote import Zygote

    zygote = Zygote(worker.environment()) if forked else None
    stranger = None
    try:
        if forked:
            grading = zygote.spawn(["--version"], tmp_path, worker.environment(), tmp_path / "o", tmp_path / "e")
            assert grading is not None and grading.handle is not None
            assert zygote._wait(grading.pid, 60) == 0  # reaped by the zygote; the batch has not polled it
        else:
            grading = subprocess.Popen([sys.executable, "-c", "pass"], start_new_session=True)
            assert grading.wait(60) == 0
        stranger = stranger_with_pid(grading.pid)
        if stranger is None:
            pytest.skip("another process kept taking the number")
        worker._signal_group(grading, signal.SIGKILL)
        assert worker._tree(grading) == set()
        assert stranger.poll() is None, "the stranger was killed"
    finally:
        if stranger is not None:
            stranger.kill()
            stranger.wait()
        if zygote is not None:
            grading.close()
            zygote.close()
