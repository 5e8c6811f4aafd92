"""A submission that could not be graded (exit 2), as the platforms' files still show it.

A student whose upload is empty, or whose report holds no code, must read why
on the platform, with a score of 0: each format renders an ``Ungradable`` the
way it renders a grading.  ``reason`` is the one-line message the CLI prints.
"""

import html
from dataclasses import dataclass

from grader.i18n import _, language
from grader.report.markdown import inline
from grader.report.sanitize import for_terminal


@dataclass(frozen=True)
class Ungradable:
    lab: str
    submission: str
    reason: str
    max_score: float          # the lab's points: the student sees 0 of them, not 0 of 0
    lab_version: str = ""
    grader_version: str = ""

    @property
    def score(self):
        return 0.0


def render_markdown_ungradable(ungradable):
    """The Markdown report of an ungradable submission: the score line and the reason."""
    title = _("Lab report: {title}").format(title=ungradable.lab)
    score = _("Score: {score:g}/{max:g}").format(score=0, max=ungradable.max_score)
    return "\n".join([f"# {inline(title)}: {inline(ungradable.submission)}", "", f"**{inline(score)}**", "",
                      f"**{inline(_('Reason'))}:** {inline(ungradable.reason)}", ""])


def render_html_ungradable(ungradable):
    """A small self-contained page with the score and the reason (everything escaped)."""
    def esc(text):
        return html.escape(for_terminal(text), quote=True)

    title = _("Lab report: {title}").format(title=ungradable.lab) + f": {ungradable.submission}"
    score = _("Score: {score:g}/{max:g}").format(score=0, max=ungradable.max_score)
    return (f'<!DOCTYPE html>\n<html lang="{esc(language())}">\n<head><meta charset="utf-8">'
            f"<title>{esc(title)}</title></head>\n<body>\n<h1>{esc(title)}</h1>\n"
            f"<p><strong>{esc(score)}</strong></p>\n<p><strong>{esc(_('Reason'))}:</strong> "
            f"{esc(ungradable.reason)}</p>\n</body>\n</html>\n")
