"""Grade one submission: run the lab's scenarios with pytest and collect the results."""

import gc
import io
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
import traceback
from contextlib import redirect_stderr, redirect_stdout

from grader import __version__
from grader.engine.dependencies import apply_dependencies
from grader.engine.plan import Plan
from grader.errors import GraderError, during_interrupt
from grader.i18n import add_catalog
from grader.i18n import lazy as _
from grader.intake.discover import discover, make_workdir
from grader.isolation.pods import check_isolation
from grader.model.lab import lab_path as lab_path_of
from grader.model.lab import load_lab
from grader.model.results import CheckResult, GradingResult
from grader.model.text import decode


class InternalError(GraderError):
    """The grader itself failed (exit 3); ``staff_log`` holds pytest's output."""

    def __init__(self, message, staff_log=""):
        super().__init__(message)
        self.staff_log = staff_log


UNUSED_PLUGINS = ("doctest", "junitxml", "pastebin", "stepwise", "legacypath", "tmpdir", "monkeypatch", "recwarn",
                  "setuponly", "setupplan", "unittest", "debugging", "logging", "warnings",
                  # Its end collects the garbage five times over: 30-40 ms of CPU in every session.  An
                  # exception in a __del__ then goes where Python sends it, to the session's log.
                  "unraisableexception")


class _Collector:
    """Receives the grading session when pytest finishes."""

    def __init__(self):
        self.grading = None

    def pytest_sessionfinish(self, session):
        from grader.engine.plugin import GRADING

        self.grading = session.config.stash.get(GRADING, None)


def pytest_args(lab, plan_file, *, lang="en", target=None, verdicts=None):
    """The pytest command line that grades the plan in ``plan_file`` with ``lab`` (or one of its files).

    ``verdicts``: the folder where the sessions of one grading share each check's final status.
    """
    args = [
        str(target or lab.path),
        "--rootdir", str(lab.path),
        "-c", str(lab.path / "pytest.ini"),
        # Only our plugins: whatever else is installed must not change a grade.
        "--disable-plugin-autoload", "-p", "pytest_timeout", "-p", "grader.engine.plugin",
        "-p", "no:cacheprovider",
        # Built-ins a lab does not use: each costs start-up time in every session.
        *(arg for name in UNUSED_PLUGINS for arg in ("-p", f"no:{name}")),
        "-o", f"timeout={lab.timeouts['check']}",
        "-o", f"session_timeout={lab.timeouts['submission']}",
        "-q", "--no-header", "-rN", "--tb=short", "-W", "ignore",
        "--grader-plan", str(plan_file),
        "--grader-lang", lang,
        *(("--grader-verdicts", str(verdicts)) if verdicts is not None else ()),
    ]
    return args


