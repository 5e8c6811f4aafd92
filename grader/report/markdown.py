"""The report as Markdown, to paste into a lab report: score, table of checks, what to fix.

Student-controlled text can never become markup here: inline text is
backslash-escaped (emphasis, links, HTML tags, table pipes), and program
output goes into code fences longer than any run of backticks it contains.
"""

import re

from grader.i18n import _, number
from grader.report.explain import expected_is_literal, reason
from grader.report.labels import isolation_label, status_label, who_label
from grader.report.sanitize import for_terminal
from grader.report.tracebacks import clean_text

MARK = {"passed": "✔", "failed": "✘", "skipped": "–", "error": "!"}
# Characters that start markup anywhere in a line ($: math on GitHub; &: entities; |: table cells).
_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&#$])")
# ...and those that do only at the start of a paragraph: a list item or a heading underline.
_LINE_START = re.compile(r"^([-+=]|\d+(?=[.)]))")
MAX_BLOCK = 3000  # characters of program output in one code block


def inline(text):
    """``text`` as literal Markdown on one line: every character that could mean markup is escaped."""
    text = " ".join(for_terminal(text).split())
    text = _SPECIAL.sub(r"\\\1", text)
    return _LINE_START.sub(lambda m: m.group() + "\\" if m.group()[0].isdigit() else "\\" + m.group(), text)


def code(text):
    """``text`` as an inline code span (check ids, file names)."""
    text = " ".join(for_terminal(text).split())
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def block(text):
    """``text`` as a fenced code block: shown verbatim, whatever it contains."""
    text = for_terminal(str(text).replace("\r\n", "\n"))
    if len(text) > MAX_BLOCK:
        text = text[:MAX_BLOCK] + "\n…"
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"


def render_markdown(result):
    """The Markdown report of ``result`` as a string."""
    counts = result.counts()
    # Translated words are looked up outside the f-strings: the message extractor does not see inside them.
    title = _("Lab report: {title}").format(title=result.lab_title or result.lab)
    isolation = _("isolation")
    lab = _("lab {name}, version {version}").format(name=result.lab, version=result.lab_version)
    score = _("Score: {score}/{max}").format(score=number(result.score), max=number(result.max_score))
    tally = _("{passed} passed, {failed} failed, {skipped} skipped, {error} errors").format(**counts)
    out = [f"# {inline(title)}: {inline(result.submission)}", "", f"**{inline(score)}** · {inline(tally)}", ""]
    meta = [inline(lab),
            f"{inline(isolation)}: {inline(isolation_label(result.isolation))}",
            inline(_("graded in {s} s").format(s=number(result.duration_s, 1)))]
    out += [" · ".join(meta), ""]
    heads = (_("Check"), _("Status"), _("Points"), _("Reason"))
    out.append("| " + " | ".join(inline(head) for head in heads) + " |")
    out.append("|---|---|--:|---|")
    for check in result.checks:
        out.append(f"| {code(check.id)} | {MARK.get(check.status, '?')} {inline(status_label(check.status))} "
                   f"| {number(check.score)}/{number(check.max_score)} | {inline(reason(check))} |")
    if result.notes:
        out += ["", "## " + inline(_("Notes")), ""]
        out += [f"- {inline(note)}" for note in result.notes]
    to_fix = [check for check in result.checks if check.status in ("failed", "error")]
    if to_fix:
        out += ["", "## " + inline(_("What to fix"))]
        for check in to_fix:
            out += [""] + _failure(check)
    return "\n".join(out) + "\n"


def _failure(check):
    details = check.details or {}
    out = [f"### {MARK.get(check.status, '?')} {inline(check.title)} ({code(check.id)}, "
           f"{number(check.score)}/{number(check.max_score)})", "", inline(check.message or status_label(check.status))]
    if check.hint and check.status == "failed":
        out += ["", "**" + inline(_("Hint")) + f":** {inline(check.hint)}"]
    if details.get("action"):
        out += ["", "**" + inline(_("What the robots did")) + f":** {inline(details['action'])}"]
    if details.get("expected"):
        who = f" ({inline(who_label(details['who']))})" if details.get("who") else ""
        # Literal text in a code block; the grader's description of it as plain words.
        expected = block(details["expected"]) if expected_is_literal(check) else inline(details["expected"])
        out += ["", "**" + inline(_("Expected")) + f"**{who}:", "", expected]
    if "received" in details:
        waited = details.get("waited_s")
        waited_known = isinstance(waited, (int, float))
        when = " (" + inline(_("waited {s} s").format(s=number(waited))) + ")" if waited_known else ""
        received = clean_text(details.get("received"))
        # What arrived is literal (a code block); "nothing" and how it ended are the grader's words.
        shown = [block(received)] if received.strip() else [inline(_("nothing"))]
        if details.get("ending"):
            shown += ["", inline(details["ending"])]
        out += ["", "**" + inline(_("Received")) + f"**{when}:", ""] + shown
    if details.get("cause"):
        out += ["", "**" + inline(_("Line")) + ":**", "", block(details["cause"])]
    for extra in details.get("diagnosis") or []:
        out += ["", f"- {inline(extra)}"]
    return out
