"""The HTML report: one self-contained file (no external assets), rendered with Jinja (autoescape on).

Score and summary first, then every check with its verdict, message, hint,
sequence diagram and transcript; failing checks are open.  Works offline
and prints (print styles in the template).
"""

from functools import lru_cache

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from grader.i18n import _, language
from grader.report.diagram import sequence_diagram
from grader.report.labels import isolation_label, kind_label, status_label, who_label
from grader.report.sanitize import for_terminal, one_line

SUMMARY_LIMIT = 300  # characters of a message in the summary table; the check's section has it all


@lru_cache(maxsize=None)
def _environment():
    env = Environment(loader=PackageLoader("grader.report", "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True))
    env.globals.update(_=_, status_label=status_label, who_label=who_label, kind_label=kind_label,
                       isolation_label=isolation_label, diagram=_diagram)
    env.filters["clean"] = _clean
    env.filters["short"] = lambda text: one_line(text, SUMMARY_LIMIT)
    return env


def _clean(text):
    """Any text from the student's programs: no invalid characters; control characters shown, not obeyed."""
    return for_terminal(str(text if text is not None else "").replace("\r\n", "\n"))


def _diagram(check):
    # The SVG escapes every text it contains (grader.report.diagram): safe to embed as is.
    return Markup(sequence_diagram(check))


def render_html(result):
    """The report page for ``result`` as a string."""
    return _environment().get_template("report.html.j2").render(result=result, lang=language())
