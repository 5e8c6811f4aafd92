"""Shared helpers for the kit's own tests.

Gradings run the real `grader` command in a subprocess: that is what
students and instructors run, exit codes and all, and it keeps each
grading's pytest session apart from the one running these tests.
"""

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parent.parent
SUBMISSIONS = Path(__file__).resolve().parent / "submissions"
REFERENCE = ROOT / "reference" / "chat"
# The real lab reports: ../shared/seeds beside the clone (CI has a read-only copy there), or GRADER_SEEDS.
SEEDS = Path(os.environ.get("GRADER_SEEDS") or ROOT.parent / "shared" / "seeds")


def cores():
    """The CPUs this process may run on (a container's or taskset's share, not the machine's)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def grading_workers():
    """How many xdist workers `-n auto` starts: one more than the cores.

    A test grades in one pytest session (``grade``: ``--one-session``), so a
    worker's grading keeps about one core busy, less while it waits for the
    student's programs; one worker more than the cores fills those waits.
    The verdicts are decided on evidence, not clocks, so they do not depend
    on it.  Measured on 2 cores, the tests that grade a fixture each
    (test_fixture_verdicts, test_client_verdicts, test_server_shapes):
    86 s with 2 workers and gradings in four sessions side by side, 82 s
    with 2 workers and one session, 64 s with 3 workers and one session,
    78 s with 3 workers and four sessions.  PYTEST_XDIST_AUTO_NUM_WORKERS
    overrides it.
    """
    return max(1, cores()) + 1


def pytest_xdist_auto_num_workers(config):
    """`-n auto`: grading_workers(), unless PYTEST_XDIST_AUTO_NUM_WORKERS says otherwise."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None  # pytest-xdist's own hook reads it
    return grading_workers()


_running = None      # the test being set up, run or torn down
_graded_by = {}      # node id -> the grader command it ran to the end


def pytest_configure(config):
    """Ctrl-C works in the programs the tests start, also when the suite itself was started without it.

    A suite run as `python -m pytest &` from a script ignores SIGINT, and so would every
    `grader` the tests start and interrupt (Python keeps an ignored SIGINT ignored).  As in a
    terminal: SIGINT raises KeyboardInterrupt here, and the children start with the default.
    """
    import signal

    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def pytest_runtest_setup(item):
    """Remember the test before any of its fixtures (session-scoped ones included) run."""
    global _running
    _running = item


@pytest.fixture(autouse=True)
def gradings_are_marked_slow(request):
    """A test that grades end to end must be marked slow, or the fast tier would not be fast."""
    yield
    command = _graded_by.pop(request.node.nodeid, None)
    if command and request.node.get_closest_marker("slow") is None:
        pytest.fail(f"this test grades end to end (`grader {command}`): mark it @pytest.mark.slow", pytrace=False)


def isolations():
    """The isolation paths this machine offers: both where namespaces work."""
    from grader.isolation.namespace import available_tool

    return ["namespaces", "process"] if available_tool() else ["process"]


@dataclass
class Graded:
    code: int
    stdout: str
    stderr: str
    result: dict | None
    report_dir: Path

    def statuses(self):
        return {c["id"]: c["status"] for c in self.result["checks"]}

    def check(self, check_id):
        return next(c for c in self.result["checks"] if c["id"] == check_id)

    def full(self, lang="en"):
        """The stored result.json with its sentences rendered in ``lang`` (it keeps them as data)."""
        from grader import i18n
        from grader.model.text import decode, localized

        data = decode(json.loads((self.report_dir / "result.json").read_text(encoding="utf-8")))
        if data.get("lab_path"):  # the lab's own catalog translates its checks
            i18n.add_catalog(Path(data["lab_path"]) / "locale")
        before = i18n.language()
        i18n.set_language(lang)
        try:
            return localized(data)
        finally:
            i18n.set_language(before)


def run_grader(*args, cwd=None, timeout=120, env=None):
    """Run `python -m grader ARGS` and return the CompletedProcess."""
    done = subprocess.run([sys.executable, "-m", "grader", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd or ROOT, timeout=timeout, env=env, stdin=subprocess.DEVNULL)
    # Exit 0 or 1 from check or batch: student programs ran (bad input is exit 2, before any).
    if args and str(args[0]) in ("check", "batch") and done.returncode in (0, 1) and _running is not None:
        _graded_by[_running.nodeid] = str(args[0])
    return done


def grade(path, tmp_path, *extra, timeout=120, one_session=True):
    """Grade ``path`` with `grader check --json` into ``tmp_path``; return a Graded.

    In one session (``--one-session``, as `grader batch` grades) unless told
    otherwise: the same verdicts (``test_one_session.py`` compares both) for
    about a fifth less CPU, which the suite's other gradings use meanwhile.
    The reference, the seeds and the gradings a batch is compared with run
    the default layout, several sessions side by side.
    """
    out = tmp_path / "out.json"
    report_dir = tmp_path / "report"
    extra = (*extra, "--one-session") if one_session else extra
    done = run_grader("check", path, "--json", out, "--out", report_dir, "--plain", *extra, timeout=timeout)
    result = json.loads(out.read_text(encoding="utf-8")) if out.exists() else None
    return Graded(done.returncode, done.stdout, done.stderr, result, report_dir)


def _become_subreaper():
    # Orphans of the gradings we run (a double-forked daemon that escaped
    # its process group included) are re-parented to this process instead
    # of init, so each test can see exactly what its own gradings left.
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


_become_subreaper()


def _reap():
    while True:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def leftover_processes():
    """Live descendants of this test process: whatever a grading left running."""
    _reap()
    found = []
    for process in psutil.Process().children(recursive=True):
        try:
            if process.status() != psutil.STATUS_ZOMBIE:
                found.append(process)
        except psutil.Error:
            continue
    return found


@pytest.fixture(autouse=True)
def no_process_left_behind():
    """Every test: nothing it started may outlive it."""
    yield
    left = leftover_processes()
    described = []
    for process in left:
        try:
            described.append(f"{process.pid} {' '.join(process.cmdline())[:120]}")
            process.kill()
        except psutil.Error:
            pass
    _reap()
    assert not left, f"processes left behind: {described}"


ALL_FORMATS = "html,md,junit,junit-github,gradescope,json"  # classroom50 needs its runner: tests/test_platforms.py


@pytest.fixture(scope="session")
def graded_no_broadcast(tmp_path_factory):
    """``graded_no_broadcast(lang)``: the no_broadcast fixture graded in every format, once per language.

    Shared by the report tests (formats, diagram, languages, browser): a grading takes seconds.
    """
    done = {}

    def get(lang="en"):
        if lang not in done:
            folder = tmp_path_factory.mktemp(f"no_broadcast_{lang}")
            done[lang] = grade(SUBMISSIONS / "no_broadcast", folder, "--format", ALL_FORMATS, "--lang", lang)
            assert done[lang].code == 1, done[lang].stdout + done[lang].stderr
        return done[lang]

    return get
