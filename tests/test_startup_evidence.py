"""A server that will never listen is known as soon as it is blocked for good, not at the startup bound.

Real programs under the real shim (process isolation: no pod needed), each
waited for with ``wait_listening(settled=StartupStillness(program))``: one that
waits in ``input()`` fails as "blocked"; ones that listen late, after a
sleep or once another thread wakes them, are not judged before they do.
"""

import platform
import sys
import textwrap
import uuid

import pytest

from grader.drive.quiescence import StartupStillness
from grader.isolation.program import Program, StartupFailed

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux") or platform.machine() not in ("x86_64", "aarch64"),
                                reason="stillness is read from Linux's /proc")

BOUND = 60  # far beyond any of these programs' own timing: only evidence may end the waits early


def server(tmp_path, code):
    script = tmp_path / "server.py"
    script.write_text(textwrap.dedent(code), encoding="utf-8")
    # A token of its own: the stop sweeps every process that carries it, and two xdist workers
    # give their tests the same tmp_path names (their programs were killed by each other's stops).
    return Program(script, role="server", root=tmp_path, token=f"startup-{uuid.uuid4().hex}", limits={}).start()


def wait(program):
    try:
        return program.wait_listening(BOUND, settled=StartupStillness(program))
    finally:
        program.stop()


def test_a_server_waiting_in_input_before_listen_is_blocked(tmp_path):
    program = server(tmp_path, """
        import socket
        sock = socket.socket()
        sock.bind(("127.0.0.1", 9090))
        input("Press Enter to start")
        sock.listen()
    """)
    with pytest.raises(StartupFailed) as failed:
        wait(program)
    assert failed.value.reason == "blocked"
    assert failed.value.waited_s < BOUND


@pytest.mark.parametrize("code", [
    # Sleeps, then listens: a sleeper is waited for.
    """
        import socket, time
        time.sleep(0.3)
        sock = socket.socket(); sock.bind(("127.0.0.1", 9090)); sock.listen()
        input()
    """,
    # The main thread is blocked on an event (for good, by itself) that another thread sets later.
    """
        import socket, threading, time
        ready = threading.Event()
        def later():
            time.sleep(0.3)
            ready.set()
        threading.Thread(target=later).start()
        ready.wait()
        sock = socket.socket(); sock.bind(("127.0.0.1", 9090)); sock.listen()
        input()
    """,
    # Blocked reading its keyboard while a thread listens a moment later.
    """
        import socket, threading, time
        def serve():
            time.sleep(0.3)
            sock = socket.socket(); sock.bind(("127.0.0.1", 9090)); sock.listen()
            sock.accept()
        threading.Thread(target=serve).start()
        input()
    """,
    # A printed countdown: each wake prints, so its sleeps are no idle loop.
    """
        import socket, time
        for n in (5, 4, 3, 2, 1):
            print(n, flush=True)
            time.sleep(0.05)
        sock = socket.socket(); sock.bind(("127.0.0.1", 9090)); sock.listen()
        input()
    """,
    # Three silent sleeps in the listening thread, while the main thread ticks every 20 ms.
    """
        import socket, threading, time
        def serve():
            for _ in range(3):
                time.sleep(0.1)
            sock = socket.socket(); sock.bind(("127.0.0.1", 9090)); sock.listen()
            sock.accept()
        threading.Thread(target=serve, daemon=True).start()
        while True:
            time.sleep(0.02)
    """,
], ids=["sleep then listen", "woken by a thread", "a thread listens", "a countdown", "silent sleeps beside a ticker"])
def test_a_server_that_listens_late_is_not_judged_before(tmp_path, code):
    listening = wait(server(tmp_path, code))
    assert listening.port > 0


def test_a_server_that_only_sleeps_in_a_loop_is_judged_by_its_wakes(tmp_path):
    # bind(), then `while True: time.sleep(0.05)`: once the loop has woken and slept again, and
    # then twice more with nothing else running, it will not listen ("ticking"), long before the bound.
    program = server(tmp_path, """
        import socket, time
        sock = socket.socket()
        sock.bind(("127.0.0.1", 9090))
        while True:
            time.sleep(0.05)
    """)
    with pytest.raises(StartupFailed) as failed:
        wait(program)
    assert failed.value.reason == "ticking"
    assert failed.value.waited_s < BOUND


@pytest.mark.parametrize("loop, busy, reason", [("pass", True, "timeout"), ("time.sleep(0.05)", False, "ticking")],
                         ids=["spins", "sleeps"])
def test_a_busy_loop_before_listen_is_named_by_thread_states_not_cpu_seconds(tmp_path, loop, busy, reason):
    # On a busy machine a spinning server got less than a quarter of a core, and the message
    # lost its "busy loop"; a server that sleeps in its loop must never get it.
    from grader.engine.diagnose import startup_failure

    program = server(tmp_path, f"""
        import time
        while True:
            {loop}
    """)
    try:
        with pytest.raises(StartupFailed) as failed:
            program.wait_listening(1.0, settled=StartupStillness(program))
        assert failed.value.reason == reason
        message = str(startup_failure(failed.value, 1.0))
    finally:
        program.stop()
    assert ("a busy loop before listen()" in message) is busy, message
