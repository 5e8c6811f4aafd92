"""Hostile (a slow fork storm): three children that take 1.3 s to die after Ctrl-C, then print a traceback.

On a loaded machine the 40 children of fork_storm print their tracebacks
that late.  A grader that stops reading soon after the main process ends
misses them, and passes server.shutdown; these children make it certain.
"""
import os
import signal
import time

import chatcore


def _slow_to_die(signum, frame):
    time.sleep(1.3)  # cleaning up, slowly
    raise KeyboardInterrupt


for _ in range(3):
    if os.fork() == 0:
        signal.signal(signal.SIGINT, _slow_to_die)
        time.sleep(60)
        os._exit(0)
chatcore.run()
