"""The platforms' files against the platforms' own schemas, from hand-built results (no grading)."""

import json
import xml.etree.ElementTree as ET

import pytest

from grader.errors import UsageError
from grader.i18n import set_language
from grader.model.results import CheckResult, GradingResult
from grader.report import classroom50
from grader.report.formats import NAMES, prepare, write_reports, write_ungradable
from grader.report.gradescope import render_gradescope, render_gradescope_ungradable
from grader.report.junit import location, render_junit, render_junit_locations, render_junit_ungradable
from grader.report.summary import render_summary_ungradable
from grader.report.ungradable import Ungradable, render_html_ungradable, render_markdown_ungradable
from hostile import hostile_result
from platform_schemas import validate_classroom50, validate_gradescope, validate_junit

ENV = {"CLASSROOM": "net101", "ASSIGNMENT": "chat", "SUBMISSION_TAG": "submit/20260901T101500Z-abc1234",
       "USERNAME": "ivanov", "COMMIT_URL": "https://github.com/net101/net101-chat-ivanov/commit/abc1234",
       "RELEASE_URL": "https://github.com/net101/net101-chat-ivanov/releases/tag/submit%2F20260901T101500Z-abc1234",
       "REVIEW_URL": "https://github.com/net101/net101-chat-ivanov/compare/000...abc1234",
       "GITHUB_ACTOR": "ivanov", "GITHUB_ACTOR_ID": "4242"}
UNGRADABLE = Ungradable("chat", "subs/empty", "subs/empty: no Python files in this folder (expected a server.py)",
                        25.0, "1", "0.1.0")


@pytest.fixture(autouse=True)
def english():
    set_language("en")
    yield


def every_status():
    """A grading with each status, a crash at a student line, fractional points, Cyrillic text."""
    checks = [
        CheckResult("server.starts", "The server starts and listens", "failed", 0.0, 1.0,
                    message="The server does not compile: SyntaxError at server.py:17: invalid syntax",
                    details={"cause": "    print 'hi'"}, duration_s=0.2),
        CheckResult("server.broadcast", "A message reaches every other member", "failed", 0.0, 2.0,
                    message="Bob waited 0.5 s for 'привет' but received nothing.",
                    details={"diagnosis": ["In the server, thread 2 raised BrokenPipeError at chat/net.py:42."]}),
        CheckResult("server.accepts", "A client connects", "passed", 1.5, 1.5, duration_s=0.01),
        CheckResult("server.attribution", "Receivers can tell who sent it", "skipped", 0.0, 1.0,
                    message="can't check until server.broadcast passes"),
        CheckResult("static.threading", "The server uses threading", "error", 0.0, 1.0,
                    message="the grader failed while running this check (not your fault): KeyError 'x'"),
    ]
    return GradingResult(lab="chat", submission="subs/ivanov", checks=checks, duration_s=3.25,
                         isolation="namespaces (bubblewrap)", lab_version="1", grader_version="0.1.0")


RESULTS = {"every_status": every_status, "hostile": hostile_result,
           "all_passed": lambda: GradingResult("chat", "ref", [CheckResult("server.starts", "t", "passed", 1, 1)]),
           "no_checks": lambda: GradingResult("chat", "ref", [])}


@pytest.mark.parametrize("make", RESULTS.values(), ids=RESULTS)
def test_junit_is_valid_for_jenkins_xunit(make):
    result = make()
    validate_junit(render_junit(result))
    root = ET.fromstring(render_junit(result).encode())
    assert root.get("skipped") is None  # junit-10.xsd has no 'skipped' on <testsuites>
    assert root.find("testsuite").get("skipped") == str(result.counts()["skipped"])


def test_junit_ungradable_is_valid_and_an_error():
    text = render_junit_ungradable(UNGRADABLE)
    validate_junit(text)
    [case] = ET.fromstring(text.encode()).iter("testcase")
    assert case.find("error").get("message") == UNGRADABLE.reason


def test_junit_github_puts_file_and_line_on_failing_testcases():
    root = ET.fromstring(render_junit_locations(every_status()).encode())
    cases = {case.get("name"): case for case in root.iter("testcase")}
    assert (cases["server.starts"].get("file"), cases["server.starts"].get("line")) == ("server.py", "17")
    assert (cases["server.broadcast"].get("file"), cases["server.broadcast"].get("line")) == ("chat/net.py", "42")
    assert cases["server.accepts"].get("file") is None and cases["static.threading"].get("file") is None
    # The strict one has no such attributes: Jenkins' schema would refuse the file.
    assert all(case.get("file") is None for case in ET.fromstring(render_junit(every_status())).iter("testcase"))


