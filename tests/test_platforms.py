"""The way into each platform, run as the platform runs it: Gradescope's autograder zip in a fake
/autograder, Classroom 50's autograder.py in a student's checkout, a Moodle worksheet through a batch,
and every platform file for a submission that cannot be graded."""

import csv
import io
import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile

import pytest

from conftest import REFERENCE, ROOT, SUBMISSIONS, run_grader
from grader.model.lab import load_lab
from moodle_worksheet import HEADER, ROWS, worksheet_text
from platform_schemas import validate_classroom50, validate_gradescope, validate_junit

FULL = int(load_lab(ROOT / "labs" / "chat").max_score)  # the reference gets every point

CLASSROOM50_ENV = {
    "CLASSROOM": "net101", "ASSIGNMENT": "chat", "SUBMISSION_TAG": "submit/20260901T101500Z-abc1234",
    "USERNAME": "ivanov", "COMMIT_URL": "https://github.com/net101/net101-chat-ivanov/commit/abc1234",
    "RELEASE_URL": "https://github.com/net101/net101-chat-ivanov/releases/tag/submit%2F20260901T101500Z-abc1234",
    "GITHUB_ACTOR": "ivanov"}
SUBMITTED = {"passing": REFERENCE, "failing": SUBMISSIONS / "no_broadcast", "ungradable": None}


def _submission(kind, folder):
    folder.mkdir(parents=True, exist_ok=True)
    if SUBMITTED[kind] is not None:
        for path in SUBMITTED[kind].glob("*.py"):
            shutil.copy(path, folder / path.name)
    return folder


