"""lab.toml: what an instructor edits must fail clearly, saying where."""

import shutil

import pytest

from conftest import REFERENCE, ROOT, run_grader
from grader.errors import LabError
from grader.model.lab import load_lab

LAB = ROOT / "labs" / "chat"


def copy_lab(tmp_path):
    lab = tmp_path / "lab"
    shutil.copytree(LAB, lab, ignore=shutil.ignore_patterns("__pycache__"))
    # A copied lab keeps pointing at the kit's reference solution.
    toml = lab / "lab.toml"
    reference = (LAB / "../../reference/chat").resolve()
    toml.write_text(toml.read_text(encoding="utf-8").replace('"../../reference/chat"', f'"{reference}"'),
                    encoding="utf-8")
    return lab


def test_the_chat_lab_loads():
    lab = load_lab(LAB)
    assert lab.id == "chat" and lab.max_score == 31
    assert lab.timeout("startup") > 0
    assert lab.parallel == ("test_client.py", "test_leaving.py", "test_network.py")


@pytest.mark.parametrize("old, new, words", [
    ('"server.starts" = 1', '"server.starts" = "one"', "points for 'server.starts'"),
    ("expect = 2.0", "expect = -1", "invalid timeout expect"),
    ("memory_mb = 1024", "memory_gb = 1", "invalid limit memory_gb"),
])
def test_bad_values_name_the_key(tmp_path, old, new, words):
    lab = copy_lab(tmp_path)
    toml = lab / "lab.toml"
    text = toml.read_text(encoding="utf-8")
    assert old in text
    toml.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(LabError, match=words):
        load_lab(lab)


def test_unknown_parallel_file(tmp_path):
    lab = copy_lab(tmp_path)
    toml = lab / "lab.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('"test_leaving.py"', '"nope.py"'), encoding="utf-8")
    with pytest.raises(LabError, match="nope.py"):
        load_lab(lab)


def test_broken_lab_is_exit_3_not_the_students_fault(tmp_path):
    lab = copy_lab(tmp_path)
    (lab / "lab.toml").write_text("[points\n", encoding="utf-8")
    done = run_grader("check", REFERENCE, "--lab", lab, "--out", tmp_path / "out")
    assert done.returncode == 3
    assert done.stderr.startswith("grader: the lab is broken:") and "Traceback" not in done.stderr


@pytest.mark.slow
def test_a_scenario_bug_is_an_error_with_exit_3(tmp_path):
    lab = copy_lab(tmp_path)
    scenarios = lab / "test_server.py"
    scenarios.write_text(scenarios.read_text(encoding="utf-8").replace(
        '    chat.say(alice, "hello everyone")\n', '    chat.say(alice, "hello everyone")\n    1 / 0\n', 1),
        encoding="utf-8")
    out = tmp_path / "out"
    done = run_grader("check", REFERENCE, "--lab", lab, "--out", out, "--json", tmp_path / "r.json", "--plain")
    assert done.returncode == 3, done.stdout + done.stderr
    result = __import__("json").loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    statuses = {c["id"]: c["status"] for c in result["checks"]}
    assert statuses["server.broadcast"] == "error"
    assert statuses["server.multi_user"] == "skipped"  # its prerequisite did not pass
    assert statuses["server.starts"] == "passed"
    assert "ZeroDivisionError" in (out / "report.html").read_text(encoding="utf-8")  # for staff
    assert "internal error" in done.stderr and "Traceback" not in done.stderr
