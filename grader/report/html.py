"""The HTML report: one self-contained file (no external assets), rendered with Jinja (autoescape on).

Score and summary first, then every check with its verdict, message, hint,
sequence diagram and transcript; failing checks are open.  Works offline
and prints (print styles in the template).

The messages and hints are written with a little Markdown (`code`,
*emphasis*): they are rendered as such here (HTML in them stays text).  What
a program sent is shown literally (monospace); what the grader describes
("a notice that Bob left", "nothing") is shown as a description (italic).
Tracebacks go through ``grader.report.tracebacks``: the student's frames,
once per check.
"""

from functools import lru_cache

from markdown_it import MarkdownIt
from markupsafe import Markup

from grader.i18n import _, language, number
from grader.report.diagram import sequence_diagram
from grader.report.explain import expected_is_literal
from grader.report.labels import isolation_label, kind_label, status_label, who_label
from grader.report.sanitize import for_terminal, one_line
from grader.report.templating import page_environment
from grader.report.tracebacks import check_errors

SUMMARY_LIMIT = 300  # characters of a message in the summary table; the check's section has it all


@lru_cache(maxsize=None)
def _environment():
    env = page_environment()
    env.globals.update(_=_, status_label=status_label, who_label=who_label, kind_label=kind_label,
                       isolation_label=isolation_label, diagram=_diagram, number=number, view=check_view)
    env.filters["clean"] = _clean
    env.filters["short"] = lambda text: one_line(text, SUMMARY_LIMIT)
    env.filters["md"] = markdown_inline
    env.filters["number"] = number
    return env


def preload():
    """Load the page's template (compiled, from Jinja's cache) and the Markdown parser ahead of a render."""
    _environment().get_template("report.html.j2")
    _markdown()


@lru_cache(maxsize=None)
def _markdown():
    # Inline code, emphasis and backslash escapes only: no raw HTML, no links, no images
    # (a message quotes the student's code and what their programs sent).
    return MarkdownIt("zero", {"html": False}).enable(["backticks", "emphasis", "escape"])


def markdown_inline(text):
    """The Markdown-ish ``text`` of a message or hint as safe inline HTML (its own HTML stays text)."""
    return Markup(_markdown().renderInline(_clean(text)))


def _clean(text):
    """Any text from the student's programs: no invalid characters; control characters shown, not obeyed."""
    return for_terminal(str(text if text is not None else "").replace("\r\n", "\n"))


def _diagram(check):
    # The SVG escapes every text it contains (grader.report.diagram): safe to embed as is.
    return Markup(sequence_diagram(check))


def check_view(check):
    """What the template shows of ``check`` beyond its fields: literal or described, cleaned errors."""
    details = check.details or {}
    errors = check_errors(check, pointer=_("{exception} (the traceback is shown above)"))
    waited = details.get("waited_s")
    return {
        "expected_literal": expected_is_literal(check),
        "waited": number(waited) if isinstance(waited, (int, float)) else "",
        "received": errors.received,
        "tracebacks": [(tb.shown if not threads else "\n".join(threads) + "\n" + tb.text)
                       for tb, threads in errors.tracebacks],
        "output": errors.output,
        "stderr": errors.stderr,
    }


def render_html(result):
    """The report page for ``result`` as a string."""
    return _environment().get_template("report.html.j2").render(result=result, lang=language())