class _ParallelPart:
    """One scenario file graded by a pytest session in a process of its own.

    Forked from this process where that is safe (no other thread yet): the
    child then starts with pytest and the grader already imported, which
    costs a fresh interpreter about 0.4 s of CPU that the grading's own
    sessions would compete for.  Elsewhere, a new interpreter.
    """

    def __init__(self, lab, name, args, workdir):
        self.name = name
        self.results_file = workdir / f"{name}.json"
        self.log_file = workdir / f"{name}.log"
        args = [*args, "--grader-results", str(self.results_file)]
        if _ForkedSession.possible():
            self.process = _ForkedSession(args, self.log_file)
        else:
            with open(self.log_file, "wb") as log:
                self.process = subprocess.Popen([sys.executable, "-m", "pytest", *args], stdin=subprocess.DEVNULL,
                                                stdout=log, stderr=subprocess.STDOUT)

    def finish(self, timeout):
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.interrupt()
        log = self.log_file.read_text("utf-8", "replace")
        if not self.results_file.exists():
            raise InternalError(f"the scenarios of {self.name} did not run (exit code {self.process.returncode})", log)
        data = json.loads(self.results_file.read_text(encoding="utf-8"))
        return ([CheckResult.from_dict(c) for c in data["checks"]], decode(data.get("notes", [])),
                data.get("isolation"), log)

    def interrupt(self):
        """Stop the session the way Ctrl-C does, so that it tears its programs down."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class _ForkedSession:
    """A pytest session in a forked child of this process, with the calls of ``subprocess.Popen`` that we use."""

    @staticmethod
    def possible():
        # Forking a process with threads copies their locks in whatever state they are in.
        return hasattr(os, "fork") and hasattr(os, "pidfd_open") and threading.active_count() == 1

    def __init__(self, args, log_file):
        import pytest

        import grader.engine.plugin  # noqa: F401  (imported once, here, for every child)

        _freeze_imports()

        log = os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        for stream in (sys.stdout, sys.stderr):
            stream.flush()  # what is buffered now would be written twice
        pid = os.fork()
        if pid == 0:  # the child: never returns into the parent's code
            code = 70
            try:
                os.dup2(log, 1)
                os.dup2(log, 2)
                os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
                code = int(pytest.main(args))
            except BaseException:  # noqa: BLE001  (a child must end here, whatever happened)
                traceback.print_exc()
            finally:
                for stream in (sys.stdout, sys.stderr):
                    try:
                        stream.flush()
                    except Exception:  # noqa: BLE001
                        pass
                os._exit(code)
        os.close(log)
        self.pid = pid
        self.returncode = None
        self._pidfd = os.pidfd_open(pid)

    def poll(self):
        if self.returncode is None:
            done, status = os.waitpid(self.pid, os.WNOHANG)
            if done:
                self._ended(status)
        return self.returncode

    def wait(self, timeout=None):
        # The pidfd becomes readable when the child ends: a wait without polling.
        if self.returncode is None:
            readable, _w, _x = select.select([self._pidfd], [], [], timeout)
            if not readable:
                raise subprocess.TimeoutExpired("pytest", timeout)
            self._ended(os.waitpid(self.pid, 0)[1])
        return self.returncode

    def _ended(self, status):
        self.returncode = os.waitstatus_to_exitcode(status)
        os.close(self._pidfd)

    def send_signal(self, sig):
        if self.returncode is None:
            os.kill(self.pid, sig)

    def kill(self):
        self.send_signal(signal.SIGKILL)


def grade(path, *, server=None, client=None, lang="en", isolation="auto", lab_path=None, one_session=False,
          meanwhile=None):
    """Grade the submission at ``path``; return a GradingResult.

    The submission is discovered (a lab report's code extracted) and the
    lab loaded once, here; every pytest session gets that plan.  Scenario
    files named in lab.toml's ``parallel`` run in sessions of their own,
    alongside the in-process session that runs the rest; with
    ``one_session``, every file runs in the in-process session.  That costs
    about a fifth less CPU (each session has its own pytest start and pod)
    and takes longer: the choice of ``grader batch``, whose gradings already
    run side by side.  The verdicts are the same either way.  ``meanwhile``
    (optional) is called once the in-process session is over, while the
    parallel ones may still run: what the caller needs next (the report's
    renderers) loads then, on a core this process no longer uses.
    Raises SubmissionError (bad input, exit 2), LabError, or InternalError.
    """
    lab = load_lab(lab_path_of(lab_path))
    add_catalog(lab.path / "locale")  # its checks' titles and messages, for the reports written after
    check_isolation(isolation)
    scratch = make_workdir()
    try:  # bad input is reported before pytest starts, as one clear line
        submission = discover(path, server=server, client=client, workdir=scratch / "submission", roles=lab.roles)
        plan_file = Plan(submission, lab, isolation).save(scratch / "plan.json")
        verdicts = scratch / "verdicts"  # each check's final status, for the other sessions
        verdicts.mkdir()
        started = time.monotonic()
        parallel = () if one_session else lab.parallel
        parts = [_ParallelPart(lab, name, pytest_args(lab, plan_file, lang=lang, target=lab.path / name,
                                                      verdicts=verdicts), scratch)
                 for name in parallel]
        try:
            args = pytest_args(lab, plan_file, lang=lang, verdicts=verdicts) + [
                f"--ignore={lab.path / name}" for name in parallel]
            checks, notes, isolation_used, log = _run_in_process(args)
            if meanwhile is not None:
                meanwhile()
            for part in parts:
                more, more_notes, more_isolation, more_log = part.finish(timeout=_part_timeout(lab))
                checks += more
                notes += [note for note in more_notes if note not in notes]
                isolation_used = isolation_used or more_isolation
                log += f"\n--- {part.name} ---\n{more_log}"
        finally:
            for part in parts:
                part.interrupt()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    order = {check_id: index for index, check_id in enumerate(lab.points)}
    checks.sort(key=lambda check: order.get(check.id, len(order)))
    apply_dependencies(checks)
    files = {role: submission.relative(submission.file(role)) for role in lab.roles if submission.file(role)}
    return GradingResult(
        lab=lab.id,
        submission=str(path),
        checks=checks,
        duration_s=time.monotonic() - started,
        isolation=isolation_used or "process-group",
        lab_version=lab.version,
        grader_version=__version__,
        files=files,
        notes=list(submission.notes) + notes,
        staff_log=log,
        lab_title=_(lab.title),  # translated by the lab's catalog, like its checks' titles
        lab_path=str(lab.path),
    )


def _part_timeout(lab):
    # Each session bounds itself (session_timeout); this catches one that hangs anyway.
    return lab.timeouts["submission"] + 30


def _freeze_imports():
    # What is imported by now lives as long as the process: out of the collector's sight, its
    # collections (in the sessions and here) no longer walk it, nor write to the pages a forked
    # session shares with this process.
    gc.freeze()


def _run_in_process(args):
    # Imported here: the parallel sessions start first, without waiting for pytest to load.
    import pytest

    _freeze_imports()
    collector = _Collector()
    log = io.StringIO()
    with redirect_stdout(log), redirect_stderr(log):
        try:
            code = pytest.main(args, plugins=[collector])
        except Exception as error:
            if during_interrupt(error):
                raise KeyboardInterrupt from None
            raise
    if code == pytest.ExitCode.INTERRUPTED:
        raise KeyboardInterrupt
    grading = collector.grading
    if grading is None or code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        raise InternalError(f"the lab's scenarios did not run (pytest exit code {int(code)})", log.getvalue())
    return grading.result_list(), list(grading.notes), grading.isolation_used, log.getvalue()
