"""The pytest plugin: a lab's scenarios are pytest tests using these fixtures.

This module is the only one that knows pytest.  It turns a test marked with
``@check`` into a graded check: points from ``lab.toml``, dependencies
(a check whose prerequisite did not pass is skipped, naming it), a fresh
server per check, robots, a transcript, and a ``CheckResult`` collected
through the report hooks.  ``grader check`` runs pytest with it
programmatically; ``pytest labs/LAB --submission PATH`` works as well.
"""

import codecs
import json
import os
import time
from pathlib import Path

import pytest
from _pytest.runner import runtestprotocol

from grader.drive.quiescence import StartupStillness
from grader.drive.transcript import Transcript
from grader.engine import diagnose, runnable
from grader.engine.dependencies import blocker, skip_message
from grader.engine.plan import Plan
from grader.engine.session import GradingSession
from grader.errors import GraderError, during_interrupt
from grader.i18n import add_catalog, set_language
from grader.i18n import lazy as _
from grader.intake.discover import discover, make_workdir
from grader.isolation.program import Server, StartupFailed
from grader.model.failure import CheckFailed
from grader.model.lab import load_lab
from grader.model.results import ERROR, FAILED, PASSED, SKIPPED, CheckResult
from grader.model.text import Text, encode

GRADING = pytest.StashKey()
TRANSCRIPT = pytest.StashKey()
PROGRAMS = pytest.StashKey()
REPORTS = pytest.StashKey()
STARTED = pytest.StashKey()
CONFIRMED = pytest.StashKey()  # a failure decided by a deadline was graded a second time
GRADED_BY = pytest.StashKey()  # who the lab's fixtures made the members of this check (robots, the student's client)
ELSEWHERE = pytest.StashKey()  # skipped before it ran: a prerequisite failed in another session of the grading
NAMES = pytest.StashKey()  # robot port -> robot name, for "the thread serving Alice"


class SkipCheck(pytest.skip.Exception):
    """A check that cannot run; ``text`` says why (a Text, rendered in the reader's language)."""

    def __init__(self, text):
        super().__init__(text.english() if isinstance(text, Text) else str(text))
        self.text = text


def skip(text):
    """Skip the current check, saying why: ``skip(_("there is no client in the submission"))``."""
    raise SkipCheck(text)


def check(check_id, depends=(), hint=None):
    """Mark a scenario as the graded check ``check_id``.

    Its docstring's first line is the title the student sees; ``depends``
    names checks that must pass first; ``hint`` is shown when it fails.
    """
    depends = (depends,) if isinstance(depends, str) else tuple(depends)

    def decorate(function):
        return pytest.mark.check(id=check_id, depends=depends, hint=hint)(function)

    return decorate


def pytest_addoption(parser):
    group = parser.getgroup("grader", "grading a submission with a lab's checks")
    group.addoption("--grader-plan", help="(used by `grader check`) the resolved submission, lab and isolation, "
                    "as JSON: the session grades without discovering anything again")
    group.addoption("--submission", help="grade this submission (folder, .py file or lab report)")
    group.addoption("--submission-server", help="the server file inside the submission")
    group.addoption("--submission-client", help="the client file inside the submission")
    group.addoption("--grader-lang", default="en", choices=("en", "ru"), help="language of messages")
    group.addoption("--grader-isolation", default="auto", choices=("auto", "namespaces", "process"),
                    help="how student programs are isolated")
    group.addoption("--grader-results", help="write this session's check results as JSON to this file")
    group.addoption("--grader-verdicts", help="(used by `grader check`) a folder the sessions of one grading "
                    "share: each check's final status, so that no session runs a check whose prerequisite "
                    "failed in another")


def pytest_configure(config):
    config.addinivalue_line("markers", "check(id, depends=(), hint=None): a graded check of a lab")
    plan_file = config.getoption("grader_plan")
    if plan_file or config.getoption("submission"):
        set_language(config.getoption("grader_lang"))
        try:
            plan = Plan.load(plan_file) if plan_file else _plan_from_options(config)
        except GraderError as exc:
            raise pytest.UsageError(str(exc)) from None
        add_catalog(plan.lab.path / "locale")  # the lab's own messages
        grading = Grading(config, plan)
        config.stash[GRADING] = grading
        config.pluginmanager.register(grading, "grader-grading")


def _plan_from_options(config):
    """``pytest labs/LAB --submission PATH``: discover here, since no runner did."""
    # The lab is the folder (with lab.toml) of the scenario paths given, else of the root.
    given = [Path(arg.split("::")[0]) for arg in config.args] or [Path(config.rootpath)]
    lab = load_lab(_find_lab_dir(given[0].resolve() / "lab.toml"))
    workdir = make_workdir()
    submission = discover(config.getoption("submission"), server=config.getoption("submission_server"),
                          client=config.getoption("submission_client"), workdir=workdir / "submission",
                          roles=lab.roles)
    return Plan(submission, lab, config.getoption("grader_isolation"), cleanup=workdir)


