"""Hostile: ignores SIGTERM (and SIGINT) while serving a working chat."""
import signal

import chatcore

signal.signal(signal.SIGTERM, signal.SIG_IGN)
signal.signal(signal.SIGINT, signal.SIG_IGN)
chatcore.run()
