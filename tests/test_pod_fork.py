"""A pod's init forks a student's Python program from itself: the program must not tell the difference.

Forking saves a new interpreter's start (~45 ms of CPU, dozens of times a
grading).  Each test starts real programs in a real pod, once forked and
once started afresh (``GRADER_POD_FORK=0``), and compares what the program
sees of itself; then the parts where a fork could go wrong on its own: the
token the sweep looks for, descriptors, capabilities, the exit.
"""

import ast
import os
import shutil
import signal
import textwrap
import threading

import psutil
import pytest

from grader.drive.quiescence import StartupStillness
from grader.drive.wait import poll_until
from grader.isolation.namespace import FORK_VAR, NamespacePod, available_tool
from grader.isolation.processes import sweep
from grader.isolation.program import shim_command

TOOLS = [tool for tool in ("bwrap", "unshare") if shutil.which(tool)]
pytestmark = pytest.mark.skipif(available_tool() is None, reason="no namespaces on this machine")

# What a program can see of the Python it runs in and of its process.
PROBE = """
    import atexit, os, signal, sys, threading, time
    facts = {}
    def environ_token():
        with open("/proc/self/environ", "rb") as f:
            return [item.decode() for item in f.read().split(b"\\0") if item.startswith(b"GRADER_POD=")]
    facts["token shown"] = environ_token() == ["GRADER_POD=" + os.environ["GRADER_POD"]]
    facts["environ"] = sorted(key for key in os.environ if key != "GRADER_POD")
    facts["argv"] = [os.path.basename(arg) for arg in sys.argv]
    facts["path0 is the script's"] = sys.path[0] == os.path.dirname(os.path.realpath(__file__))
    facts["cwd is the script's"] = os.getcwd() == os.path.dirname(os.path.realpath(__file__))
    facts["flags"] = [sys.flags.isolated, sys.flags.no_site, sys.flags.utf8_mode, sys.flags.dont_write_bytecode]
    with open("/proc/self/status") as f:
        status = dict(line.split(":", 1) for line in f)
    facts["ids"] = [status["Uid"].split(), status["Gid"].split(), status["Groups"].split()]
    facts["capabilities"] = [int(status[key], 16) for key in ("CapInh", "CapPrm", "CapEff", "CapAmb")]
    facts["signals"] = [str(signal.getsignal(sig)) for sig in
                        (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGCHLD, signal.SIGUSR2)]
    facts["wakeup fd"] = signal.set_wakeup_fd(-1)
    facts["fds"] = len(os.listdir("/proc/self/fd"))
    facts["own session"] = os.getsid(0) == os.getpid()
    facts["main thread"] = [__name__, threading.current_thread() is threading.main_thread(),
                            threading.active_count()]
    facts["stdio"] = [sys.stdout.encoding, sys.stdout.errors, sys.stdout.write_through, sys.stdin.errors]
    try:
        raise ValueError
    except ValueError as exc:
        facts["exception context"] = repr(exc.__context__)
    print(repr(facts), flush=True)
    # A non-daemon thread outlives the main one, and atexit runs after it: as in any Python.
    def late():
        time.sleep(0.05)
        print("thread done", flush=True)
    threading.Thread(target=late).start()
    atexit.register(lambda: print("atexit", flush=True))
    sys.exit(3)
"""


@pytest.fixture
def forking_pod(tmp_path, monkeypatch):
    """(a pod whose init forks the programs, the empty submission folder they run in)."""
    monkeypatch.delenv(FORK_VAR, raising=False)
    root = tmp_path / "submission"
    root.mkdir()
    pod = NamespacePod({"cpu_seconds": 10}, tmp_path, available_tool())
    yield pod, root
    pod.close()


def run_in_pod(tmp_path, monkeypatch, tool, code, fork, name="probe.py"):
    """Start ``code`` in a fresh pod; return (program, exit code, stdout lines, pod token)."""
    if fork:
        monkeypatch.delenv(FORK_VAR, raising=False)
    else:
        monkeypatch.setenv(FORK_VAR, "0")
    root = tmp_path / ("forked" if fork else "exec") / "submission"
    root.mkdir(parents=True)
    (root / name).write_text(textwrap.dedent(code), encoding="utf-8")
    pod = NamespacePod({"cpu_seconds": 10}, tmp_path / ("forked" if fork else "exec"), tool)
    try:
        program = pod.start(root / name, role="client", root=root)
        code = program.wait_exit(20)
        assert program.wait_output_done(10)
        lines = program.stdout.text().splitlines()
        return program, code, lines, program.stderr.text()
    finally:
        pod.close()


