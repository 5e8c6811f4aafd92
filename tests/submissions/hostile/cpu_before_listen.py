"""Hostile: burns a CPU core before it listens (stops by itself after 20 s)."""
import time

import chatcore

start = time.monotonic()
while time.monotonic() - start < 20:  # "warming up"
    pass
chatcore.run()
