"""Two programs of one pod never share a token, even when two threads start them at once.

A check's thread starts its clients while the session's starter thread
starts the next check's server (a spare).  Numbered by ``len(programs)``,
both could get one token: then the end of the check (stopping its client,
which sweeps every live process carrying the client's token) killed the
spare server, listening for the next check, and that check's connections
were refused (``server.concurrency``: ConnectionRefusedError, under load).
"""

import threading

from grader.isolation import process_group
from grader.isolation.processes import Tokens


class FakeProgram:
    """Records its token; its construction waits for the other thread's, as a loaded machine may."""

    meeting = None

    def __init__(self, script, *, token, **options):
        self.token = token
        FakeProgram.meeting.wait(timeout=10)

    def start(self):
        return self


def test_programs_started_at_once_by_two_threads_get_distinct_tokens(monkeypatch):
    monkeypatch.setattr(process_group, "Program", FakeProgram)
    FakeProgram.meeting = threading.Barrier(2)
    pod = process_group.ProcessPod(limits={})
    started = []

    def start(role):
        started.append(pod.start("x.py", role=role, root="."))

    threads = [threading.Thread(target=start, args=(role,)) for role in ("client", "server")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert len(started) == 2
    assert started[0].token != started[1].token
    assert all(program.token.startswith(pod.token + "-") for program in started)  # the pod's last sweep finds both


def test_tokens_are_distinct_across_threads():
    tokens = Tokens()
    got = []
    lock = threading.Lock()

    def take():
        mine = [tokens.next() for _ in range(500)]
        with lock:
            got.extend(mine)

    threads = [threading.Thread(target=take) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert len(got) == 2000 and len(set(got)) == 2000
    assert all(token.startswith(tokens.prefix + "-") for token in got)