@pytest.mark.parametrize("tool", TOOLS)
def test_a_forked_program_sees_what_a_started_one_sees(tmp_path, monkeypatch, tool):
    seen = {}
    for fork in (True, False):
        _program, code, lines, err = run_in_pod(tmp_path, monkeypatch, tool, PROBE, fork)
        assert code == 3, err
        assert lines[1:] == ["thread done", "atexit"], err
        seen[fork] = ast.literal_eval(lines[0])
    assert seen[True] == seen[False]
    assert seen[True]["token shown"] is True
    assert seen[True]["capabilities"] == [0, 0, 0, 0]
    assert seen[True]["exception context"] == "None"


@pytest.mark.parametrize("tool", TOOLS)
def test_the_program_is_forked_unless_told_not_to(tmp_path, monkeypatch, tool):
    code = "import sys\nprint('grader_shim' in sys.modules, 'json' in sys.modules)\n"
    for fork, expected in ((True, ["True True"]), (False, ["False False"])):
        _program, exit_code, lines, err = run_in_pod(tmp_path, monkeypatch, tool, code, fork)
        assert (exit_code, lines) == (0, expected), err


@pytest.mark.parametrize("tool", TOOLS)
def test_a_program_in_a_pod_can_use_posix_semaphores(tmp_path, monkeypatch, tool):
    # multiprocessing.Lock() and Queue() make a POSIX semaphore in /dev/shm: a student's server that
    # guards its list with one crashed before listening (PermissionError) while the pod had no /dev/shm
    # of its own.  The grader's scratch may live in the machine's /dev/shm: it must still show through.
    code = "import multiprocessing\nlock = multiprocessing.Lock()\nwith lock:\n    print('locked')\n"
    _program, exit_code, lines, err = run_in_pod(tmp_path, monkeypatch, tool, code, fork=True)
    assert (exit_code, lines) == (0, ["locked"]), err


def test_the_sweep_finds_a_daemon_of_a_forked_program(forking_pod):
    # A double-forked daemon leaves the program's process group and parent; only the token in
    # its environment (which /proc shows from the process's first memory) leads to it.
    code = """
        import os, time
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                time.sleep(60)
            os._exit(0)
        os.wait()
        print(os.environ["GRADER_POD"], flush=True)
        time.sleep(60)
    """
    pod, root = forking_pod
    (root / "daemon.py").write_text(textwrap.dedent(code), encoding="utf-8")
    program = pod.start(root / "daemon.py", role="client", root=root)
    assert poll_until(lambda: program.stdout.text().strip(), 20)
    token = program.stdout.text().strip()
    assert token == program.token
    found = poll_until(lambda: len(sweep(token)) == 2 and sweep(token), 20)
    assert found, "the daemon was not found by its token"
    # Re-parented to the pod's init, it is among the pod's processes: the program's own sweep looks only there.
    assert {p.pid for p in sweep(token, among=pod.processes)} == {p.pid for p in found}
    assert program.sweep_among == pod.processes
    program.stop()
    assert not sweep(token)


def test_a_crash_before_the_script_runs_is_an_exit_not_a_second_init(forking_pod):
    # A forked child that fails to become the program (here: its folder is gone) must exit,
    # never return into the init's loop, where it would answer the grader as a second init.
    pod, root = forking_pod
    (root / "gone.py").write_text("print('ran')\n", encoding="utf-8")
    program = pod.launch(shim_command(root / "gone.py"), env={}, cwd=root / "missing", stdin=False, fds={})
    assert program.wait(20) == 127
    assert b"cannot start the program" in program.stderr.read()
    # The init still answers, and only once: a second program starts and ends normally.
    again = pod.start(root / "gone.py", role="client", root=root)
    assert again.wait_exit(20) == 0


def test_programs_that_end_at_once_are_still_found_and_their_codes_read(forking_pod):
    # A forked program that ends within a millisecond (a SyntaxError, an exit on line 1) was
    # reaped before the grader had found it from outside: "cannot find the pod's process".
    pod, root = forking_pod
    (root / "quits.py").write_text("raise SystemExit(5)\n", encoding="utf-8")
    (root / "broken.py").write_text("def (\n", encoding="utf-8")
    for _ in range(10):
        assert pod.start(root / "quits.py", role="client", root=root).wait_exit(20) == 5
        broken = pod.start(root / "broken.py", role="client", root=root)
        assert broken.wait_exit(20) == 1
        assert broken.wait_output_done(10)
        assert [event["type"] for event in broken.events_of("crash")] == ["SyntaxError"]


