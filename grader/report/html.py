"""The HTML report: one self-contained file, rendered with Jinja (autoescape on)."""

from functools import lru_cache

from jinja2 import Environment, PackageLoader, select_autoescape

from grader.i18n import _, language
from grader.report.terminal import status_label


@lru_cache(maxsize=None)
def _environment():
    env = Environment(loader=PackageLoader("grader.report", "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True))
    env.globals["_"] = _
    env.globals["status_label"] = status_label
    env.filters["clean"] = _clean
    return env


def _clean(text):
    """Any text from the student's programs: lone surrogates and NULs must not break the page."""
    text = str(text if text is not None else "")
    return text.encode("utf-8", "replace").decode("utf-8", "replace").replace("\x00", "\N{REPLACEMENT CHARACTER}")


def render_html(result):
    """The report page for ``result`` as a string."""
    return _environment().get_template("report.html.j2").render(result=result, lang=language())