class Grading(GradingSession):
    """The pytest side of a grading session: hooks that run checks and collect their results."""

    def __init__(self, config, plan):
        super().__init__(plan.submission, plan.lab, isolation=plan.isolation)
        self.config = config
        self.plan = plan
        shared = config.getoption("grader_verdicts")
        self.shared = Path(shared) if shared else None
        self._pods_after = {}  # node id -> whether a later check runs programs (set once collected)
        for role in plan.lab.roles:  # Windows commands do nothing here: say so once, with the line
            file = plan.submission.relative(plan.submission.file(role))
            for line, command in runnable.windows_commands(plan.submission.source(role)):
                self.note(_("os.system({command!r}) at {file}:{line} is a Windows command: here it only prints "
                            "an error (the grader runs Linux).").format(command=command, file=file, line=line))

    # --------------------------------------------------------------- hooks
    def pytest_collection_modifyitems(self, session, config, items):
        # Checks run in the order of lab.toml (server checks before the client
        # checks that use their verdicts), whatever the files are called.
        order = {check_id: index for index, check_id in enumerate(self.lab.points)} if self.lab else {}

        def position(item):
            marker = item.get_closest_marker("check")
            return order.get(marker.kwargs["id"], len(order)) if marker else len(order)

        items.sort(key=position)
        self.collected = {m.kwargs["id"] for m in (item.get_closest_marker("check") for item in items) if m}
        # Which checks have another after them that runs programs: only they start the next one's server
        # in advance (a spare started after the last such check would be started and stopped for nothing).
        ahead = False
        self._pods_after = {}
        for item in reversed(items):
            self._pods_after[item.nodeid] = ahead
            ahead = ahead or "pod" in getattr(item, "fixturenames", ())

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_protocol(self, item, nextitem):
        """Run a check; a failure decided by a deadline (not by evidence) is graded once more, fresh.

        Most failures are decided on complete evidence (what was awaited
        cannot arrive any more: every program is blocked for good), which
        no load changes.  A failure that a time bound decided (a program
        that never settled) might, and so might one in a server with a
        thread in a busy loop, which races the others; it is confirmed in a
        fresh pod, with fresh programs, before it counts, and only failures
        pay for that.  The confirmation's verdict is the one reported.
        """
        if item.get_closest_marker("check") is None:
            return None
        item.ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
        self.pods_ahead = self._pods_after.get(item.nodeid, True)
        reports = runtestprotocol(item, nextitem=nextitem, log=False)
        if _to_confirm(item):
            item.stash[CONFIRMED] = True
            item._initrequest()  # fresh fixtures: a new pod, new programs, a new transcript
            reports = runtestprotocol(item, nextitem=nextitem, log=False)
        self._share(item.get_closest_marker("check").kwargs["id"])  # final, confirmed or not
        for report in reports:
            item.ihook.pytest_runtest_logreport(report=report)
        item.ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
        return True

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item):
        item.stash[REPORTS] = []
        item.stash[STARTED] = time.monotonic()
        marker = item.get_closest_marker("check")
        if marker is None:
            return
        if marker.kwargs["id"] in self.not_applicable:  # before its dependencies: it would not apply either way
            skip(self.not_applicable[marker.kwargs["id"]] or _("this check does not apply to this submission"))
        depends = marker.kwargs.get("depends", ())
        missing = [d for d in depends if d in self.collected and d not in self.results]
        if missing:  # a lab whose order puts a check before its prerequisite
            skip(_("can't check until {dep} has run").format(dep=missing[0]))
        blocked = blocker(depends, self.results)  # prerequisites graded elsewhere: applied when merging
        if blocked is not None:
            if (blocked[1].details or {}).get("prerequisite_elsewhere"):
                item.stash[ELSEWHERE] = True  # a skip that follows one: its message is the merge's too
            skip(skip_message(*blocked))
        failed = self._failed_elsewhere(depends)
        if failed is not None:  # the merge would skip it anyway: its message is written there
            item.stash[ELSEWHERE] = True
            skip(skip_message(failed))

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        if item.get_closest_marker("check") is None:
            return
        failure = call.excinfo.value if call.excinfo is not None else None
        if failure is not None and not isinstance(failure, KeyboardInterrupt) and during_interrupt(failure):
            raise KeyboardInterrupt  # the session ends as a Ctrl-C does, not with the check in error
        item.stash.setdefault(REPORTS, []).append((call, report))
        if call.when == "teardown":
            result = self._result(item)
            self.results[result.id] = result

    def pytest_sessionfinish(self, session):
        self.close()
        self.plan.close()
        target = self.config.getoption("grader_results")
        if target:
            data = {"checks": [encode(result) for result in self.result_list()], "notes": encode(self.notes),
                    "isolation": self.isolation_used}
            Path(target).write_text(json.dumps(data, ensure_ascii=False, default=str), encoding="utf-8")
    # ------------------------------------------- verdicts shared across sessions
    def _share(self, check_id):
        """Publish ``check_id``'s final status to the grading's other sessions (written whole, then renamed)."""
        result = self.results.get(check_id)
        if self.shared is None or result is None:
            return
        partial = self.shared / f".{check_id}.{os.getpid()}"
        partial.write_text(result.status, encoding="utf-8")
        os.replace(partial, self.shared / check_id)

    def _failed_elsewhere(self, depends):
        """The first of ``depends`` that did not pass in another session (failed, error, or skipped), else None.

        Such a check is skipped at the merge whatever it does here (a status
        other than passed never turns into passed there), so it is skipped
        now; its message is written at the merge, as for one that ran.
        """
        if self.shared is None:
            return None
        for dependency in depends:
            if dependency in self.results:
                continue  # graded here, and passed (``blocker`` saw to the rest)
            try:
                status = (self.shared / dependency).read_text(encoding="utf-8")
            except OSError:
                continue  # not graded yet
            if status != PASSED:
                return dependency
        return None

    def pytest_terminal_summary(self, terminalreporter):
        if self.config.getoption("grader_plan"):
            return  # `grader check` prints its own table
        from grader.report.table import render_table

        terminalreporter.write_line("")
        for line in render_table(self.result_list(), plain=True).splitlines():
            terminalreporter.write_line(line)

    def result_list(self):
        return list(self.results.values())

    # ------------------------------------------------------------- verdict
    def _result(self, item):
        marker = item.get_closest_marker("check")
        check_id = marker.kwargs["id"]
        title = (item.function.__doc__ or check_id).strip().splitlines()[0]
        points = float(self.points.get(check_id, 0)) if self.lab else 0.0
        status, message, hint, details = PASSED, "", "", {}
        complete = False
        failed_at = None
        log = []
        for call, report in item.stash.get(REPORTS, []):
            if report.passed:
                continue
            if report.skipped:
                if status == PASSED:
                    status = SKIPPED
                    message = _skip_reason(call, report)
                continue
            excinfo = call.excinfo
            if excinfo is not None and isinstance(excinfo.value, CheckFailed) and status in (PASSED, SKIPPED):
                status = FAILED
                message = excinfo.value.message
                details = dict(excinfo.value.fields)
                hint = excinfo.value.hint or marker.kwargs.get("hint") or ""
                complete = excinfo.value.complete
                failed_at = excinfo.value.at
            elif excinfo is not None and excinfo.errisinstance(AssertionError) and status in (PASSED, SKIPPED):
                status = FAILED
                message = str(excinfo.value).splitlines()[0] if str(excinfo.value) else _("an expectation failed")
                hint = marker.kwargs.get("hint") or ""
            elif status != ERROR:
                status = ERROR
                message = _("the grader failed while running this check (not your fault): {error}").format(
                    error=_one_line(excinfo))
                log.append(str(report.longrepr))
        programs = item.stash.get(PROGRAMS, [])
        if status == SKIPPED and item.stash.get(ELSEWHERE, False):
            details["prerequisite_elsewhere"] = True  # its message is the merge's (grader.engine.dependencies)
        if status == FAILED and item.stash.get(CONFIRMED, False):
            details["confirmed"] = True  # decided by a deadline, and so again in a fresh pod
        if status == FAILED and not complete:
            extra = diagnose.after_failure(programs, details, item.stash.get(NAMES, {}), before=failed_at)
            if extra:
                details["diagnosis"] = extra
                message = message + " " + extra[0]
        transcript = item.stash.get(TRANSCRIPT, None)
        output = Text.joined("\n", [_program_output(p) for p in programs if p.stdout.total or p.stderr.total])
        started = item.stash.get(STARTED, None)
        return CheckResult(
            id=check_id,
            title=_(title),
            status=status,
            score=points if status == PASSED else 0.0,
            max_score=points,
            message=message,
            hint=(hint if isinstance(hint, Text) else _(hint)) if hint else "",
            details=details,
            transcript=transcript.snapshot() if transcript else [],
            log=log,
            output=output,
            duration_s=round(time.monotonic() - started, 3) if started else 0.0,
            depends=list(marker.kwargs.get("depends", ())),
            graded_by=item.stash.get(GRADED_BY, ""),
        )


