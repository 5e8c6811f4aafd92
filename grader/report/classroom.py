"""The results for GitHub Classroom's autograding reporter.

GitHub Classroom's current autograding workflow runs "runner" steps, each
producing a result that ``classroom-resources/autograding-grading-reporter``
reads from the environment variable ``<RUNNER_ID>_RESULTS`` as base64 of
this JSON: ``{"version": 1, "status": "pass"|"fail"|"error", "max_score",
"tests": [{"name", "status", "score", "message", "test_code", "filename",
"line_no", "duration"}]}``.  The reporter sums the tests' ``score`` for the
grade it sends to Classroom.  The README shows the workflow step that
base64-encodes this file.
"""

import json

from grader.report.explain import explanation, reason
from grader.report.sanitize import clean_data

STATUS = {"passed": "pass", "failed": "fail", "skipped": "fail", "error": "error"}


def classroom_data(result):
    """The runner result (a dict) of ``result``."""
    statuses = {check.status for check in result.checks}
    overall = "error" if "error" in statuses else ("pass" if statuses <= {"passed"} else "fail")
    return clean_data({
        "version": 1,
        "status": overall,
        "max_score": result.max_score,
        "tests": [{
            "name": f"{check.title} ({check.id})",
            "status": STATUS.get(check.status, "error"),
            "score": check.score,
            "message": explanation(check) or reason(check),
            "test_code": f"grader check {result.submission}",
            "filename": "",
            "line_no": 0,
            "duration": round(check.duration_s * 1000),  # milliseconds, as the classroom runners report it
        } for check in result.checks],
    })


def render_classroom(result):
    """``classroom_data`` as JSON text."""
    return json.dumps(classroom_data(result), ensure_ascii=False, indent=1) + "\n"
