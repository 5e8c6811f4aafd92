"""The report formats ``grader check --format`` can write: a name, a file name, a renderer each."""

from dataclasses import dataclass
from pathlib import Path

from grader.errors import UsageError
from grader.i18n import _


@dataclass(frozen=True)
class Format:
    name: str
    filename: str
    render: object  # GradingResult -> str
    about: str


def _formats():
    # Imported here: a renderer's dependencies (Jinja) load only when a report is written.
    from grader.report.classroom import render_classroom
    from grader.report.gradescope import render_gradescope
    from grader.report.html import render_html
    from grader.report.junit import render_junit
    from grader.report.markdown import render_markdown
    from grader.report.summary import render_summary

    return {f.name: f for f in (
        Format("html", "report.html", render_html, "the report page (default)"),
        Format("md", "report.md", render_markdown, "Markdown, to paste into a lab report"),
        Format("json", "summary.json", render_summary, "the results as JSON (DESIGN.md schema)"),
        Format("gradescope", "gradescope.json", render_gradescope, "Gradescope's results.json"),
        Format("junit", "junit.xml", render_junit, "JUnit XML for CI"),
        Format("classroom", "classroom.json", render_classroom, "GitHub Classroom autograding result"),
    )}


NAMES = ("html", "md", "json", "gradescope", "junit", "classroom")
DEFAULT = ("html",)


def parse_formats(values):
    """The format names of ``--format`` values (each comma-separated, repeatable), in order, once each."""
    chosen = []
    for value in values or DEFAULT:
        for name in (part.strip().lower() for part in value.split(",")):
            if not name:
                continue
            if name not in NAMES:
                raise UsageError(_("unknown report format '{name}' (choose from: {names})").format(
                    name=name, names=", ".join(NAMES)))
            if name not in chosen:
                chosen.append(name)
    if not chosen:
        raise UsageError(_("--format needs at least one of: {names}").format(names=", ".join(NAMES)))
    return chosen


def write_reports(result, folder, names):
    """Render ``result`` in each format of ``names`` into ``folder``; return {name: path}."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    formats = _formats()
    written = {}
    for name in names:
        fmt = formats[name]
        path = folder / fmt.filename
        path.write_text(fmt.render(result), encoding="utf-8")
        written[name] = path
    return written
