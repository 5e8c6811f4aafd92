"""Grade one submission: run the lab's scenarios with pytest and collect the results."""

import io
import shutil
import time
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from grader import __version__
from grader.errors import GraderError
from grader.lab import builtin_lab_path, load_lab
from grader.plugin import GRADING
from grader.results import GradingResult
from grader.submission import discover, make_workdir


class InternalError(GraderError):
    """The grader itself failed (exit 3); ``staff_log`` holds pytest's output."""

    def __init__(self, message, staff_log=""):
        super().__init__(message)
        self.staff_log = staff_log


class _Collector:
    """Receives the grading session when pytest finishes."""

    def __init__(self):
        self.grading = None

    def pytest_sessionfinish(self, session):
        self.grading = session.config.stash.get(GRADING, None)


def pytest_args(lab, submission, *, server=None, client=None, lang="en", isolation="auto"):
    """The pytest command line that grades ``submission`` with ``lab``."""
    args = [
        str(lab.path),
        "--rootdir", str(lab.path),
        "-c", str(lab.path / "pytest.ini"),
        # Only our plugins: whatever else is installed must not change a grade.
        "--disable-plugin-autoload", "-p", "pytest_timeout", "-p", "grader.plugin",
        "-p", "no:cacheprovider",
        "-o", f"timeout={lab.timeouts['check']}",
        "-q", "--no-header", "-rN", "--tb=short", "-W", "ignore",
        "--submission", str(submission),
        "--grader-lang", lang,
        "--grader-isolation", isolation,
    ]
    if server:
        args += ["--submission-server", str(server)]
    if client:
        args += ["--submission-client", str(client)]
    return args


def grade(path, *, server=None, client=None, lang="en", isolation="auto", lab_path=None):
    """Grade the submission at ``path``; return a GradingResult.

    Raises SubmissionError (bad input, exit 2), LabError, or InternalError.
    """
    lab = load_lab(Path(lab_path) if lab_path else builtin_lab_path())
    probe = make_workdir()
    try:  # bad input is reported before pytest starts, as one clear line
        submission = discover(path, server=server, client=client, workdir=probe / "submission")
    finally:
        shutil.rmtree(probe, ignore_errors=True)
    collector = _Collector()
    log = io.StringIO()
    started = time.monotonic()
    with redirect_stdout(log), redirect_stderr(log):
        code = pytest.main(pytest_args(lab, path, server=server, client=client, lang=lang, isolation=isolation),
                           plugins=[collector])
    if code == pytest.ExitCode.INTERRUPTED:
        raise KeyboardInterrupt
    grading = collector.grading
    if grading is None or code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        raise InternalError(f"the lab's scenarios did not run (pytest exit code {int(code)})", log.getvalue())
    files = {"server": submission.relative(submission.server)}
    if submission.client:
        files["client"] = submission.relative(submission.client)
    return GradingResult(
        lab=lab.id,
        submission=str(path),
        checks=grading.result_list(),
        duration_s=time.monotonic() - started,
        isolation=grading.isolation_used or "process-group",
        lab_version=lab.version,
        grader_version=__version__,
        files=files,
        notes=list(submission.notes) + grading.notes,
        staff_log=log.getvalue(),
    )
