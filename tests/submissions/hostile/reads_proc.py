"""Hostile: reads PID 1's environment, the test's command line (the grader's parent), every command line in /proc."""
import os

import chatcore
from probe import PATHS, attempt, read


def command_lines():
    found = []
    for name in sorted(os.listdir("/proc"))[:400]:
        if name.isdigit():
            try:
                found.append(read(f"/proc/{name}/cmdline")[:120])
            except OSError:
                pass
    return found


attempt("environ", lambda: read("/proc/1/environ"))
attempt("test_cmdline", lambda: read(f"/proc/{PATHS['test_pid']}/cmdline"))
attempt("cmdlines", command_lines)
chatcore.run()
