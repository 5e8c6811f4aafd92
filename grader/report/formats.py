"""The report formats ``grader check --format`` can write: a name, its files, a renderer each.

Every format also renders a submission that could not be graded
(``grader.report.ungradable.Ungradable``), so a platform always receives its
file: 0 points and the reason.  Classroom 50's needs the runner's environment
(``prepare`` reads it before a grading is spent).
"""

import importlib
import os
from dataclasses import dataclass
from pathlib import Path

from grader.errors import UsageError
from grader.i18n import _, number

CLASSROOM50_DIR = "classroom50"  # result.json and release-body.md, beside the kit's own result.json
RETIRED = {"classroom": "the 'classroom' format (GitHub Classroom's autograding reporter) was retired with "
                        "GitHub Classroom (closed on 2026-08-28): use --format classroom50 for Classroom 50"}


@dataclass(frozen=True)
class Format:
    name: str
    files: object       # (GradingResult, context) -> {relative path: text}
    ungradable: object  # (Ungradable, context) -> {relative path: text}
    about: str


def _renderer(module, name):
    # Imported when called: a report loads only its own renderer's dependencies (Jinja, Markdown), and
    # importing every format's module took about a tenth of a report's time.
    def render(*args):
        return getattr(importlib.import_module(f"grader.report.{module}"), name)(*args)
    return render


def _single(filename, module, name):
    render = _renderer(module, name)
    files = lambda data, context: {filename: render(data)}  # noqa: E731
    files.module = f"grader.report.{module}"  # for preload
    return files


def _classroom50(name):
    render = _renderer("classroom50", name)
    files = lambda data, context: {f"{CLASSROOM50_DIR}/{path}": text  # noqa: E731
                                   for path, text in render(data, context["classroom50"]).items()}
    files.module = "grader.report.classroom50"
    return files


_FORMATS = {f.name: f for f in (
    Format("html", _single("report.html", "html", "render_html"),
           _single("report.html", "ungradable", "render_html_ungradable"), "the report page (default)"),
    Format("md", _single("report.md", "markdown", "render_markdown"),
           _single("report.md", "ungradable", "render_markdown_ungradable"), "Markdown, to paste into a lab report"),
    Format("json", _single("summary.json", "summary", "render_summary"),
           _single("summary.json", "summary", "render_summary_ungradable"), "the results as JSON (DESIGN.md schema)"),
    Format("gradescope", _single("gradescope.json", "gradescope", "render_gradescope"),
           _single("gradescope.json", "gradescope", "render_gradescope_ungradable"), "Gradescope's results.json"),
    Format("junit", _single("junit.xml", "junit", "render_junit"),
           _single("junit.xml", "junit", "render_junit_ungradable"),
           "JUnit XML for CI (valid for Jenkins' xUnit, GitLab, GitHub reporters)"),
    Format("junit-github", _single("junit-github.xml", "junit", "render_junit_locations"),
           _single("junit-github.xml", "junit", "render_junit_ungradable"),
           "JUnit XML with file/line on failing testcases (GitHub/GitLab annotations; not for Jenkins)"),
    Format("classroom50", _classroom50("classroom50_files"), _classroom50("classroom50_ungradable_files"),
           "Classroom 50's result.json and release-body.md (in classroom50/)"),
)}


NAMES = tuple(_FORMATS)  # in the order --help lists them
DEFAULT = ("html",)


def parse_formats(values):
    """The format names of ``--format`` values (each comma-separated, repeatable), in order, once each."""
    chosen = []
    for value in values or DEFAULT:
        for name in (part.strip().lower() for part in value.split(",")):
            if not name:
                continue
            if name in RETIRED:
                raise UsageError(RETIRED[name])
            if name not in NAMES:
                raise UsageError(_("unknown report format '{name}' (choose from: {names})").format(
                    name=name, names=", ".join(NAMES)))
            if name not in chosen:
                chosen.append(name)
    if not chosen:
        raise UsageError(_("--format needs at least one of: {names}").format(names=", ".join(NAMES)))
    return chosen


def prepare(names, environ=None):
    """What the chosen formats need from outside the results (UsageError if it is missing): a context."""
    context = {}
    if "classroom50" in names:
        from grader.report.classroom50 import identity_from

        context["classroom50"] = identity_from(os.environ if environ is None else environ)
    return context


def preload(names):
    """Import the renderers of the formats ``names`` and load what they read lazily (a page's template).

    ``grader check`` calls it while it waits for the last sessions of a
    grading, on a core the grading no longer uses: the report is then
    written sooner after the grading (the page's renderer alone took 40 ms
    to import).
    """
    for name in names:
        module = importlib.import_module(_FORMATS[name].files.module)
        getattr(module, "preload", lambda: None)()
    # Every report writes numbers the language's way: Babel's data for it takes 40 ms to load.
    number(0.5)


def _write(folder, files):
    written = []
    for relative, text in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def write_reports(result, folder, names, context=None):
    """Render ``result`` in each format of ``names`` into ``folder``; return {name: path of its first file}."""
    return _write_all(result, folder, names, context, "files")


def write_ungradable(ungradable, folder, names, context=None):
    """Render a submission that could not be graded in each format of ``names``; return {name: path}."""
    return _write_all(ungradable, folder, names, context, "ungradable")


def _write_all(data, folder, names, context, kind):
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    context = prepare(names) if context is None else context
    return {name: _write(folder, getattr(_FORMATS[name], kind)(data, context))[0] for name in names}
