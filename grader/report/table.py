"""The terminal table: check, status, points, one-line reason."""

import io

from rich.console import Console
from rich.table import Table
from rich.text import Text

from grader.i18n import _
from grader.model.results import protections
from grader.report.labels import isolation_label, status_label
from grader.report.sanitize import for_terminal, one_line

STYLE = {"passed": "green", "failed": "red", "skipped": "yellow", "error": "magenta"}
MARK = {"passed": "✔", "failed": "✘", "skipped": "–", "error": "!"}
__all__ = ["render", "render_table", "status_label"]


def render_table(checks, *, plain=False, width=110):
    """The checks as a table (``plain``: no colour, for logs and pytest's summary)."""
    table = Table(show_lines=False, expand=False, box=None if plain else None, pad_edge=False)
    table.add_column(_("Check"), no_wrap=True)
    table.add_column(_("Status"), no_wrap=True)
    table.add_column(_("Points"), justify="right", no_wrap=True)
    table.add_column(_("Reason"), overflow="fold")
    for check in checks:
        table.add_row(
            Text(check.id),
            Text(f"{MARK[check.status]} {status_label(check.status)}", style=STYLE[check.status]),
            Text(f"{check.score:g}/{check.max_score:g}"),
            Text(one_line(check.message, 160) if check.status != "passed" else one_line(check.title, 160),
                 style="dim" if check.status == "passed" else ""),
        )
    return _export(table, plain, width)


def render(result, *, plain=False, width=110, report_path=None, written=()):
    """The whole terminal output for one grading: table, score line, notes, footer.

    ``report_path`` is the HTML report, ``written`` the other report files.
    """
    parts = [render_table(result.checks, plain=plain, width=width)]
    counts = result.counts()
    score = Text()
    score.append(_("Score: {score:g}/{max:g}").format(score=result.score, max=result.max_score), style="bold")
    score.append("  " + _("{passed} passed, {failed} failed, {skipped} skipped, {error} errors").format(**counts))
    lines = [score]
    for note in result.notes:
        lines.append(Text("• " + for_terminal(note), style="dim"))
    graded_by = distinct_graded_by(result.checks)
    if graded_by:  # who played the members (a lab's words): robots, the student's own client...
        lines.append(Text(_("Checks graded through: {who}.").format(
            who=", ".join(for_terminal(str(who)) for who in graded_by)), style="dim"))
    footer = _("Isolation: {isolation}; graded in {s:.1f} s.").format(
        isolation=isolation_label(result.isolation), s=result.duration_s)
    lines.append(Text(footer, style="dim"))
    if "files" not in protections(result.isolation):
        lines.append(Text(_("Warning: files are not isolated: the student's programs ran with your rights "
                            "and could read and write every file you can."), style="bold"))
    if report_path:
        lines.append(Text(_("Report: {path}").format(path=report_path)))
    if written:
        lines.append(Text(_("Also written: {files}").format(files=", ".join(str(path) for path in written))))
    parts.append(_export_lines(lines, plain, width))
    return "\n".join(parts)


def distinct_graded_by(checks):
    """The distinct ``graded_by`` values of ``checks``, in order of first appearance."""
    found = []
    for check in checks:
        who = getattr(check, "graded_by", "")
        if who and who not in found:
            found.append(who)
    return found


def _console(plain, width):
    return Console(file=io.StringIO(), width=width, force_terminal=not plain, no_color=plain,
                   color_system=None if plain else "standard", highlight=False, emoji=False)


def _export(renderable, plain, width):
    console = _console(plain, width)
    console.print(renderable)
    return console.file.getvalue().rstrip("\n")


def _export_lines(lines, plain, width):
    console = _console(plain, width)
    for line in lines:
        console.print(line)
    return console.file.getvalue().rstrip("\n")
