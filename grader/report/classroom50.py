"""The results for Classroom 50 (foundation50/classroom50): ``result.json`` and ``release-body.md``.

Classroom 50's runner runs an assignment's ``autograder.py`` in the student's
checkout, with the submission's identity in the environment (``CLASSROOM``,
``ASSIGNMENT``, ``SUBMISSION_TAG``, ``USERNAME``/``OWNER``, ``ASSIGNMENT_TYPE``,
``COMMIT_URL``, ``RELEASE_URL``, ``REVIEW_URL``, ``GITHUB_ACTOR``...), and reads
back ``result.json`` (schema ``classroom50/result/v1``: integer ``score`` and
``max-score``, ``tests[]`` with ``test-name``, ``passed``, ``score``,
``max-score``, extra fields allowed) and ``release-body.md``, the Markdown of
the GitHub Release the student sees.  The runner stamps ``owner``,
``assignment_type``, ``datetime`` and ``submitted_by`` itself; they are filled
here too so the file is whole on its own.
"""

import json
from dataclasses import dataclass
from datetime import datetime, timezone

from grader.errors import UsageError
from grader.report.explain import explanation, reason
from grader.report.markdown import render_markdown
from grader.report.sanitize import clean_data, for_terminal
from grader.report.ungradable import render_markdown_ungradable

SCHEMA = "classroom50/result/v1"
RESULT = "result.json"
RELEASE_BODY = "release-body.md"
REQUIRED = ("CLASSROOM", "ASSIGNMENT", "SUBMISSION_TAG", "COMMIT_URL", "RELEASE_URL")
ASSIGNMENT_TYPES = ("individual", "group", "team")


@dataclass(frozen=True)
class Identity:
    """Who and what is graded, as the Classroom 50 runner tells its autograder."""

    classroom: str
    assignment: str
    assignment_type: str
    owner: str
    submission: str
    commit: str
    release: str
    review: str
    actor: str = ""
    actor_id: int | None = None


def identity_from(environ):
    """The Identity in ``environ``; UsageError naming what is missing when run outside Classroom 50."""
    value = {name: (environ.get(name) or "").strip() for name in
             (*REQUIRED, "USERNAME", "OWNER", "ASSIGNMENT_TYPE", "REVIEW_URL", "GITHUB_ACTOR", "GITHUB_ACTOR_ID")}
    missing = [name for name in REQUIRED if not value[name]]
    if not (value["OWNER"] or value["USERNAME"]):
        missing.append("USERNAME")
    if missing:
        raise UsageError(f"--format classroom50 runs inside Classroom 50's autograde runner: {', '.join(missing)} "
                         f"not set (the autograder.py of `grader export classroom50` is run by the runner with them)")
    if not value["SUBMISSION_TAG"].startswith("submit/"):
        raise UsageError(f"SUBMISSION_TAG={value['SUBMISSION_TAG']}: Classroom 50 submission tags start with submit/")
    kind = value["ASSIGNMENT_TYPE"] or "individual"
    if kind not in ASSIGNMENT_TYPES:
        raise UsageError(f"ASSIGNMENT_TYPE={kind}: expected one of {', '.join(ASSIGNMENT_TYPES)}")
    actor_id = int(value["GITHUB_ACTOR_ID"]) if value["GITHUB_ACTOR_ID"].isdigit() else None
    return Identity(value["CLASSROOM"], value["ASSIGNMENT"], kind, value["OWNER"] or value["USERNAME"],
                    value["SUBMISSION_TAG"], value["COMMIT_URL"], value["RELEASE_URL"],
                    value["REVIEW_URL"] or value["COMMIT_URL"], value["GITHUB_ACTOR"], actor_id)


def _scale(values):
    """The smallest of 1, 10, 100 that makes every value a whole number (the schema wants integers)."""
    for factor in (1, 10, 100):
        if all(abs(v * factor - round(v * factor)) < 1e-6 for v in values):
            return factor
    return 100


def _envelope(identity, score, max_score, tests, now):
    stamp = (now or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ")
    data = {"schema": SCHEMA, "classroom": identity.classroom, "assignment": identity.assignment,
            "assignment_type": identity.assignment_type, "owner": identity.owner,
            "submission": identity.submission, "commit": identity.commit, "release": identity.release,
            "review": identity.review, "datetime": stamp, "graded_at": stamp,
            "score": score, "max-score": max_score, "tests": tests}
    if identity.actor:
        data["submitted_by"] = {"username": identity.actor, "id": identity.actor_id}
    return data


def classroom50_data(result, identity, now=None):
    """The result.json structure (a dict) of ``result`` for the submission ``identity``."""
    factor = _scale([value for check in result.checks for value in (check.score, check.max_score)])
    tests = []
    for check in result.checks:
        test = {"test-name": check.id, "passed": check.status == "passed",
                "score": round(check.score * factor), "max-score": round(check.max_score * factor),
                "title": for_terminal(check.title), "status": check.status}
        if check.status != "passed":
            test["message"] = reason(check)
            test["details"] = explanation(check)
        tests.append(test)
        if factor != 1:
            test["points-scale"] = factor  # lab points with decimals, multiplied to whole numbers
    score = sum(test["score"] for test in tests)
    # No keys of our own at the top: the schema allows none there (tests[] take extra fields).
    return clean_data(_envelope(identity, score, sum(test["max-score"] for test in tests), tests, now))


def classroom50_ungradable_data(ungradable, identity, now=None):
    """result.json for a submission that could not be graded: one failed test ``submission``, 0 points."""
    factor = _scale([ungradable.max_score])
    top = round(ungradable.max_score * factor)
    test = {"test-name": "submission", "passed": False, "score": 0, "max-score": top, "status": "error",
            "message": for_terminal(ungradable.reason)}
    return clean_data(_envelope(identity, 0, top, [test], now))


def _json(data):
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def classroom50_files(result, identity, now=None):
    """{file name: text}: result.json and release-body.md (the Markdown report) of ``result``."""
    return {RESULT: _json(classroom50_data(result, identity, now)), RELEASE_BODY: render_markdown(result)}


def classroom50_ungradable_files(ungradable, identity, now=None):
    """{file name: text} for a submission that could not be graded."""
    return {RESULT: _json(classroom50_ungradable_data(ungradable, identity, now)),
            RELEASE_BODY: render_markdown_ungradable(ungradable)}
