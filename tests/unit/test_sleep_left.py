"""What a blocked thread waits for, read from /proc: how long a sleep is left, which connection a send is stuck on."""

import contextlib
import platform
import subprocess
import sys

import pytest

from grader.drive.wait import poll_until
from grader.isolation import procfs

MACHINE = platform.machine()
pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux") or MACHINE not in ("x86_64", "aarch64"),
                                reason="read from Linux's /proc, for the architectures whose numbers we know")


def asleep(command):
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL)
    reached = poll_until(lambda: procfs.thread_wait(process.pid, process.pid, MACHINE) == "sleeping", 20)
    assert reached, "the program never went to sleep"
    return process


@contextlib.contextmanager
def reading_stdin():
    """A program blocked for good reading its standard input (nothing will ever be typed)."""
    reader = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    try:
        assert poll_until(lambda: procfs.thread_wait(reader.pid, reader.pid, MACHINE) == "forever", 20)
        yield reader
    finally:
        reader.kill()
        reader.wait()


def test_pythons_sleep_until_a_deadline_says_how_long_is_left():
    process = asleep([sys.executable, "-c", "import time; time.sleep(40)"])
    try:
        left = procfs.sleep_left(process.pid, process.pid, MACHINE)
        if sys.version_info < (3, 11):
            assert left is None  # a relative sleep before 3.11: unknown
        else:
            assert left is not None and 20 < left <= 40, left
    finally:
        process.kill()
        process.wait()


def test_a_relative_sleep_and_other_waits_are_unknown():
    process = asleep(["sleep", "40"])  # coreutils: a relative clock_nanosleep
    try:
        assert procfs.sleep_left(process.pid, process.pid, MACHINE) is None
    finally:
        process.kill()
        process.wait()
    with reading_stdin() as reader:
        assert procfs.sleep_left(reader.pid, reader.pid, MACHINE) is None
    assert procfs.sleep_left(2 ** 22 + 7, 2 ** 22 + 7, MACHINE) is None  # no such process


def test_a_thread_stuck_sending_to_a_member_who_does_not_read_names_that_connection():
    import socket

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        sender = subprocess.Popen([sys.executable, "-c", (
            "import socket, sys\n"
            f"s = socket.create_connection(('127.0.0.1', {port}))\n"
            "s.sendall(b'x' * (64 << 20))\n")], stdin=subprocess.DEVNULL)
        member, _address = listener.accept()  # and never reads
        try:
            stuck = poll_until(lambda: procfs.blocked_send_peer(sender.pid, sender.pid, MACHINE), 20)
            assert stuck == port
            assert procfs.thread_wait(sender.pid, sender.pid, MACHINE) != "forever"  # only for whom knows why
        finally:
            sender.kill()
            sender.wait()
            member.close()
    with reading_stdin() as reader:
        assert procfs.blocked_send_peer(reader.pid, reader.pid, MACHINE) is None


@pytest.mark.parametrize("code, wait", [
    ("import select; select.select([], [], [], 40)", "timed"),
    ("import socket; s = socket.socket(); s.settimeout(40); s.bind(('127.0.0.1', 0)); s.listen(); s.accept()",
     "timed"),
    # A futex with a timeout: a lock or an Event waited for with one, and also how a thread waits
    # for the GIL, so it is told apart from a poll loop's wait.
    ("import threading; threading.Event().wait(40)", "timed_lock"),
    ("import threading; lock = threading.Lock(); lock.acquire(); lock.acquire(timeout=40)", "timed_lock"),
    ("import threading; lock = threading.Lock(); lock.acquire(); lock.acquire()", "forever"),
])
def test_waits_with_a_timeout_are_told_apart(code, wait):
    process = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.DEVNULL)
    try:
        seen = []

        def waits():
            seen.append(procfs.thread_wait(process.pid, process.pid, MACHINE))
            return seen[-1] not in ("running", "unknown")

        assert poll_until(waits, 20), seen[-5:]
        assert seen[-1] == wait, seen[-5:]
    finally:
        process.kill()
        process.wait()
