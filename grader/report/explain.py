"""A check's verdict explained in plain text: for the formats that show text, not HTML.

JUnit, Gradescope and GitHub Classroom each show one block of text per
check; this writes it from the failure's fields, in the active language.
The text is cleaned of control characters; each format escapes it its own way.
"""

from grader.i18n import _, number
from grader.report.labels import who_label
from grader.report.sanitize import for_terminal
from grader.report.tracebacks import clean_text

TYPED = ("send", "stdin")  # the transcript events whose text a member typed or sent


def reason(check):
    """The one thing to read about a check: its message, or its title when it passed."""
    return for_terminal(check.message if check.status != "passed" and check.message else check.title)


def expected_is_literal(check):
    """Whether ``check``'s expected text is literal text (to show as such) rather than a description of it.

    A failure may say so (``details["expected_literal"]``); otherwise the
    expected text is literal when a member sent it: "hello everyone" was typed
    by a robot, "a notice that Bob left" was never typed by anyone.
    """
    details = check.details or {}
    if isinstance(details.get("expected_literal"), bool):
        return details["expected_literal"]
    expected = str(details.get("expected") or "").strip()
    if not expected:
        return False
    for event in check.transcript or []:
        kind, text = (event.get("kind", ""), event.get("text", "")) if isinstance(event, dict) else (
            getattr(event, "kind", ""), getattr(event, "text", ""))
        if kind in TYPED and expected in str(text or ""):
            return True
    return False


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
        received = clean_text(details.get("received")) or _("(nothing)")
        if isinstance(details.get("waited_s"), (int, float)):
            lines.append(_("Received in {s} s: {text}").format(s=number(details["waited_s"]), text=received))
        else:
            lines.append(_("Received: {text}").format(text=received))
    if details.get("ending"):
        lines.append(f"[{details['ending']}]")
    if details.get("cause"):
        lines.append(_("Line: {line}").format(line=details["cause"]))
    lines.extend(details.get("diagnosis") or [])
    return for_terminal("\n".join(str(line) for line in lines).replace("\r\n", "\n"))
