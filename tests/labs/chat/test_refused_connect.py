"""A refused connection to a server on its way out is explained by its end, on fakes.

The flip it closes (ascii_names, process isolation, under a suite's load):
the accept loop died of a UnicodeDecodeError, the next member's connect was
refused, but the exit had not reached the grader yet, so the failure said
neither that the server had ended nor why.
"""

import pytest

from grader.drive.transcript import Transcript
from grader.labs.chat.members import Chat
from grader.model.failure import CheckFailed


class DyingProgram:
    """A server whose exit is on its way: reported once someone waits for it."""

    def __init__(self, ends):
        self.ends = ends
        self.exit_code = None
        self.waits = 0

    def alive(self):
        return self.exit_code is None

    def accept_queue_full(self, port):
        return False

    def wait_exit(self, timeout, settled=None, recheck=0.02):
        self.waits += 1
        if self.ends:
            self.exit_code = 1
        return self.exit_code


class Server:
    host, port = "127.0.0.1", 5555

    def __init__(self, program):
        self.program = program

    def alive(self):
        return self.program.alive()


class RefusingPod:
    def connect(self, host, port):
        raise ConnectionRefusedError(111, "Connection refused")


def chat_on(program):
    return Chat(Server(program), RefusingPod(), Transcript(), {"handshake": 2.0, "expect": 2.0, "settle": 5.0})


def test_a_refusal_waits_for_the_servers_end_and_says_it_ended():
    program = DyingProgram(ends=True)
    with pytest.raises(CheckFailed) as failure:
        chat_on(program).connect("Борис")
    assert program.waits == 1
    assert "could not connect" in str(failure.value.message) and "no longer running" in str(failure.value.message)


def test_a_refusal_by_a_server_that_stays_says_only_what_happened():
    program = DyingProgram(ends=False)
    with pytest.raises(CheckFailed) as failure:
        chat_on(program).connect("Борис")
    assert "could not connect" in str(failure.value.message)
    assert "no longer running" not in str(failure.value.message)


class FullQueueProgram:
    """A server that stopped calling accept(): its listen() backlog is full of waiting connections."""

    exit_code = None

    def alive(self):
        return True

    def accept_queue_full(self, port):
        return True

    def wait_exit(self, timeout, settled=None, recheck=0.02):
        return None


class CountingPod:
    def __init__(self):
        self.connects = 0

    def connect(self, host, port):
        self.connects += 1
        raise ConnectionRefusedError(111, "timed out")  # as the pod's init reports a connect that timed out


def test_a_full_accept_queue_on_a_still_server_fails_the_connect_before_it_waits(monkeypatch):
    from grader.labs.chat import members

    monkeypatch.setattr(members, "Stillness", lambda programs: lambda: True)
    pod = CountingPod()
    chat = Chat(Server(FullQueueProgram()), pod, Transcript(), {"handshake": 2.0, "expect": 2.0, "settle": 0.05})
    with pytest.raises(CheckFailed) as failure:
        chat.connect("member04")
    assert pod.connects == 0  # decided on the queue and the stillness: no connect() left to time out
    assert "no longer accepts connections" in str(failure.value.message)


def test_a_full_queue_on_a_server_still_moving_is_left_to_the_connect(monkeypatch):
    from grader.labs.chat import members

    monkeypatch.setattr(members, "Stillness", lambda programs: lambda: False)  # a thread may yet accept()
    pod = CountingPod()
    chat = Chat(Server(FullQueueProgram()), pod, Transcript(), {"handshake": 2.0, "expect": 2.0, "settle": 0.05})
    with pytest.raises(CheckFailed) as failure:
        chat.connect("member04")
    assert pod.connects == 1
    assert "could not connect" in str(failure.value.message)
