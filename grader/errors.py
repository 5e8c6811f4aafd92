"""Errors the grader reports to its user, each with a message that says what to do next.

The CLI maps each class to an exit code (see ``grader.cli.Exit``); nothing
else in the package prints or exits.
"""


class GraderError(Exception):
    """Base class of the errors the CLI turns into one line and an exit code."""


class UsageError(GraderError):
    """Bad arguments or an unreadable submission: the user can fix it (exit 2)."""


class SubmissionError(UsageError):
    """The submission cannot be graded as handed in (missing, empty, no server found...)."""


class LabError(GraderError):
    """The lab definition (lab.toml, scenarios) is broken: the instructor can fix it (exit 3)."""


def during_interrupt(error):
    """True if ``error`` arose while a KeyboardInterrupt was being handled: that Ctrl-C is what happened.

    A Ctrl-C inside threading's own locking (a Thread.start() in a check's
    fixture) can leave a lock released twice: RuntimeError("release unlocked
    lock") during the interrupt, which a check must not report as the
    grader's error (test_interrupt, once in a fresh clone's suite).

    A Ctrl-C that lands in certain frames leaves a traceback entry without
    a line number (Python 3.11), and pytest's own report of the interrupt
    then fails on it (TypeError in ``_pytest._code``): ``grader watch``
    ended with "internal error" instead of "Stopped watching".
    """
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, KeyboardInterrupt):
            return True
        seen.add(id(error))
        error = error.__context__
    return False
