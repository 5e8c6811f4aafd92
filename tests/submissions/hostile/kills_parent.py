"""Hostile: tries to kill its parent (only that: it must stay harmless should isolation be missing)."""
import os
import signal

import chatcore

for sig in (signal.SIGTERM, signal.SIGKILL):
    try:
        os.kill(os.getppid(), sig)
    except OSError:
        pass
chatcore.run()
