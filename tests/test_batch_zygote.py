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


@pytest.mark.slow
def test_a_forked_grading_over_its_budget_is_stopped_with_everything_it_started(zygote, tmp_path):
    command = [sys.executable, "-m", "grader", "check", str(SUBMISSIONS / "sleepy_join_notice"), "--plain",
               "--one-session", "--out", str(tmp_path / "report")]
    seen = []

    def watch():  # what the grading started, while it runs (its pods, the student's programs)
        for process in psutil.Process(zygote.process.pid).children(recursive=True):
            seen.append(process)

    timer = threading.Timer(1.0, watch)  # a sample of its tree, not a wait for anything
    timer.start()
    finished = worker.run(command, tmp_path, 2.0, threading.Event(), threading.Event(), zygote)
    timer.join()
    assert finished.timed_out and finished.code is None
    assert seen, "the grading started nothing"
    assert not [p for p in seen if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
