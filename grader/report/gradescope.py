"""The results as Gradescope's ``results.json`` (autograder specification).

An autograder's ``run_autograder`` writes this to
``/autograder/results/results.json``.  Gradescope knows only passed and
failed; a skipped check or a grader error is "failed" with an output that
says which.  Text is plain ("text" output format): Gradescope shows it as is.
"""

import json

from grader.i18n import _
from grader.report.explain import explanation
from grader.report.labels import status_label
from grader.report.sanitize import clean_data, for_terminal

VISIBILITY = "visible"  # students see every check as soon as it is graded: the point of the feedback


def gradescope_data(result):
    """The results.json structure (a dict) of ``result``."""
    counts = result.counts()
    summary = [_("Score: {score:g}/{max:g}").format(score=result.score, max=result.max_score),
               _("{passed} passed, {failed} failed, {skipped} skipped, {error} errors").format(**counts)]
    tests = []
    for number, check in enumerate(result.checks, start=1):
        output = explanation(check)
        if check.status in ("skipped", "error"):
            output = f"[{status_label(check.status)}] {output}"
        tests.append({
            "name": f"{check.title} ({check.id})",
            "number": str(number),
            "score": check.score,
            "max_score": check.max_score,
            "status": "passed" if check.status == "passed" else "failed",
            "output": output,
            "output_format": "text",
            "tags": [check.id.split(".")[0]],
            "visibility": VISIBILITY,
        })
    return clean_data({
        "score": result.score,
        "execution_time": round(result.duration_s, 3),
        "output": "\n".join(summary + list(result.notes)),
        "output_format": "text",
        "test_output_format": "text",
        "visibility": VISIBILITY,
        "stdout_visibility": "hidden",
        "extra_data": {"lab": result.lab, "lab_version": result.lab_version, "isolation": result.isolation,
                       "grader_version": result.grader_version},
        "tests": tests,
    })


def render_gradescope(result):
    """``gradescope_data`` as JSON text."""
    return json.dumps(gradescope_data(result), ensure_ascii=False, indent=1) + "\n"


def gradescope_ungradable_data(ungradable):
    """results.json for a submission that could not be graded: 0 points, the reason as the output.

    One test carries the lab's points, so Gradescope shows 0 of them and the
    reason where students look first (a failed test is opened).
    """
    reason = for_terminal(ungradable.reason)
    return clean_data({
        "score": 0.0,
        "execution_time": 0.0,
        "output": reason,
        "output_format": "text",
        "test_output_format": "text",
        "visibility": VISIBILITY,
        "stdout_visibility": "hidden",
        "extra_data": {"lab": ungradable.lab, "lab_version": ungradable.lab_version,
                       "grader_version": ungradable.grader_version, "ungradable": True},
        "tests": [{"name": "submission", "number": "0", "score": 0.0, "max_score": ungradable.max_score,
                   "status": "failed", "output": reason, "output_format": "text", "tags": ["submission"],
                   "visibility": VISIBILITY}],
    })


def render_gradescope_ungradable(ungradable):
    """``gradescope_ungradable_data`` as JSON text."""
    return json.dumps(gradescope_ungradable_data(ungradable), ensure_ascii=False, indent=1) + "\n"
