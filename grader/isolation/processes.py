"""Processes of student programs: their environment, their start, and finding them again.

Every student program carries a token in its environment (``GRADER_POD``):
a double-forked daemon leaves its process group and is re-parented to init,
so neither killpg nor a walk of children finds it; it does keep the
environment it inherited.
"""

import itertools
import os
import select
import signal
import subprocess
import threading
import uuid

import psutil

from grader.isolation.procfs import read_proc

TOKEN_VAR = "GRADER_POD"


class Tokens:
    """A pod's token (``prefix``, for its last sweep) and a distinct one for each program it starts.

    A check's programs and the next check's server (a spare, started in a
    thread of its own) are started at once: numbered by ``len(programs)``,
    two of them could get one token, and stopping the first swept the other
    (a listening spare server killed by the end of the check before it).
    """

    def __init__(self):
        self.prefix = uuid.uuid4().hex
        self._numbers = itertools.count()
        self._lock = threading.Lock()

    def next(self):
        with self._lock:
            return f"{self.prefix}-{next(self._numbers)}"


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


# A process's handle (``open_handle``): a pidfd, or ENDED when the process
# had already gone, or None where the kernel has no pidfds (then the pid
# itself is all we have).  Pids are reused (pid_max is 32768 on many
# machines, and a grading uses ~500 pids a second, threads included), so a
# signal sent by number to a program that ended a while ago can reach a
# stranger: another grading's server, killed with -9 in the middle of its
# check.  A pidfd always means the process it was opened for.
ENDED = -1


def open_handle(pid):
    """A handle for ``pid``, opened while it is known to be the process we mean (see ENDED)."""
    try:
        return os.pidfd_open(pid)
    except ProcessLookupError:
        return ENDED
    except (OSError, AttributeError):  # no pidfd_open (Linux < 5.3, other systems)
        return None


def close_handle(handle):
    if handle is not None and handle != ENDED:
        try:
            os.close(handle)
        except OSError:
            pass


def handle_running(pid, handle):
    """True if the process of ``handle`` has not exited (a zombie has); ``is_running(pid)`` without a pidfd."""
    if handle is None:
        return is_running(pid)
    if handle == ENDED:
        return False
    return not select.select([handle], [], [], 0)[0]  # a pidfd is readable once its process has exited


def handle_reaped(pid, handle):
    """True if the process is gone for good (its number free for another): not even a zombie."""
    if handle is None:
        return not os.path.exists(f"/proc/{pid}")
    if handle == ENDED:
        return True
    try:
        signal.pidfd_send_signal(handle, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


def send_signal(pid, handle, sig):
    """Signal the process of ``handle`` (``pid`` by number only where there are no pidfds)."""
    try:
        if handle is None:
            os.kill(pid, sig)
        elif handle != ENDED:
            signal.pidfd_send_signal(handle, sig)
    except OSError:  # it has ended, or is not ours to signal
        pass


def signal_group(leader, handle, sig):
    """killpg(``leader``) while the group is still the one ``leader`` led; False if it cannot be.

    A group's number stays taken while any member lives, so it is still
    ours if the leader is not reaped, or if no live process has its number
    (a member holds it).  A live process with that number, the leader
    reaped, is a stranger that got the number after the group had gone.
    """
    if handle_reaped(leader, handle) and os.path.exists(f"/proc/{leader}"):
        return False
    try:
        os.killpg(leader, sig)
    except (ProcessLookupError, PermissionError):
        return False
    return True


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
