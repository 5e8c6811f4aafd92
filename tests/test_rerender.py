"""`grader report` renders a stored result.json again, in any language, as a fresh grading would."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from grader.model.results import GradingResult
from grader.model.text import Text

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "submissions" / "no_leave_notice"
pytestmark = pytest.mark.slow


def grader(*args, cwd):
    return subprocess.run([sys.executable, "-m", "grader", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, stdin=subprocess.DEVNULL)


def _masked(text):
    # Timings differ from one grading to the next; nothing else may.
    return re.sub(r"\d+(?:[.,]\d+)?", "#", text)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The failing fixture graded once in Russian and once in English."""
    work = tmp_path_factory.mktemp("rerender")
    out = {}
    for lang in ("ru", "en"):
        done = grader("check", str(FIXTURE), "--lang", lang, "--format", "html,md", "--out", str(work / lang),
                      cwd=work)
        assert done.returncode == 1, done.stderr
        out[lang] = work / lang
    return out


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_same_language_is_identical(graded, lang, tmp_path):
    done = grader("report", str(graded[lang] / "result.json"), "--lang", lang, "--format", "html,md",
                  "--out", str(tmp_path), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    for name in ("report.html", "report.md"):
        assert (tmp_path / name).read_text("utf-8") == (graded[lang] / name).read_text("utf-8"), name


@pytest.mark.parametrize("stored, wanted", [("en", "ru"), ("ru", "en")])
def test_other_language_is_what_a_grading_in_it_writes(graded, stored, wanted, tmp_path):
    done = grader("report", str(graded[stored] / "result.json"), "--lang", wanted, "--format", "md",
                  "--out", str(tmp_path), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert _masked((tmp_path / "report.md").read_text("utf-8")) == _masked(
        (graded[wanted] / "report.md").read_text("utf-8"))


def test_the_stored_result_keeps_sentences_as_data(graded):
    result = GradingResult.from_full_json(json.loads((graded["ru"] / "result.json").read_text("utf-8")))
    failed = [check for check in result.checks if check.status == "failed"]
    assert failed and all(isinstance(check.message, Text) for check in failed)
    assert "Bob" in failed[0].message.english()


def test_not_a_result_is_a_one_line_error(tmp_path):
    bad = tmp_path / "result.json"
    bad.write_text('{"score": 1}', encoding="utf-8")
    done = grader("report", str(bad), cwd=tmp_path)
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
