"""Ctrl-C during a grading: exit 130 at once, every program torn down (checked by conftest)."""

import signal
import subprocess
import sys
import time

import psutil
import pytest

from conftest import ROOT, SUBMISSIONS
from grader.drive.wait import poll_until

pytestmark = pytest.mark.slow  # every test here grades end to end


@pytest.mark.parametrize("after", [0.3, 1.5])
def test_interrupt_tears_everything_down(after, tmp_path):
    # A slow grading (a server that never settles: its waits end at their bounds), interrupted midway.
    process = subprocess.Popen([sys.executable, "-m", "grader", "check", SUBMISSIONS / "sleepy_join_notice", "--plain",
                                "--out", tmp_path], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               stdin=subprocess.DEVNULL, text=True)
    # Interrupt it in the middle: once it has started programs of its own (on a busy machine
    # the CLI's import alone can take longer than `after`), then `after` seconds into it.
    grader = psutil.Process(process.pid)
    assert poll_until(lambda: process.poll() is not None or grader.children(), 60), "the grading never started"
    time.sleep(after)
    process.send_signal(signal.SIGINT)
    _out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert err.strip().splitlines()[-1] == "grader: interrupted"
