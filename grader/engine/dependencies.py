"""Dependencies between checks: a check whose prerequisite did not pass is skipped, naming it.

One rule, used twice: before a check runs in a session that has its
prerequisite's verdict (so no time is spent on it: the sessions of a
grading share their final statuses in a folder, see ``--grader-verdicts``),
and when the runner merges the results of the parallel sessions.
"""

from grader.i18n import lazy as _
from grader.model.results import PASSED, SKIPPED


def skip_message(dependency, result=None):
    """Why a check is skipped: its prerequisite did not pass (or was itself skipped, and why)."""
    if result is not None and result.status == SKIPPED and result.message:
        return result.message  # "no client was found", not a chain of "can't check until"
    return _("can't check until {dep} passes").format(dep=dependency)


def blocker(depends, results):
    """(dependency id, its result) of the first of ``depends`` that did not pass, or None.

    ``results`` maps check ids to the verdicts known so far; a dependency
    with no verdict there is not judged here (another session grades it).
    """
    for dependency in depends:
        result = results.get(dependency)
        if result is not None and result.status != PASSED:
            return dependency, result
    return None


def apply_dependencies(checks):
    """Skip every check whose prerequisite did not pass (in lab order; results from every session)."""
    by_id = {}
    for check in checks:
        blocked = blocker(check.depends, by_id)
        # A check its session skipped because a prerequisite failed in another session gets the
        # message (and nothing else) it gets here when it ran: the same result, whichever came first.
        elsewhere = check.status == SKIPPED and (check.details or {}).get("prerequisite_elsewhere")
        if blocked is not None and (check.status != SKIPPED or elsewhere):
            check.status, check.score, check.hint = SKIPPED, 0.0, ""
            check.message = skip_message(*blocked)
            check.details, check.transcript, check.output = {}, [], ""
        by_id[check.id] = check
    return checks