def _to_confirm(item):
    """Whether the check just run failed on a deadline rather than on complete evidence, or racing."""
    if item.stash.get(CONFIRMED, False):
        return False
    for call, _report in item.stash.get(REPORTS, []):
        failure = call.excinfo.value if call.excinfo is not None else None
        if isinstance(failure, CheckFailed) and (failure.by_deadline or failure.racing):
            return True
    return False


def _skip_reason(call, report):
    if call.excinfo is not None and isinstance(call.excinfo.value, SkipCheck):
        return call.excinfo.value.text
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def _one_line(excinfo):
    if excinfo is None:
        return "?"
    text = str(excinfo.value).strip().splitlines()
    return f"{excinfo.typename}: {text[0]}" if text else excinfo.typename


def _program_output(program):
    parts = []
    for name, capture in (("stdout", program.stdout), ("stderr", program.stderr)):
        if capture.total:
            label = _("--- the server's {stream} ({n} bytes) ---") if program.role == "server" else _(
                "--- the client's {stream} ({n} bytes) ---")
            parts.append(label.format(stream=name, n=capture.total) + "\n" + capture.text())
    return Text.joined("\n", parts)


def _find_lab_dir(path):
    for folder in [path.parent, *path.parents]:
        if (folder / "lab.toml").is_file():
            return folder
    return path.parent


