"""Hostile: floods stdout (about 20 MB a second, for at most 30 s) while serving a working chat."""
import sys
import threading
import time

import chatcore


def flood():
    junk = "x" * 1023 + "\n"
    end = time.monotonic() + 30
    while time.monotonic() < end:
        sys.stdout.write(junk * 64)


threading.Thread(target=flood, daemon=True).start()
chatcore.run()