# --------------------------------------------------------------- every file, even when nothing can be graded
def test_an_ungradable_submission_still_gets_every_platform_file(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    out = tmp_path / "out"
    done = run_grader("check", empty, "--out", out, "--format", "gradescope,junit,junit-github,json,md,html,classroom50",
                      env={**os.environ, **CLASSROOM50_ENV})
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [done.stderr.strip()] and "no Python files" in done.stderr
    reason = done.stderr.strip().removeprefix("grader: ")
    gradescope = json.loads((out / "gradescope.json").read_text(encoding="utf-8"))
    validate_gradescope(gradescope)
    assert gradescope["score"] == 0 and gradescope["output"] == reason
    junit = (out / "junit.xml").read_text(encoding="utf-8")
    validate_junit(junit)
    assert ET.fromstring(junit.encode()).find(".//error").get("message") == reason
    result = json.loads((out / "classroom50" / "result.json").read_text(encoding="utf-8"))
    validate_classroom50(result)
    assert result["tests"][0]["message"] == reason
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["reason"] == reason
    for name in ("report.md", "report.html", "junit-github.xml", "classroom50/release-body.md"):
        assert "no Python files" in (out / name).read_text(encoding="utf-8"), name


def test_without_format_an_ungradable_submission_writes_nothing(tmp_path):
    (tmp_path / "empty").mkdir()
    done = run_grader("check", tmp_path / "empty", "--out", tmp_path / "out")
    assert done.returncode == 2 and not (tmp_path / "out").exists()


def test_classroom50_outside_its_runner_is_one_line_before_grading(tmp_path):
    env = {key: value for key, value in os.environ.items() if key not in CLASSROOM50_ENV}
    done = run_grader("check", REFERENCE, "--out", tmp_path, "--format", "classroom50", env=env)
    assert done.returncode == 2 and "CLASSROOM" in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert not list(tmp_path.iterdir())


def test_export_usage_errors(tmp_path):
    assert run_grader("export", "gradescope", tmp_path / "bundle.tar").returncode == 2
    assert run_grader("export", "gradescope", tmp_path / "nowhere" / "a.zip").returncode == 2
    assert run_grader("export", "classroom50", tmp_path, "--lab", tmp_path / "nolab").returncode == 2


# -------------------------------------------------------------------------------- Gradescope
@pytest.fixture(scope="module")
def autograder(tmp_path_factory):
    """The exported zip unpacked into a fake /autograder and set up by its own setup.sh (without apt)."""
    root = tmp_path_factory.mktemp("autograder")
    bundle = root / "autograder.zip"
    done = run_grader("export", "gradescope", bundle)
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(bundle) as archive:
        names = archive.namelist()
        assert {"setup.sh", "run_autograder"} <= set(names)
        assert archive.getinfo("run_autograder").external_attr >> 16 & 0o111  # executable once unpacked
        archive.extractall(root / "source")
    for name in ("setup.sh", "run_autograder"):
        (root / "source" / name).chmod(0o755)
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_NO_APT": "1"}
    setup = subprocess.run(["bash", str(root / "source" / "setup.sh")], env=env, capture_output=True, text=True,
                           timeout=900, stdin=subprocess.DEVNULL)
    if setup.returncode != 0 and "No matching distribution" in setup.stdout + setup.stderr:
        pytest.skip("no package index reachable for the kit's dependencies")
    assert setup.returncode == 0, setup.stdout + setup.stderr
    return root


@pytest.mark.slow
@pytest.mark.parametrize("kind", SUBMITTED)
def test_gradescope_bundle_always_writes_a_valid_results_json(autograder, kind):
    submission = autograder / "submission"
    shutil.rmtree(submission, ignore_errors=True)
    shutil.rmtree(autograder / "results", ignore_errors=True)
    _submission(kind, submission)
    env = {key: value for key, value in os.environ.items() if key not in ("VIRTUAL_ENV", "PYTHONPATH")}
    done = subprocess.run(["bash", str(autograder / "source" / "run_autograder")], cwd=autograder,
                          env={**env, "AUTOGRADER_ROOT": str(autograder)}, capture_output=True, text=True,
                          timeout=600, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stdout + done.stderr
    expected_code = {"passing": 0, "failing": 1, "ungradable": 2}[kind]
    assert f"grader exit code: {expected_code}" in done.stdout, done.stdout + done.stderr
    results = json.loads((autograder / "results" / "results.json").read_text(encoding="utf-8"))
    validate_gradescope(results)
    if kind == "passing":
        assert results["score"] == FULL == sum(test["max_score"] for test in results["tests"])
    elif kind == "failing":
        assert 0 < results["score"] < FULL and any(test["status"] == "failed" for test in results["tests"])
    else:
        assert results["score"] == 0 and "no Python files" in results["output"]


# ----------------------------------------------------------------------------- Classroom 50
@pytest.mark.slow
@pytest.mark.parametrize("kind", SUBMITTED)
def test_classroom50_autograder_runs_in_a_student_checkout(tmp_path, kind):
    bundle = tmp_path / "autograders" / "chat"
    done = run_grader("export", "classroom50", bundle)
    assert done.returncode == 0, done.stderr
    assert (bundle / "autograder.py").is_file() and list(bundle.glob("chat_lab_kit-*.whl"))
    checkout = _submission(kind, tmp_path / "net101-chat-ivanov")  # git-less, as a tarball checkout is
    (checkout / "README.md").write_text("# my chat\n", encoding="utf-8")
    env = {**os.environ, **CLASSROOM50_ENV, "CLASSROOM50_BUNDLE_DIR": str(bundle)}
    ran = subprocess.run([sys.executable, str(bundle / "autograder.py")], cwd=checkout, env=env, capture_output=True,
                         text=True, timeout=600, stdin=subprocess.DEVNULL)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    result = json.loads((checkout / "result.json").read_text(encoding="utf-8"))
    validate_classroom50(result)
    assert (result["classroom"], result["assignment"], result["owner"]) == ("net101", "chat", "ivanov")
    body = (checkout / "release-body.md").read_text(encoding="utf-8")
    if kind == "passing":
        assert result["score"] == result["max-score"] == FULL and all(t["passed"] for t in result["tests"])
    elif kind == "failing":
        assert 0 < result["score"] < FULL and "server.broadcast" in body
    else:
        assert result["score"] == 0 and "no Python files" in result["tests"][0]["message"]
    assert (checkout / "classroom50-release-assets" / "report.html").is_file()


# ------------------------------------------------------------------------------ Moodle
@pytest.mark.slow
def test_batch_fills_the_moodle_worksheet(tmp_path):
    folder = tmp_path / "export"
    good = folder / "Иван Иванов_101_assignsubmission_file_"
    shutil.copytree(REFERENCE, good, ignore=shutil.ignore_patterns("__pycache__", "__init__.py"))
    shutil.copy(SUBMISSIONS / "no_broadcast" / "server.py", folder / "Petr Petrov_202_assignsubmission_file_server.py")
    (folder / "Empty Folder_404_assignsubmission_file_").mkdir()
    worksheet = tmp_path / "Grades-Chat.csv"
    worksheet.write_text(worksheet_text(), encoding="utf-8", newline="")
    done = run_grader("batch", folder, "--out", tmp_path / "book", "--moodle-worksheet", worksheet, "--plain",
                      "--workers", "2", timeout=600)
    assert done.returncode == 1, done.stdout + done.stderr  # one entry could not be graded
    assert "3 rows filled, 1 without a submission" in done.stdout, done.stdout
    filled = (tmp_path / "book" / "moodle-grading-worksheet.csv").read_bytes().decode("utf-8")
    assert filled.startswith("\ufeff" + HEADER)
    rows = list(csv.reader(io.StringIO(filled.removeprefix("\ufeff"), newline="")))
    grade, feedback = rows[0].index("Grade"), rows[0].index("Feedback comments")
    got = {row[0]: row for row in rows[1:]}
    assert got["Participant 101"][grade] == "100.00"
    assert 0 < float(got["Participant 202"][grade]) < 100 and "server.broadcast" in got["Participant 202"][feedback]
    assert got["Participant 404"][grade] == "0.00"
    for old, new in zip(ROWS, rows[1:], strict=False):
        assert [c for i, c in enumerate(old) if i not in (grade, feedback)] == \
               [c for i, c in enumerate(new) if i not in (grade, feedback)]


@pytest.mark.slow
def test_a_real_gradings_junit_is_valid_for_jenkins(graded_no_broadcast):
    graded = graded_no_broadcast("en")
    validate_junit((graded.report_dir / "junit.xml").read_text(encoding="utf-8"))
    root = ET.parse(graded.report_dir / "junit-github.xml").getroot()
    assert [case.get("name") for case in root.iter("testcase")] == list(graded.statuses())
