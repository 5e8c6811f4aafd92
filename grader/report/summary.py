"""The results as JSON in the DESIGN.md schema (``GradingResult.to_json``), for scripts and gradebooks."""

import json

from grader.report.sanitize import clean_data


def render_summary(result):
    """``result.to_json()`` as JSON text; student text made valid Unicode so it can be written as UTF-8."""
    return json.dumps(clean_data(result.to_json()), ensure_ascii=False, indent=2) + "\n"
