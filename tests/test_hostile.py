"""Hostile and broken code: bounded time, nothing left running, honest grades, safe reports.

Each fixture in tests/submissions/hostile/ is one file that wraps a working
chat server (chatcore.py) with its misbehaviour; the test assembles the
submission folder.  Every fixture bounds itself (time, memory, processes),
so it stays harmless even if isolation were missing.
"""

import concurrent.futures
import json
import shutil
import subprocess
import sys
import time
import tomllib

import psutil
import pytest

from conftest import ROOT, SUBMISSIONS, grade, isolations
from grader.isolation.namespace import available_tool

pytestmark = pytest.mark.slow  # every test here grades end to end

HOSTILE = SUBMISSIONS / "hostile"
SERVER_CHECKS = [c for c in tomllib.loads((ROOT / "labs" / "chat" / "lab.toml").read_text(encoding="utf-8"))["points"]
                 if c.startswith("server.") or c == "static.threading"]
NEVER_STARTS = {"server.starts": "failed", **{c: "skipped" for c in SERVER_CHECKS
                                              if c not in ("server.starts", "static.threading")}}
# Only the non-passed server checks; client checks are skipped (no client).
EXPECTED = {
    "cpu_before_listen": NEVER_STARTS,
    "memory_hog": NEVER_STARTS,
    "fork_storm": {},
    "double_fork_daemon": {},
    "output_flood": {},
    "ignores_sigterm": {},
    "fake_grade": {"server.broadcast": "failed", "server.attribution": "skipped", "server.multi_user": "skipped",
                   "server.concurrency": "skipped", "server.survives_leave": "skipped", "server.unicode": "skipped",
                   "server.join_notice": "failed", "server.leave_notice": "failed", "server.leave_reset": "failed",
                   "static.threading": "passed"},
    "hostile_text": {},
    "kills_parent": {},
}
MESSAGES = {
    "cpu_before_listen": ["did not start listening", "CPU"],
    "memory_hog": ["MemoryError"],
}


def assemble(name, folder):
    folder.mkdir()
    shutil.copyfile(HOSTILE / f"{name}.py", folder / "server.py")
    shutil.copyfile(HOSTILE / "chatcore.py", folder / "chatcore.py")
    return folder


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_hostile_fixture(name, tmp_path):
    if name == "kills_parent" and not available_tool():
        pytest.skip("without a PID namespace nothing can stop a program from signalling its parent")
    submission = assemble(name, tmp_path / "submission")
    before = {p.name: p.read_bytes() for p in submission.iterdir()}
    started = time.monotonic()
    graded = grade(submission, tmp_path)
    took = time.monotonic() - started
    assert graded.result is not None, graded.stderr
    statuses = graded.statuses()
    expected = {check: EXPECTED[name].get(check, "passed") for check in SERVER_CHECKS}
    assert {check: statuses[check] for check in SERVER_CHECKS} == expected, graded.stdout
    assert all(status == "skipped" for check, status in statuses.items() if check.startswith("client."))
    for words in MESSAGES.get(name, []):
        assert words in graded.check("server.starts")["message"]
    assert took < 60, f"{name} took {took:.1f} s"
    # The student's code ran on a copy: its folder is as it was (no planted files).
    assert {p.name: p.read_bytes() for p in submission.iterdir()} == before
    assert not (tmp_path / "results.json").exists() and not (tmp_path / "result.json").exists()
    assert (graded.report_dir / "report.html").is_file()


def test_fake_grade_changes_nothing(tmp_path):
    graded = grade(assemble("fake_grade", tmp_path / "submission"), tmp_path)
    assert graded.result["score"] < graded.result["max_score"] / 2
    html = (graded.report_dir / "report.html").read_text(encoding="utf-8")
    assert "<h1>25/25 passed</h1>" not in html  # the planted report is not ours
    assert graded.full()["score"] == graded.result["score"]


def test_hostile_text_is_neutralised_in_every_output(tmp_path):
    graded = grade(assemble("hostile_text", tmp_path / "submission"), tmp_path)
    html = (graded.report_dir / "report.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html and "<img src=x" not in html  # never as markup...
    assert "&lt;script&gt;" in html and "&lt;img src=x" in html  # ...but shown, escaped, in the transcript
    assert "\x1b" not in html and "\x1b" not in graded.stdout and "\x07" not in graded.stdout
    assert "\N{REPLACEMENT CHARACTER}" in html  # the invalid UTF-8 bytes


def test_output_flood_is_capped(tmp_path):
    submission = assemble("output_flood", tmp_path / "submission")
    command = [sys.executable, "-m", "grader", "check", str(submission), "--out", str(tmp_path / "report"),
               "--plain", "--json", str(tmp_path / "out.json")]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               stdin=subprocess.DEVNULL)
    peak = 0
    deadline = time.monotonic() + 120
    while process.poll() is None and time.monotonic() < deadline:
        try:  # the grader and its parallel sessions, not the student's programs
            tree = [psutil.Process(process.pid)] + psutil.Process(process.pid).children(recursive=True)
            graders = [p for p in tree if "bootstrap.py" not in " ".join(p.cmdline())
                       and "pod_init" not in " ".join(p.cmdline())]
            peak = max(peak, sum(p.memory_info().rss for p in graders))
        except psutil.Error:
            pass
        time.sleep(0.05)  # a sampling interval, not a wait for something
    process.communicate(timeout=30)
    assert process.returncode == 1  # the client checks are skipped: no client
    result = json.loads((tmp_path / "out.json").read_text())
    assert all(c["status"] == "passed" for c in result["checks"] if c["id"].startswith("server."))
    full = json.loads((tmp_path / "report" / "result.json").read_text())
    outputs = [c["output"] for c in full["checks"] if c["output"]]
    assert outputs and max(len(o) for o in outputs) < 200_000
    assert any("bytes not kept" in o for o in outputs)
    assert peak < 400 * 1024 * 1024, f"grader memory peaked at {peak / 2**20:.0f} MiB"


@pytest.mark.parametrize("isolation", isolations())
def test_two_gradings_of_port_9090_at_once(isolation, tmp_path):
    folders = []
    for name in ("a", "b"):
        folder = tmp_path / name
        folder.mkdir()
        shutil.copyfile(ROOT / "reference" / "chat" / "server.py", folder / "server.py")  # binds 9090
        folders.append(folder)

    def run(folder):
        out = folder.parent / f"out-{folder.name}"
        out.mkdir()
        return grade(folder, out, "--isolation", isolation)

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        results = list(pool.map(run, folders))
    for graded in results:
        server = {c: s for c, s in graded.statuses().items() if c.startswith("server.")}
        assert set(server.values()) == {"passed"}, graded.stdout
