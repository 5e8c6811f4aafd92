"""Processes of student programs: their environment, their start, and finding them again.

Every student program carries a token in its environment (``GRADER_POD``):
a double-forked daemon leaves its process group and is re-parented to init,
so neither killpg nor a walk of children finds it; it does keep the
environment it inherited.
"""

import os
import subprocess

import psutil

from grader.isolation.procfs import read_proc

TOKEN_VAR = "GRADER_POD"


def clean_environment(token, home):
    """The environment a student program sees: nothing of the grader's."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONUNBUFFERED": "1",
        "PYTHONUTF8": "1",
        "PYTHONIOENCODING": "utf-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        TOKEN_VAR: token,
    }


def launch_here(argv, *, env, cwd, stdin, fds):
    """Start a program on this machine, in a process group of its own (the fallback isolation)."""
    return subprocess.Popen(
        argv,
        cwd=cwd,
        env=env,
        stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        pass_fds=tuple(fds.values()),
        start_new_session=True,  # its own process group: one signal reaches all of it
    )


def sweep(token, prefix=False, among=None):
    """Live processes carrying the pod's token in their environment.

    A double-forked daemon leaves the process group and is re-parented to
    init, so neither killpg nor a walk of children finds it; it does keep the
    environment it inherited.  ``among`` (a callable returning pids) limits
    the search: in a pod every process descends from the pod's init, where
    a daemon is re-parented, so there is no need to read the environment of
    every process on the machine (a few hundred, at every program's end).
    """
    found = []
    me = os.getpid()
    candidates = psutil.process_iter() if among is None else _processes(among())
    for process in candidates:
        if process.pid == me:
            continue
        try:
            value = process.environ().get(TOKEN_VAR, "")
            mine = value.startswith(token + "-") if prefix else value == token
            if mine and process.status() != psutil.STATUS_ZOMBIE:
                found.append(process)
        except psutil.Error:
            continue
    return found


def _processes(pids):
    for pid in pids:
        try:
            yield psutil.Process(pid)
        except psutil.Error:
            continue


def descendants(root):
    """``root`` and every process below it, from /proc's children lists (one read per thread)."""
    found, queue = [], [root]
    while queue:
        pid = queue.pop()
        found.append(pid)
        try:
            for task in os.listdir(f"/proc/{pid}/task"):
                queue.extend(int(child) for child in read_proc(f"/proc/{pid}/task/{task}/children").split())
        except (OSError, ValueError):
            continue
    return found


def is_running(pid):
    """True if ``pid`` exists and is not a zombie (cheap: one read of /proc)."""
    try:
        return read_proc(f"/proc/{pid}/stat").rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return False


def process_group(pid):
    """The process group of ``pid`` (from /proc), or None if it has ended."""
    try:
        return int(read_proc(f"/proc/{pid}/stat").rsplit(")", 1)[1].split()[2])
    except (OSError, IndexError, ValueError):
        return None


def user_processes():
    uid = os.getuid()
    count = 0
    for process in psutil.process_iter(["uids"]):
        try:
            count += process.info["uids"].real == uid
        except (psutil.Error, AttributeError):
            pass
    return count