@pytest.mark.parametrize("tool", TOOLS)
@pytest.mark.parametrize("fork", [True, False], ids=["forked", "exec"])
def test_a_program_is_found_however_late_a_loaded_grader_looks(tmp_path, monkeypatch, tool, fork):
    # Under the suite's load a program started afresh (no gate then) ended and was reaped
    # before the grader looked for it: "cannot find the pod's process 2".  Here the grader
    # looks only once the program's exit has arrived, or half a second has passed: a gated
    # program cannot end before it is found, so its exit does not arrive.
    if fork:
        monkeypatch.delenv(FORK_VAR, raising=False)
    else:
        monkeypatch.setenv(FORK_VAR, "0")
    root = tmp_path / "submission"
    root.mkdir()
    (root / "quits.py").write_text("raise SystemExit(5)\n", encoding="utf-8")
    pod = NamespacePod({"cpu_seconds": 10}, tmp_path, tool)
    found = pod._host_pid

    def found_late(inner_pid):
        poll_until(lambda: pod._exits, 0.5)
        return found(inner_pid)

    monkeypatch.setattr(pod, "_host_pid", found_late)
    try:
        assert pod.start(root / "quits.py", role="client", root=root).wait_exit(20) == 5
    finally:
        pod.close()


def test_a_program_is_past_its_gate_when_its_start_returns(forking_pod, monkeypatch):
    # At its gate a forked program waits in a read, which from outside looks like a program
    # blocked for good.  On a busy machine the init took a while to open the gate, and a
    # server that was about to listen was judged "blocked, and never would listen".  Here the
    # init is stopped for a moment just as the grader lets the program go (the grader now
    # opens the gate itself: a stopped or busy init cannot delay it).
    pod, root = forking_pod
    (root / "server.py").write_text("import socket\nsock = socket.socket()\nsock.bind(('127.0.0.1', 9090))\n"
                                    "sock.listen()\ninput()\n", encoding="utf-8")
    found = pod._host_pid

    def found_then_init_stopped(inner_pid):
        pid = found(inner_pid)
        [init] = psutil.Process(pod.process.pid).children()  # bubblewrap's or unshare's only child
        init.send_signal(signal.SIGSTOP)
        threading.Timer(0.3, init.send_signal, (signal.SIGCONT,)).start()
        return pid

    monkeypatch.setattr(pod, "_host_pid", found_then_init_stopped)
    program = pod.start(root / "server.py", role="server", root=root)
    assert program.wait_listening(20, settled=StartupStillness(program)).port > 0


def test_the_standard_modules_a_folder_imports_are_imported_once_in_the_init(forking_pod):
    # argparse and queue cost each of the reference's programs 2.6 ms of CPU to import: the init
    # imports them once, when the first program of a folder that imports them is forked.
    pod, root = forking_pod
    (root / "helper.py").write_text("import queue, json as j  # the folder's modules count too\n", encoding="utf-8")
    (root / "main.py").write_text(textwrap.dedent("""
        import sys
        before = {name: name in sys.modules for name in ("argparse", "queue", "asyncio", "tkinter")}
        import argparse
        from helper import j
        NOTE = '''
        import asyncio  # a line of a string, which a line-by-line look cannot tell from code: harmless
        '''
        print(before)
    """), encoding="utf-8")
    program = pod.start(root / "main.py", role="client", root=root)
    assert program.wait_exit(20) == 0 and program.wait_output_done(10)
    seen = ast.literal_eval(program.stdout.text().strip())
    assert seen == {"argparse": True, "queue": True, "asyncio": True, "tkinter": False}, program.stderr.text()


def test_a_folder_with_a_module_named_like_a_standard_one_keeps_its_own(forking_pod):
    # Its own queue.py is what `import queue` gives it in a new interpreter; so it must in a fork.
    pod, root = forking_pod
    (root / "queue.py").write_text("MINE = True\n", encoding="utf-8")
    (root / "main.py").write_text("import sys\nwarm = 'argparse' in sys.modules\nimport argparse, queue\n"
                                  "print(getattr(queue, 'MINE', False), warm)\n", encoding="utf-8")
    program = pod.start(root / "main.py", role="client", root=root)
    assert program.wait_exit(20) == 0 and program.wait_output_done(10)
    assert program.stdout.text().split() == ["True", "False"], program.stderr.text()