# ------------------------------------------------------------------ fixtures
# Generic fixtures only: a lab builds its own members (robots, drivers) on
# these in its conftest.py.
@pytest.fixture
def grading(request):
    """The grading session (submission, lab, results so far)."""
    try:
        return request.config.stash[GRADING]
    except KeyError:
        pytest.skip("no submission to grade: run with --submission PATH")


@pytest.fixture
def lab(grading):
    """The lab being graded (``lab.toml``'s points, timeouts and sections)."""
    return grading.lab


@pytest.fixture
def submission(grading):
    """The submission: its files and which one plays which role."""
    return grading.submission


@pytest.fixture
def transcript(request):
    """This check's transcript: every member's sends and receives, timed."""
    record = Transcript()
    request.node.stash[TRANSCRIPT] = record
    return record


@pytest.fixture
def pod(grading, request):
    """Where this check's programs run; torn down completely after the check."""
    request.node.stash[PROGRAMS] = []
    running = grading.take_pod()
    grading.isolation_used = running.isolation
    yield running
    grading.close_later(running)


@pytest.fixture
def programs(request):
    """Register a program this check started, so that its output and diagnoses reach the result."""
    started = request.node.stash.setdefault(PROGRAMS, [])
    return started.append


@pytest.fixture
def graded_by(request):
    """Say who played the members of this check: ``graded_by(_("your client"))``; kept in the result."""
    def record(label):
        request.node.stash[GRADED_BY] = label
    return record


@pytest.fixture
def peer_names(request):
    """Name the grader's connections by local port, for diagnoses ("the thread serving Alice")."""
    names = request.node.stash.setdefault(NAMES, {})
    return names


@pytest.fixture
def server(grading, pod, transcript, request):
    """The student's server, started from a fresh copy and listening."""
    if grading.submission.server is None:
        skip(_("there is no server in the submission"))
    if grading.startup_failed:
        # Found in an earlier check of this session: each would wait the same start-up deadline for nothing.
        skip(skip_message(grading.startup_failed))
    program = pod.server_program
    request.node.stash[PROGRAMS].append(program)
    program.on_output = transcribe_output(transcript, "server")
    if program.stdout.total:  # what it printed before this check took it
        transcript.add("server", "stdout", program.stdout.text())
    timeout = grading.lab.timeout("startup")
    try:
        listening = program.wait_listening(timeout, settled=StartupStillness(program, timeout))
    except StartupFailed as failure:
        grading.observe(program)
        marker = request.node.get_closest_marker("check")
        grading.startup_failed = marker.kwargs["id"] if marker else request.node.name
        grading.stop_spares()  # the next checks are skipped: no server to start for them
        raise diagnose.startup_failure(failure, timeout) from None
    grading.observe(program)
    grading.prepare_next()
    transcript.add("server", "note", _("listening on {host}:{port}").format(host=listening.host, port=listening.port))
    return Server(program, listening)


def transcribe_output(transcript, who):
    """An ``on_output`` callback that records a program's output in the transcript (the start of a flood)."""
    decoders = {"stdout": codecs.getincrementaldecoder("utf-8")("replace"),
                "stderr": codecs.getincrementaldecoder("utf-8")("replace")}
    budget = {"left": 8192}

    def on_output(stream, chunk):
        if budget["left"] <= 0:
            return
        text = decoders[stream].decode(chunk[:budget["left"]])
        budget["left"] -= len(chunk)
        transcript.add(who, stream, text)

    return on_output
