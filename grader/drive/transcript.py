"""The transcript of one check: every member's sends and receives, every program's output, timed."""

import threading
import time

from grader.i18n import lazy as _
from grader.model.results import Event


class Transcript:
    """Thread-safe list of events, timed from the start of a check."""

    def __init__(self, limit=2000):
        self.start = time.monotonic()
        self.events = []
        self.limit = limit
        self.dropped = 0
        self._lock = threading.Lock()

    def add(self, who, kind, text=""):
        with self._lock:
            now = round(time.monotonic() - self.start, 4)
            last = self.events[-1] if self.events else None
            # A program's output in many tiny writes (a loop printing empty
            # lines) reads better as one event than as hundreds.
            if (last is not None and kind in ("stdout", "stderr") and last.who == who and last.kind == kind
                    and now - last.t < 0.05 and len(last.text) + len(text) <= 2048):
                self.events[-1] = Event(last.t, who, kind, last.text + text)
                return
            if len(self.events) >= self.limit:
                self.dropped += 1
                return
            self.events.append(Event(now, who, kind, text))

    def snapshot(self):
        with self._lock:
            events = list(self.events)
        if self.dropped:
            events.append(Event(events[-1].t if events else 0.0, "grader", "note",
                                _("{n} more events not recorded").format(n=self.dropped)))
        return events
