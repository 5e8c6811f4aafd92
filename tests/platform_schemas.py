"""The platforms' own contracts, for validating what the kit writes for them.

Classroom 50's result schema and Jenkins' JUnit schema are copies of the
consumers' files in ../shared/schemas/ (tests skip, saying why, without them);
Gradescope publishes its results.json format as prose, written out here.
"""

import json
import os
from pathlib import Path

import pytest


def _schemas():
    # ../shared/schemas beside the repository (or beside a folder holding worktrees); GRADER_SCHEMAS overrides.
    if os.environ.get("GRADER_SCHEMAS"):
        return Path(os.environ["GRADER_SCHEMAS"])
    root = Path(__file__).resolve().parent.parent
    for parent in root.parents:
        if (parent / "shared" / "schemas").is_dir():
            return parent / "shared" / "schemas"
    return root.parent / "shared" / "schemas"


SCHEMAS = _schemas()
VISIBILITY = {"enum": ["hidden", "after_due_date", "after_published", "visible"]}
OUTPUT_FORMAT = {"enum": ["text", "html", "simple_format", "md", "ansi"]}
# https://gradescope-autograders.readthedocs.io/en/latest/specs/ ("Output format"): every key optional
# but a score (top-level or on each test); statuses "passed"/"failed"; the visibility and format words.
GRADESCOPE_RESULTS = {
    "type": "object",
    "anyOf": [{"required": ["score"]},
              {"required": ["tests"], "properties": {"tests": {"items": {"required": ["score"]}}}}],
    "properties": {
        "score": {"type": "number"}, "execution_time": {"type": "number"}, "output": {"type": "string"},
        "output_format": OUTPUT_FORMAT, "test_output_format": OUTPUT_FORMAT, "test_name_format": OUTPUT_FORMAT,
        "visibility": VISIBILITY, "stdout_visibility": VISIBILITY, "extra_data": {"type": "object"},
        "tests": {"type": "array", "items": {
            "type": "object",
            "properties": {
                "score": {"type": "number"}, "max_score": {"type": "number"},
                "status": {"enum": ["passed", "failed"]}, "name": {"type": "string"},
                "name_format": OUTPUT_FORMAT, "number": {"type": "string"}, "output": {"type": "string"},
                "output_format": OUTPUT_FORMAT, "tags": {"type": "array", "items": {"type": "string"}},
                "visibility": VISIBILITY, "extra_data": {"type": "object"}}}},
        "leaderboard": {"type": "array"},
    },
}


def _schema_file(name):
    path = SCHEMAS / name
    if not path.is_file():
        pytest.skip(f"{path} is absent (the platforms' schemas live in ../shared/schemas/)")
    return path


def validate_gradescope(data):
    import jsonschema

    jsonschema.validate(data, GRADESCOPE_RESULTS)


def validate_classroom50(data):
    """The schema, plus what Classroom 50's runner checks in code (score <= max-score, per test too)."""
    import jsonschema

    schema = json.loads(_schema_file("classroom50-result-v1.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(data)
    assert data["score"] <= data["max-score"]
    assert all(test["score"] <= test["max-score"] for test in data["tests"])
    assert data["score"] == sum(test["score"] for test in data["tests"])


def validate_junit(text):
    import xmlschema

    xmlschema.XMLSchema(str(_schema_file("junit-10.xsd"))).validate(text)
