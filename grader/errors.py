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
