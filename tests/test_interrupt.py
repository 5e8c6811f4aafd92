"""Ctrl-C during a grading: exit 130 at once, every program torn down (checked by conftest)."""

import signal
import subprocess
import sys
import time

import pytest

from conftest import ROOT, SUBMISSIONS

pytestmark = pytest.mark.slow  # every test here grades end to end


@pytest.mark.parametrize("after", [0.8, 2.0])
def test_interrupt_tears_everything_down(after, tmp_path):
    # A slow grading (the leave checks wait out their deadlines), interrupted midway.
    process = subprocess.Popen([sys.executable, "-m", "grader", "check", SUBMISSIONS / "no_leave_notice", "--plain",
                                "--out", tmp_path], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               stdin=subprocess.DEVNULL, text=True)
    time.sleep(after)  # let it get going: the point is to interrupt it in the middle
    process.send_signal(signal.SIGINT)
    _out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert err.strip().splitlines()[-1] == "grader: interrupted"
