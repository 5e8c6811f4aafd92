"""One ``grader check`` subprocess, in a process group of its own, with a wall-time budget.

Running the very command a student runs makes a verdict in a batch the
same as ``grader check`` on the same submission, and keeps each grading's
pytest sessions, pods and crashes apart from the batch and its neighbours.

Stopping follows ``grader check``'s own Ctrl-C path: SIGINT to the group
(the grader tears its programs down and exits), and only if that takes too
long, SIGKILL to the group and to every descendant seen, since the student's
programs live in process groups of their own.
"""

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

import grader
from grader.isolation.processes import ENDED, handle_reaped, signal_group

POLL_S = 0.1     # how often a running grading looks at its deadline and at the stop request
GRACE_S = 15.0   # SIGINT to SIGKILL: grader check's interrupt path waits up to 15 s for a part
TAIL_BYTES = 4096


@dataclass(frozen=True)
class Finished:
    """How one ``grader check`` ended."""

    code: int | None        # its exit code; None when it was stopped
    timed_out: bool
    interrupted: bool
    duration_s: float
    stderr: str             # the end of what it wrote on stderr


def check_command(target, out_dir, json_file, *, lang=None, isolation="auto", lab=None, one_session=False):
    """The ``grader check`` command line for one submission."""
    command = [sys.executable, "-m", "grader", "check", str(target), "--json", str(json_file),
               "--out", str(out_dir), "--plain", "--isolation", isolation]
    if one_session:
        command.append("--one-session")
    if lang:
        command += ["--lang", lang]
    if lab:
        command += ["--lab", str(lab)]
    return command


def environment():
    """The environment of a grading: the batch's, such that it imports this very grader, installed or not."""
    env = dict(os.environ)
    package_root = str(Path(grader.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH", "")) if p)
    return env


def run(command, cwd, budget_s, stop, hurry, zygote=None):
    """Run ``command`` until it ends, its budget is spent, or ``stop`` is set; return Finished.

    ``stop`` and ``hurry`` are threading.Events: ``stop`` ends the grading
    the polite way, ``hurry`` (a second Ctrl-C) skips the grace period.
    ``zygote`` (a ``zygote.Zygote``): fork ``python -m grader ...`` from it,
    warm, instead of starting a new interpreter (the same command either way).
    """
    cwd = Path(cwd)
    started = time.monotonic()
    deadline = started + budget_s
    process = None
    if zygote is not None and command[:3] == [sys.executable, "-m", "grader"]:
        process = zygote.spawn(command[3:], cwd, environment(), cwd / "check.stdout", cwd / "check.stderr")
    if process is None:
        with open(cwd / "check.stdout", "wb") as out, open(cwd / "check.stderr", "wb") as err:
            process = subprocess.Popen(command, cwd=cwd, env=environment(), stdin=subprocess.DEVNULL, stdout=out,
                                       stderr=err, start_new_session=True)
    timed_out = interrupted = False
    try:
        while True:
            try:
                process.wait(timeout=POLL_S)
                break
            except subprocess.TimeoutExpired:
                pass
            if stop.is_set() or time.monotonic() > deadline:
                interrupted, timed_out = stop.is_set(), not stop.is_set()
                terminate(process, hurry)
                break
    except BaseException:  # whatever stops this thread must not leave the grading running
        terminate(process, hurry)
        raise
    finally:
        if hasattr(process, "close"):  # a Forked grading's pidfd
            process.close()
    code = None if (timed_out or interrupted) else process.returncode
    return Finished(code, timed_out, interrupted, time.monotonic() - started, _tail(cwd / "check.stderr"))


def terminate(process, hurry=None, grace_s=GRACE_S):
    """SIGINT the group, wait up to ``grace_s`` (less once ``hurry`` is set), then SIGKILL everything seen.

    The group and the tree are reached by the grading's number only while
    that number is still the grading's (``processes.signal_group``): once
    the grading is reaped, another process may get it, and its group is not ours.
    """
    if process.poll() is not None:
        return
    seen = _tree(process)
    _signal_group(process, signal.SIGINT)
    end = time.monotonic() + grace_s
    while time.monotonic() < end and not (hurry is not None and hurry.is_set()):
        try:
            process.wait(timeout=POLL_S)
            break
        except subprocess.TimeoutExpired:
            seen |= _tree(process)
    seen |= _tree(process)
    _signal_group(process, signal.SIGKILL)
    for child in seen:
        try:
            child.kill()  # psutil checks it is still the process it saw
        except psutil.Error:
            pass
    process.wait()


def _handle(process):
    # A Popen that has a return code was reaped by it; a Forked grading carries the zygote's pidfd.
    if getattr(process, "handle", None) is not None:
        return process.handle
    return ENDED if process.returncode is not None else None


def _tree(process):
    # By parentage, not by group: the student's programs run in groups (or namespaces) of their own.
    if handle_reaped(process.pid, _handle(process)):
        return set()
    try:
        return set(psutil.Process(process.pid).children(recursive=True))
    except psutil.Error:
        return set()


def _signal_group(process, sig):
    signal_group(process.pid, _handle(process), sig)


def _tail(path):
    try:
        with open(path, "rb") as f:
            f.seek(max(0, f.seek(0, 2) - TAIL_BYTES))
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""
