"""Leave nothing running: adopt what a killed grading's programs left behind, and end it.

When a grading is stopped with SIGKILL (it ignored SIGINT for too long),
its student programs, which run in process groups of their own, lose their
parent.  Linux re-parents orphans to the nearest "child subreaper"; the
batch makes itself one, so they become its children instead of init's,
and it kills them once no grading is running.  Where prctl is missing
(not Linux) this does nothing and the worker's own sweep is all there is.
"""

import ctypes
import os

import psutil

PR_SET_CHILD_SUBREAPER = 36


def become_subreaper():
    """Make this process adopt its descendants' orphans; True if it worked."""
    try:
        return ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def kill_orphans():
    """Kill and reap this process's children: call only when no grading is running (they are all leftovers)."""
    for child in psutil.Process().children():
        try:
            child.kill()
        except psutil.Error:
            pass
        try:  # reap by pid: os.waitpid(-1) could take a status some subprocess.Popen still waits for
            os.waitpid(child.pid, 0)
        except ChildProcessError:
            pass
