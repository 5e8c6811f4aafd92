"""Ctrl-C during a grading: exit 130 at once, every program torn down (checked by conftest)."""

import shutil
import signal
import subprocess
import sys
import time

import psutil
import pytest

from conftest import ROOT, SUBMISSIONS
from grader.drive.wait import poll_until

HOSTILE = SUBMISSIONS / "hostile"

pytestmark = pytest.mark.slow  # every test here grades end to end


@pytest.mark.parametrize("after", [0.3, 1.5])
def test_interrupt_tears_everything_down(after, tmp_path):
    # A grading slow by construction, interrupted midway: a server that burns a core for 20 s
    # before it listens, so every check waits out the startup bound (seconds).  A server that
    # only sleeps is no longer slow: its sleeps are ended early (sleepy_join_notice, once 9 s,
    # graded in 1.3 s and had ended before a Ctrl-C 1.5 s into it).
    server = tmp_path / "submission"
    server.mkdir()
    shutil.copyfile(HOSTILE / "cpu_before_listen.py", server / "server.py")
    shutil.copyfile(HOSTILE / "chatcore.py", server / "chatcore.py")
    process = subprocess.Popen([sys.executable, "-m", "grader", "check", server, "--plain", "--out", tmp_path / "out"],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                               text=True)
    # Interrupt it in the middle: once it has started programs of its own (on a busy machine
    # the CLI's import alone can take longer than `after`), then `after` seconds into it.
    grader = psutil.Process(process.pid)
    assert poll_until(lambda: process.poll() is not None or grader.children(), 60), "the grading never started"
    time.sleep(after)
    process.send_signal(signal.SIGINT)
    _out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert err.strip().splitlines()[-1] == "grader: interrupted"