def test_location_ignores_absolute_paths_and_lines_without_a_file():
    check = CheckResult("x.y", "t", "failed", 0, 1, message="at /usr/lib/python3.11/socket.py:12 and line 5")
    assert location(check) is None


def test_gradescope_results_follow_the_spec_for_every_status_and_ungradable():
    data = json.loads(render_gradescope(every_status()))
    validate_gradescope(data)
    assert [t["status"] for t in data["tests"]] == ["failed", "failed", "passed", "failed", "failed"]
    ungradable = json.loads(render_gradescope_ungradable(UNGRADABLE))
    validate_gradescope(ungradable)
    assert ungradable["score"] == 0 and ungradable["output"] == UNGRADABLE.reason
    assert [(t["score"], t["max_score"], t["status"]) for t in ungradable["tests"]] == [(0.0, 25.0, "failed")]


@pytest.mark.parametrize("make", RESULTS.values(), ids=RESULTS)
def test_classroom50_result_follows_its_schema(make):
    identity = classroom50.identity_from(ENV)
    data = classroom50.classroom50_data(make(), identity)
    validate_classroom50(data)
    assert (data["owner"], data["submission"], data["review"]) == ("ivanov", ENV["SUBMISSION_TAG"], ENV["REVIEW_URL"])
    assert data["submitted_by"] == {"username": "ivanov", "id": 4242}


def test_classroom50_points_with_decimals_become_whole_numbers():
    data = classroom50.classroom50_data(every_status(), classroom50.identity_from(ENV))
    assert data["max-score"] == 65 and data["score"] == 15
    assert all(test["points-scale"] == 10 for test in data["tests"])
    assert [t["test-name"] for t in data["tests"]][:2] == ["server.starts", "server.broadcast"]
    assert data["tests"][1]["message"].startswith("Bob waited") and data["tests"][1]["passed"] is False


def test_classroom50_ungradable_is_valid_with_the_reason():
    files = classroom50.classroom50_ungradable_files(UNGRADABLE, classroom50.identity_from(ENV))
    data = json.loads(files["result.json"])
    validate_classroom50(data)
    assert (data["score"], data["max-score"], data["tests"][0]["message"]) == (0, 25, UNGRADABLE.reason)
    assert "no Python files" in files["release-body.md"]


@pytest.mark.parametrize("drop, named", [("CLASSROOM", "CLASSROOM"), ("SUBMISSION_TAG", "SUBMISSION_TAG"),
                                         ("USERNAME", "USERNAME"), ("RELEASE_URL", "RELEASE_URL")])
def test_classroom50_outside_its_runner_is_a_clear_usage_error(drop, named):
    env = {key: value for key, value in ENV.items() if key != drop}
    with pytest.raises(UsageError, match=named):
        classroom50.identity_from(env)


def test_classroom50_identity_details():
    assert classroom50.identity_from({**ENV, "USERNAME": "", "OWNER": "group-3"}).owner == "group-3"
    assert classroom50.identity_from({**ENV, "REVIEW_URL": ""}).review == ENV["COMMIT_URL"]
    with pytest.raises(UsageError, match="submit/"):
        classroom50.identity_from({**ENV, "SUBMISSION_TAG": "v1.0"})
    with pytest.raises(UsageError, match="ASSIGNMENT_TYPE"):
        classroom50.identity_from({**ENV, "ASSIGNMENT_TYPE": "class"})


def test_every_format_writes_its_files_for_a_grading_and_for_an_ungradable_submission(tmp_path):
    context = prepare(NAMES, ENV)
    graded = write_reports(every_status(), tmp_path / "graded", NAMES, context)
    failed = write_ungradable(UNGRADABLE, tmp_path / "ungradable", NAMES, context)
    assert set(graded) == set(failed) == set(NAMES)
    for name in NAMES:
        assert graded[name].relative_to(tmp_path / "graded") == failed[name].relative_to(tmp_path / "ungradable")
    assert (tmp_path / "ungradable" / "classroom50" / "release-body.md").is_file()
    summary = json.loads(render_summary_ungradable(UNGRADABLE))
    assert (summary["status"], summary["score"], summary["max_score"]) == ("ungradable", 0.0, 25.0)
    assert UNGRADABLE.reason in render_markdown_ungradable(UNGRADABLE)


def test_ungradable_html_escapes_the_reason():
    page = render_html_ungradable(Ungradable("chat", "<b>x</b>", "<script>alert(1)</script>: no server", 25.0))
    assert "<script>" not in page and "&lt;script&gt;" in page and "<b>x" not in page


def test_the_schema_check_can_fail_file_and_line_are_not_jenkins_junit():
    import xmlschema

    with pytest.raises(xmlschema.XMLSchemaValidationError, match="file"):
        validate_junit(render_junit_locations(every_status()))
