"""What the file-system fixtures share: the test's paths, and one bounded way to say what was seen.

The test writes probe.json next to the fixture before grading: absolute
paths it owns (in its own temporary folder).  Every probe only reads, lists
or connects, or writes one marker at the test's path; it prints one line
``PROBE <what>: <seen>`` and then serves the chat like any working server.
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "probe.json"), encoding="utf-8") as _f:
    PATHS = json.load(_f)


def say(what, seen):
    print(f"PROBE {what}: {ascii(seen)[:600]}", flush=True)


def attempt(what, action):
    """Run ``action()`` and print what it returned, or the error that stopped it."""
    try:
        say(what, action())
    except OSError as exc:
        say(what, f"DENIED {type(exc).__name__} errno={exc.errno}")


def read(path):
    with open(path, "rb") as f:
        return f.read(300)


def listing(path):
    return sorted(os.listdir(path))[:50]
