"""A check's verdict explained in plain text: for the formats that show text, not HTML.

JUnit, Gradescope and GitHub Classroom each show one block of text per
check; this writes it from the failure's fields, in the active language.
The text is cleaned of control characters; each format escapes it its own way.
"""

from grader.i18n import _
from grader.report.labels import who_label
from grader.report.sanitize import for_terminal


def reason(check):
    """The one thing to read about a check: its message, or its title when it passed."""
    return for_terminal(check.message if check.status != "passed" and check.message else check.title)


def explanation(check):
    """Everything a student needs about ``check``, as lines of plain text ('' for a passed check)."""
    if check.status == "passed":
        return ""
    details = check.details or {}
    lines = [reason(check)]
    if check.hint and check.status == "failed":
        lines.append(_("Hint: {hint}").format(hint=check.hint))
    if details.get("action"):
        lines.append(_("What the robots did: {action}").format(action=details["action"]))
    if details.get("expected"):
        who = details.get("who")
        if who:
            lines.append(_("Expected by {who}: {text}").format(who=who_label(who), text=details["expected"]))
        else:
            lines.append(_("Expected: {text}").format(text=details["expected"]))
    if "received" in details:
        received = details.get("received") or _("(nothing)")
        if details.get("waited_s") is not None:
            lines.append(_("Received in {s} s: {text}").format(s=details["waited_s"], text=received))
        else:
            lines.append(_("Received: {text}").format(text=received))
    if details.get("ending"):
        lines.append(f"[{details['ending']}]")
    if details.get("cause"):
        lines.append(_("Line: {line}").format(line=details["cause"]))
    lines.extend(details.get("diagnosis") or [])
    return for_terminal("\n".join(str(line) for line in lines).replace("\r\n", "\n"))
