"""Hostile: forks 40 children that linger (60 s each, bounded), then serves a working chat."""
import os
import time

import chatcore

for _ in range(40):
    if os.fork() == 0:
        time.sleep(60)
        os._exit(0)
chatcore.run()
