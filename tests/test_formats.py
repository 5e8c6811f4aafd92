"""Every report format: produced by one flag, structurally valid, and safe with hostile student text."""

import json
import re
import xml.etree.ElementTree as ET

import pytest
from markdown_it import MarkdownIt

from conftest import REFERENCE, run_grader
from grader.errors import UsageError
from grader.i18n import set_language
from grader.report.formats import NAMES, parse_formats
from grader.report.gradescope import render_gradescope
from grader.report.html import render_html
from grader.report.junit import render_junit
from grader.report.markdown import render_markdown
from grader.report.summary import render_summary
from grader.report.table import render
from hostile import ANSI, SCRIPT, hostile_result

FILES = {"html": "report.html", "md": "report.md", "json": "summary.json", "gradescope": "gradescope.json",
         "junit": "junit.xml", "junit-github": "junit-github.xml"}
STATUSES = ["passed", "failed", "skipped", "error"]

# DESIGN.md's result schema (`--format json`, `--json FILE`); extra keys are allowed.
SUMMARY_SCHEMA = {
    "type": "object",
    "required": ["lab", "submission", "score", "max_score", "duration_s", "isolation", "checks"],
    "properties": {
        "lab": {"type": "string"}, "submission": {"type": "string"},
        "score": {"type": "number", "minimum": 0}, "max_score": {"type": "number", "minimum": 0},
        "duration_s": {"type": "number", "minimum": 0}, "isolation": {"type": "string"},
        "checks": {"type": "array", "items": {
            "type": "object",
            "required": ["id", "title", "status", "score", "max_score", "message", "hint"],
            "properties": {
                "id": {"type": "string", "pattern": r"^[a-z_]+\.[a-z_]+$"}, "title": {"type": "string"},
                "status": {"enum": STATUSES}, "score": {"type": "number", "minimum": 0},
                "max_score": {"type": "number", "minimum": 0}, "message": {"type": "string"},
                "hint": {"type": "string"}}}},
    },
}
# Gradescope's autograder results.json (gradescope-autograders.readthedocs.io, "Output format").
GRADESCOPE_SCHEMA = {
    "type": "object",
    "required": ["score", "execution_time", "output", "tests"],
    "properties": {
        "score": {"type": "number"}, "execution_time": {"type": "number"}, "output": {"type": "string"},
        "visibility": {"enum": ["hidden", "after_due_date", "after_published", "visible"]},
        "stdout_visibility": {"enum": ["hidden", "after_due_date", "after_published", "visible"]},
        "tests": {"type": "array", "items": {
            "type": "object", "required": ["name", "score", "max_score", "status", "output", "visibility"],
            "properties": {
                "name": {"type": "string"}, "score": {"type": "number"}, "max_score": {"type": "number"},
                "status": {"enum": ["passed", "failed"]}, "output": {"type": "string"},
                "visibility": {"enum": ["hidden", "after_due_date", "after_published", "visible"]}}}},
    },
}
def validate(data, schema):
    """jsonschema when it is installed; else the same schema checked by hand (types, required, enums)."""
    try:
        import jsonschema
    except ImportError:
        _check(data, schema, "$")
    else:
        jsonschema.validate(data, schema)


def _check(data, schema, where):
    kinds = {"object": dict, "array": list, "string": str, "integer": int, "number": (int, float)}
    if "type" in schema:
        assert isinstance(data, kinds[schema["type"]]) and not isinstance(data, bool), (where, data)
    if "enum" in schema:
        assert data in schema["enum"], (where, data)
    if "const" in schema:
        assert data == schema["const"], (where, data)
    if "pattern" in schema:
        assert re.search(schema["pattern"], data), (where, data)
    if "minimum" in schema:
        assert data >= schema["minimum"], (where, data)
    for key in schema.get("required", []):
        assert key in data, (where, key)
    for key, sub in schema.get("properties", {}).items():
        if key in data:
            _check(data[key], sub, f"{where}.{key}")
    if "items" in schema:
        for index, item in enumerate(data):
            _check(item, schema["items"], f"{where}[{index}]")


@pytest.fixture(autouse=True)
def english():
    set_language("en")
    yield
    set_language("en")


# ------------------------------------------------------------ a real grading
@pytest.mark.slow
def test_one_flag_writes_every_format(graded_no_broadcast):
    graded = graded_no_broadcast("en")
    for name, filename in FILES.items():
        assert (graded.report_dir / filename).is_file(), name
    assert (graded.report_dir / "result.json").is_file()  # the full results, always
    assert "Report:" in graded.stdout and "junit.xml" in graded.stdout


@pytest.mark.slow
def test_json_summary_follows_the_design_schema(graded_no_broadcast):
    graded = graded_no_broadcast("en")
    summary = json.loads((graded.report_dir / "summary.json").read_text(encoding="utf-8"))
    validate(summary, SUMMARY_SCHEMA)
    assert summary == graded.result  # --format json and --json FILE write the same thing
    assert summary["score"] == sum(c["score"] for c in summary["checks"]) < summary["max_score"]


@pytest.mark.slow
def test_gradescope_results(graded_no_broadcast):
    graded = graded_no_broadcast("en")
    data = json.loads((graded.report_dir / "gradescope.json").read_text(encoding="utf-8"))
    validate(data, GRADESCOPE_SCHEMA)
    assert data["score"] == graded.result["score"]
    assert len(data["tests"]) == len(graded.result["checks"])
    broadcast = next(t for t in data["tests"] if "(server.broadcast)" in t["name"])
    assert (broadcast["status"], broadcast["score"], broadcast["max_score"]) == ("failed", 0.0, 2.0)
    assert "hello everyone" in broadcast["output"] and "Hint:" in broadcast["output"]
    assert sum(t["max_score"] for t in data["tests"]) == graded.result["max_score"]


