"""The results as JSON in the DESIGN.md schema (``GradingResult.to_json``), for scripts and gradebooks."""

import json

from grader.report.sanitize import clean_data


def render_summary(result):
    """``result.to_json()`` as JSON text; student text made valid Unicode so it can be written as UTF-8."""
    return json.dumps(clean_data(result.to_json()), ensure_ascii=False, indent=2) + "\n"


def render_summary_ungradable(ungradable):
    """The DESIGN.md schema for a submission that could not be graded: no checks, 0 points, the reason."""
    data = {"lab": ungradable.lab, "submission": ungradable.submission, "status": "ungradable",
            "reason": ungradable.reason, "score": 0.0, "max_score": ungradable.max_score, "duration_s": 0.0,
            "isolation": "", "lab_version": ungradable.lab_version, "grader_version": ungradable.grader_version,
            "files": {}, "notes": [], "checks": []}
    return json.dumps(clean_data(data), ensure_ascii=False, indent=2) + "\n"
