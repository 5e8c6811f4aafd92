"""The batch's warm ``grader check`` (grader.batch.zygote): a forked grading is the command, stopped the same way."""

import subprocess
import sys
import threading

import psutil
import pytest

from conftest import SUBMISSIONS
from grader.batch import worker
from grader.batch.zygote import Zygote


@pytest.fixture
def zygote():
    started = Zygote(worker.environment())
    yield started
    started.close()


def test_a_forked_grading_says_and_returns_what_the_command_does(zygote, tmp_path):
    command = [sys.executable, "-m", "grader", "check", str(tmp_path / "missing"), "--plain"]
    alone = subprocess.run(command, cwd=tmp_path, env=worker.environment(), capture_output=True, text=True,
                           timeout=60)
    finished = worker.run(command, tmp_path, 60, threading.Event(), threading.Event(), zygote)
    assert finished.code == alone.returncode == 2  # bad input: its own exit code, one line
    assert finished.stderr == alone.stderr and finished.stderr.startswith("grader: ")
    assert (tmp_path / "check.stdout").read_text() == alone.stdout


def test_a_forked_grading_runs_in_a_session_of_its_own_and_reports_its_end(zygote, tmp_path):
    forked = zygote.spawn(["--version"], tmp_path, worker.environment(), tmp_path / "out", tmp_path / "err")
    assert forked is not None and forked.pid != zygote.process.pid
    assert forked.wait(timeout=60) == 0
    assert (tmp_path / "out").read_text().startswith("grader ")
    assert forked.poll() == 0


def _parent(process):
    # A short-lived process (a session's helper) can end between children() and this: no parent then.
    try:
        return process.ppid()
    except psutil.NoSuchProcess:
        return None


def _living(processes):
    return [p for p in processes if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]


@pytest.mark.slow
def test_a_forked_grading_stopped_by_the_batch_ends_with_everything_it_started(zygote, tmp_path):
    from grader.drive.wait import poll_until

    command = [sys.executable, "-m", "grader", "check", str(SUBMISSIONS / "sleepy_join_notice"), "--plain",
               "--one-session", "--out", str(tmp_path / "report")]
    stop, result = threading.Event(), []
    running = threading.Thread(target=lambda: result.append(
        worker.run(command, tmp_path, 120, stop, threading.Event(), zygote)))
    running.start()
    seen = []

    def started_programs():  # the grading's pods and the student's programs, once there are some
        seen[:] = [p for p in psutil.Process(zygote.process.pid).children(recursive=True)
                   if _parent(p) not in (zygote.process.pid, None)]
        return bool(seen)

    try:
        assert poll_until(started_programs, 60.0), "the grading started nothing"
    finally:
        stop.set()
        running.join(60)
    assert result and result[0].interrupted and result[0].code is None
    assert not _living(seen)


def test_a_forked_grading_over_its_budget_is_stopped(zygote, tmp_path):
    command = [sys.executable, "-m", "grader", "check", str(SUBMISSIONS / "sleepy_join_notice"), "--plain",
               "--one-session", "--out", str(tmp_path / "report")]
    finished = worker.run(command, tmp_path, 0.0, threading.Event(), threading.Event(), zygote)
    assert finished.timed_out and finished.code is None
    assert not _living(psutil.Process(zygote.process.pid).children(recursive=True))