def test_programs_forked_after_random_was_imported_in_the_init_draw_different_numbers(forking_pod):
    # random seeds itself again in a forked child: two programs never share a sequence.
    pod, root = forking_pod
    (root / "draw.py").write_text("import random\nprint(random.random())\n", encoding="utf-8")
    drawn = set()
    for _ in range(3):
        program = pod.start(root / "draw.py", role="client", root=root)
        assert program.wait_exit(20) == 0 and program.wait_output_done(10)
        drawn.add(program.stdout.text().strip())
    assert len(drawn) == 3


def test_imported_names_reads_every_form_of_import():
    from grader.isolation.shim.pod_init import imported_names

    source = "import a, b.c as d\nfrom e.f import g\n  import h  # indented\nx = 1; import i\nfrom . import j\n"
    assert imported_names([source]) == {"a", "b.c", "e.f", "h"}


CRASH = """
    import sys

    def inner():
        return [1][2]

    class Box:
        def open(self):
            return inner()

    print(inner.__code__.co_filename == __file__, Box.open.__code__.co_filename == __file__, flush=True)
    Box().open()
"""


@pytest.mark.parametrize("tool", TOOLS)
def test_a_forked_program_runs_code_compiled_in_the_init_as_its_own(tmp_path, monkeypatch, tool):
    # The init compiles a script once a pod; the program's tracebacks, code objects and warnings
    # must be those of a program that compiled itself.
    seen = {}
    for fork in (True, False):
        program, code, lines, err = run_in_pod(tmp_path, monkeypatch, tool, CRASH, fork, name="crash.py")
        root = str(program.root)
        seen[fork] = (code, lines, err.replace(root, "ROOT"), [event["where"] for event in program.events_of("crash")])
    assert seen[True] == seen[False]
    code, lines, err, where = seen[True]
    assert code == 1 and lines == ["True True"] and where == ["crash.py:5"]
    assert 'File "ROOT/crash.py", line 5, in inner' in err and "IndexError" in err


@pytest.mark.parametrize("tool", TOOLS)
def test_a_compile_warning_reaches_the_programs_stderr_forked_or_not(tmp_path, monkeypatch, tool):
    code = "x = 5\nprint(x is 5)\n"  # SyntaxWarning: "is" with a literal
    for fork in (True, False):
        _program, exit_code, lines, err = run_in_pod(tmp_path, monkeypatch, tool, code, fork)
        assert exit_code == 0 and lines == ["True"], err
        assert "SyntaxWarning" in err, (fork, err)


def test_copies_of_one_script_each_run_under_their_own_name(forking_pod):
    # Each check runs a fresh copy (run1/, run2/...): the init's code is renamed for each.
    pod, root = forking_pod
    for name in ("run1", "run2"):
        (root / name).mkdir()
        (root / name / "crash.py").write_text(textwrap.dedent(CRASH), encoding="utf-8")
    for name in ("run1", "run2", "run1"):
        program = pod.start(root / name / "crash.py", role="client", root=root / name)
        assert program.wait_exit(20) == 1 and program.wait_output_done(10)
        assert f'{root / name / "crash.py"}", line 5' in program.stderr.text()


@pytest.mark.parametrize("tool", TOOLS)
def test_a_pods_network_has_a_small_table_of_connections_of_its_own(tmp_path, monkeypatch, tool):
    # Reading a pod's /proc/<pid>/net/tcp walks its table of connections: the machine's (262144
    # buckets) unless the pod has one of its own.  Only root can open the namespace it is made from.
    from grader.isolation.namespace import CHILD_TABLE, _small_tables_namespace

    if _small_tables_namespace() is None:
        pytest.skip("not root, or a kernel without net.ipv4.tcp_child_ehash_entries (Linux 6.1)")
    with open("/proc/sys/net/ipv4/tcp_child_ehash_entries") as f:
        host_setting = f.read()
    code = "print(open('/proc/sys/net/ipv4/tcp_ehash_entries').read().strip())\n"
    _program, exit_code, lines, err = run_in_pod(tmp_path, monkeypatch, tool, code, fork=True)
    assert (exit_code, lines) == (0, [str(CHILD_TABLE)]), err  # a positive count: its own table
    with open("/proc/sys/net/ipv4/tcp_child_ehash_entries") as f:
        assert f.read() == host_setting  # the machine's setting is left alone
    assert os.readlink("/proc/thread-self/ns/net") == os.readlink("/proc/self/ns/net")  # this thread came back