@pytest.mark.slow
def test_junit_xml(graded_no_broadcast):
    graded = graded_no_broadcast("en")
    root = ET.parse(graded.report_dir / "junit.xml").getroot()
    assert root.tag == "testsuites"
    [suite] = root.findall("testsuite")
    cases = suite.findall("testcase")
    statuses = graded.statuses()
    assert [c.get("name") for c in cases] == list(statuses)
    assert int(suite.get("tests")) == len(cases)
    failed = sum(status == "failed" for status in statuses.values())
    skipped = sum(status == "skipped" for status in statuses.values())
    assert failed >= 1 and skipped >= 1  # no_broadcast: broadcast fails, what needs it is skipped
    assert int(suite.get("failures")) == len(suite.findall("testcase/failure")) == failed
    assert int(suite.get("skipped")) == len(suite.findall("testcase/skipped")) == skipped
    assert int(suite.get("errors")) == 0
    failure = next(c for c in cases if c.get("name") == "server.broadcast").find("failure")
    assert "Bob" in failure.get("message") and "hello everyone" in failure.text
    assert all(float(c.get("time")) >= 0 for c in cases)


@pytest.mark.slow
def test_markdown_report(graded_no_broadcast):
    graded = graded_no_broadcast("en")
    text = (graded.report_dir / "report.md").read_text(encoding="utf-8")
    html = MarkdownIt("commonmark").enable("table").render(text)
    assert html.count("<tr>") == len(graded.result["checks"]) + 1
    assert "What to fix" in text and "<code>server.broadcast</code>" in html
    assert "<pre><code" in html  # what was expected and what arrived, verbatim


def test_format_flag_is_comma_separated_or_repeated():
    assert parse_formats(None) == ["html"]
    assert parse_formats(["md,junit", "json", "md"]) == ["md", "junit", "json"]
    assert parse_formats([" HTML , gradescope "]) == ["html", "gradescope"]
    assert set(NAMES) == set(FILES) | {"classroom50"}
    with pytest.raises(UsageError, match="retired"):
        parse_formats(["classroom"])
    with pytest.raises(UsageError, match="unknown report format 'pdf'"):
        parse_formats(["html,pdf"])


def test_an_unknown_format_is_bad_usage_before_any_grading():
    done = run_grader("check", REFERENCE, "--format", "html,docx")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [done.stderr.strip()] and "docx" in done.stderr


@pytest.mark.slow
def test_only_the_chosen_formats_are_written(tmp_path):
    done = run_grader("check", REFERENCE, "--out", tmp_path, "--format", "md", "--plain")
    assert done.returncode == 0, done.stdout + done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.md", "result.json"]


# ----------------------------------------------------------- hostile text
@pytest.fixture
def hostile():
    return hostile_result()


def test_html_escapes_everything(hostile):
    page = render_html(hostile)
    page.encode("utf-8")
    assert SCRIPT not in page and "<script" not in page.lower()
    assert "<b>bold</b>" not in page and "<img" not in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page
    assert "\x1b" not in page and "\x00" not in page
    assert not re.search("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]", page)
    assert page.count('class="sequence"') == 1
    assert page.count("<details") == len(hostile.checks)
    assert re.search(r'<details class="check failed" id="server\.broadcast"\s+open>', page)  # failures open


def test_markdown_escapes_everything(hostile):
    text = render_markdown(hostile)
    html = MarkdownIt("commonmark").enable("table").render(text)  # raw HTML would pass through here
    assert "<script" not in html and "<b>" not in html and "<img" not in html
    assert "\x1b" not in text and "\x00" not in text
    rows = re.findall(r"<tr>(.*?)</tr>", html, re.S)
    assert len(rows) == len(hostile.checks) + 1
    assert all(row.count("<td") in (0, 4) for row in rows)  # pipes in text do not add cells
    assert "<em>" not in html and "<a href" not in html  # nothing became emphasis or a link
    # Backticks in program output cannot close the fence around it.
    assert "```fence```" in html and "</code></pre>" in html


def test_junit_is_valid_xml_without_control_characters(hostile):
    text = render_junit(hostile)
    root = ET.fromstring(text.encode("utf-8"))
    suite = root.find("testsuite")
    assert (suite.get("failures"), suite.get("errors"), suite.get("skipped")) == ("1", "1", "1")
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", text)
    failure = root.find(".//failure")
    assert SCRIPT in failure.text and "^[[31mred" in failure.text  # kept as text, escape shown, not obeyed
    assert len(failure.get("message")) <= 500
    assert root.find(".//error") is not None and root.find(".//skipped") is not None


@pytest.mark.parametrize("render", [render_gradescope, render_summary])
def test_json_formats_are_valid_utf8_json(hostile, render):
    text = render(hostile)
    text.encode("utf-8")  # lone surrogates would make this raise
    data = json.loads(text)
    assert data


def test_gradescope_statuses(hostile):
    gradescope = json.loads(render_gradescope(hostile))
    validate(gradescope, GRADESCOPE_SCHEMA)
    assert [t["status"] for t in gradescope["tests"]] == ["passed", "failed", "failed", "failed"]
    assert gradescope["tests"][2]["output"].startswith("[skipped]")
    validate(json.loads(render_summary(hostile)), SUMMARY_SCHEMA)


def test_terminal_shows_no_escape_sequences_from_students(hostile):
    text = render(hostile, plain=True)
    assert "\x1b" not in text and "\u202e" not in text
    colour = render(hostile, plain=False)
    assert "\x1b]0;" not in colour  # our own colours only: no title-setting sequence from the student
    assert ANSI not in colour
