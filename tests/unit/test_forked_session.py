"""The parallel sessions of a grading run forked from the grader: ends, exit codes, Ctrl-C, never a thread copied."""

import subprocess
import sys
import textwrap

DRIVER = textwrap.dedent("""
    import signal, subprocess, sys, threading, time
    from pathlib import Path
    from grader.engine.runner import _ForkedSession

    folder, case = Path(sys.argv[1]), sys.argv[2]
    assert _ForkedSession.possible(), "no thread yet: a fork is safe"
    session = _ForkedSession([str(folder / f"test_{case}.py"), "-q", "-p", "no:cacheprovider"], folder / "log")
    if case == "sleeps":
        try:
            session.wait(timeout=0.2)
            print("no timeout")
        except subprocess.TimeoutExpired:
            print("timeout")
        deadline = time.monotonic() + 20
        while not (folder / "started").exists() and time.monotonic() < deadline:
            time.sleep(0.01)  # a test's own helper may poll: it is not the grader
        session.send_signal(signal.SIGINT)
    print("exit", session.wait(timeout=60))
    # A thread that is surely alive when asked (a sleep of its own could end first on a loaded machine).
    release = threading.Event()
    threading.Thread(target=release.wait).start()
    print("possible with a thread:", _ForkedSession.possible())
    release.set()
""")


def run(tmp_path, case, body):
    (tmp_path / f"test_{case}.py").write_text(textwrap.dedent(body), encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", DRIVER, str(tmp_path), case], capture_output=True, text=True,
                          timeout=90, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    return done.stdout.split("\n"), (tmp_path / "log").read_text()


def test_a_forked_session_reports_its_exit_code_and_writes_its_log(tmp_path):
    out, log = run(tmp_path, "passes", "def test_one():\n    assert 1 + 1 == 2\n")
    assert "exit 0" in out and "1 passed" in log
    out, log = run(tmp_path, "fails", "def test_one():\n    assert 1 + 1 == 3\n")
    assert "exit 1" in out and "1 failed" in log
    assert "possible with a thread: False" in out


def test_a_forked_session_can_be_waited_for_with_a_bound_and_interrupted(tmp_path):
    out, log = run(tmp_path, "sleeps", """
        import time
        from pathlib import Path
        def test_long():
            Path(__file__).with_name("started").touch()
            time.sleep(60)
    """)
    assert "timeout" in out
    assert "exit 2" in out, (out, log)  # pytest's "interrupted"
    assert "KeyboardInterrupt" in log
