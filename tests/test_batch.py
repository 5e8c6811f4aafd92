"""`grader batch` and `grader merge` for real: a class graded in parallel into a gradebook.

Most tests use a class of six (two real gradings); one end-to-end test
grades the class of 40+ and checks every verdict, the gradebook, the CSV
and the index against what `grader check` says.  conftest's autouse check
sees that nothing outlives a test: neither the gradings nor the students'
programs.
"""

import csv
import json
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from urllib.parse import quote

import psutil
import pytest

from batch_class import CHECKS, full_class, reference_folder, server_folder, small_class
from conftest import ROOT, SUBMISSIONS, cores, grade, run_grader
from grader.batch.entries import list_entries
from grader.batch.resolve import resolve
from grader.drive.wait import poll_until
from grader.isolation.namespace import available_tool
from grader.model.lab import load_lab

# A batch is several gradings: more than the suite's 120 s per test when the machine is busy.
pytestmark = pytest.mark.timeout(600)


def batch(*args, timeout=600):
    # A fixed number at once, not the adaptive default: beside the suite's other xdist workers, a
    # batch that starts more gradings whenever a core looks idle would oversubscribe the cores.
    # The adaptive admission has its unit tests (tests/unit/test_batch_admission.py) and bench/batch.py.
    workers = () if "--workers" in map(str, args) else ("--workers", str(cores() + 1))
    return run_grader("batch", *args, *workers, "--plain", timeout=timeout)


def gradebook_rows(out):
    db = sqlite3.connect(out / "gradebook.sqlite")
    db.row_factory = sqlite3.Row
    rows = {}
    for row in db.execute("SELECT s.name, r.* FROM submissions s LEFT JOIN runs r ON r.id = s.latest_run "
                          "WHERE s.present = 1"):
        checks = {c["check_id"]: (c["status"], c["score"]) for c in
                  db.execute("SELECT * FROM check_results WHERE run = ?", (row["id"],))}
        rows[row["name"]] = {"status": row["status"], "score": row["score"], "reason": row["reason"],
                             "report_dir": row["report_dir"], "checks": checks}
    db.close()
    return rows


def run_count(out):
    db = sqlite3.connect(out / "gradebook.sqlite")
    try:
        return db.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
    finally:
        db.close()


def csv_rows(out):
    with open(out / "grades.csv", encoding="utf-8", newline="") as f:
        return {row["submission"]: row for row in csv.DictReader(f)}


def assert_outputs_agree(out):
    """The gradebook, grades.csv, the index and each submission's own JSON say the same."""
    book, table = gradebook_rows(out), csv_rows(out)
    index = (out / "index.html").read_text(encoding="utf-8")
    assert set(book) == set(table)
    for name, row in book.items():
        line = table[name]
        assert line["status"] == row["status"], name
        if row["status"] != "graded":
            assert line["score"] == "" and row["reason"] and line["reason"] == row["reason"], name
            continue
        summary = json.loads((out / row["report_dir"] / "summary.json").read_text(encoding="utf-8"))
        assert (out / row["report_dir"] / "report.html").is_file()
        assert float(line["score"]) == summary["score"] == row["score"], name
        assert float(line["max_score"]) == summary["max_score"], name
        for check in summary["checks"]:
            assert row["checks"][check["id"]] == (check["status"], check["score"]), (name, check["id"])
            assert float(line[check["id"]]) == check["score"], (name, check["id"])
        assert f'href="{quote(row["report_dir"], safe="/")}/report.html"' in index, name
    # One row per submission in the index's table, each graded row with a mark per check.
    assert index.count('<td class="student">') == len(book)
    graded = sum(1 for row in book.values() if row["status"] == "graded")
    assert len(re.findall(r'<td class="mark (passed|failed|skipped|error)"', index)) == graded * len(CHECKS)


# --------------------------------------------------------------------- bad input
@pytest.mark.parametrize("case", ["missing", "empty", "a_file", "shard_zero", "shard_over", "shard_text",
                                  "workers_zero"])
def test_bad_input_is_one_line_and_exit_2(tmp_path, case):
    (tmp_path / "empty").mkdir()
    (tmp_path / "class").mkdir()
    reference_folder(tmp_path / "class" / "anna")
    (tmp_path / "a_file.py").write_text("x = 1\n")
    args = {"missing": [tmp_path / "nope"], "empty": [tmp_path / "empty"], "a_file": [tmp_path / "a_file.py"],
            "shard_zero": [tmp_path / "class", "--shard", "0/2"], "shard_over": [tmp_path / "class", "--shard", "3/2"],
            "shard_text": [tmp_path / "class", "--shard", "half"],
            "workers_zero": [tmp_path / "class", "--workers", "0"]}[case]
    done = batch(*args, "--out", tmp_path / "out")
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("grader: "), done.stderr
    assert not (tmp_path / "out").exists()  # nothing written for bad input


def test_merge_of_a_folder_without_gradebook_is_exit_2(tmp_path):
    (tmp_path / "shard").mkdir()
    done = run_grader("merge", tmp_path / "out", tmp_path / "shard")
    assert done.returncode == 2 and "no gradebook.sqlite" in done.stderr


# ------------------------------------------------------------------- small class
@pytest.mark.slow
def test_small_class_rerun_costs_nothing_and_one_change_regrades_one(tmp_path):
    root, out = tmp_path / "class", tmp_path / "out"
    expected = small_class(root)
    first = batch(root, "--out", out)
    assert first.returncode == 1, first.stdout + first.stderr  # some entries could not be graded
    book = gradebook_rows(out)
    assert set(book) == set(expected)
    for name, expect in expected.items():
        assert book[name]["status"] == expect.status, (name, book[name])
        if expect.status == "graded":
            assert {c: s for c, (s, _) in book[name]["checks"].items()} == expect.verdicts, name
        else:
            assert expect.reason in book[name]["reason"], (name, book[name]["reason"])
    assert_outputs_agree(out)
    runs = run_count(out)

    started = time.monotonic()
    again = batch(root, "--out", out)
    took = time.monotonic() - started
    assert again.returncode == 1 and "0 graded now" in again.stdout, again.stdout
    assert run_count(out) == runs  # nothing ran
    print(f"rerun with no change: {took:.2f} s")

    server = root / "Иванов Иван_1001_assignsubmission_file_" / "server.py"
    server.write_text(server.read_text(encoding="utf-8") + "\n# one more comment\n", encoding="utf-8")
    changed = batch(root, "--out", out)
    assert "1 graded now" in changed.stdout, changed.stdout
    assert run_count(out) == runs + 1
    assert gradebook_rows(out)["Иванов Иван_1001"]["status"] == "graded"

    forced = batch(root, "--out", out, "--force", "--workers", "1")
    assert f"{len(expected)} graded now" in forced.stdout, forced.stdout


@pytest.mark.slow
def test_a_changed_lab_regrades_everything_a_copy_nothing(tmp_path):
    root, out = tmp_path / "class", tmp_path / "out"
    root.mkdir()
    server_folder("syntax_error", root / "anna")  # the fastest grading there is
    (root / "empty").mkdir()
    lab = tmp_path / "lab"
    shutil.copytree(ROOT / "labs" / "chat", lab, ignore=shutil.ignore_patterns("__pycache__"))
    assert batch(root, "--out", out).returncode == 1
    assert "0 graded now" in batch(root, "--out", out, "--lab", lab).stdout  # the same lab, elsewhere
    toml = lab / "lab.toml"
    toml.write_text(toml.read_text().replace('"server.starts" = 1', '"server.starts" = 2'))
    done = batch(root, "--out", out, "--lab", lab)
    assert "2 graded now" in done.stdout, done.stdout
    wanted = load_lab(ROOT / "labs" / "chat").max_score + 1  # server.starts is worth one point more
    assert csv_rows(out)["anna"]["server.starts"] == "0" and float(csv_rows(out)["anna"]["max_score"]) == wanted


@pytest.mark.slow
def test_shards_merged_equal_one_unsharded_run(tmp_path):
    root = tmp_path / "class"
    small_class(root)
    whole = tmp_path / "whole"
    assert batch(root, "--out", whole).returncode == 1
    shards = []
    for k in (1, 2):
        shard = tmp_path / f"shard{k}"
        done = batch(root, "--out", shard, "--shard", f"{k}/2")
        assert done.returncode in (0, 1), done.stdout + done.stderr
        shards.append(shard)
    assert sum(len(gradebook_rows(shard)) for shard in shards) == len(gradebook_rows(whole))
    merged = tmp_path / "merged"
    done = run_grader("merge", merged, *shards)
    assert done.returncode == 0, done.stdout + done.stderr

    def comparable(out):
        rows = gradebook_rows(out)
        return {name: {key: value for key, value in row.items()} for name, row in rows.items()}

    assert comparable(merged) == comparable(whole)
    assert (merged / "grades.csv").read_text(encoding="utf-8") == (whole / "grades.csv").read_text(encoding="utf-8")
    assert_outputs_agree(merged)
    pairs = "SELECT a, b, score, shared FROM similar_pairs ORDER BY a, b"
    assert sqlite3.connect(merged / "gradebook.sqlite").execute(pairs).fetchall() == \
        sqlite3.connect(whole / "gradebook.sqlite").execute(pairs).fetchall()


# ------------------------------------------------------------ stopping the batch
def _slow_class(root, count=3):
    root.mkdir()
    for i in range(count):  # slow by construction: it burns a core before listening, so the startup bound ends it
        (root / f"student{i}").mkdir()
        shutil.copyfile(SUBMISSIONS / "hostile" / "cpu_before_listen.py", root / f"student{i}" / "server.py")
        shutil.copyfile(SUBMISSIONS / "hostile" / "chatcore.py", root / f"student{i}" / "chatcore.py")


def _recorded(out, name):
    """Whether the gradebook already holds an outcome for ``name`` (False while it does not exist yet)."""
    try:
        return gradebook_rows(out).get(name, {}).get("status") is not None
    except sqlite3.Error:
        return False


@pytest.mark.parametrize("how", ["SIGINT", "SIGTERM", "SIGINT twice, process groups"])
@pytest.mark.slow
def test_interrupt_keeps_what_is_done_and_leaves_nothing(tmp_path, how):
    """Ctrl-C, a job runner's SIGTERM, and an impatient second Ctrl-C (no grace: everything is killed)."""
    root, out = tmp_path / "class", tmp_path / "out"
    _slow_class(root)
    (root / "empty").mkdir()  # done at once: something to keep
    isolation = "process" if "process" in how else "auto"
    process = subprocess.Popen([sys.executable, "-m", "grader", "batch", root, "--out", out, "--plain",
                                "--workers", "2", "--isolation", isolation,
                                *(["--unsafe"] if isolation == "process" else [])], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    # Into the middle of the gradings: once the empty entry is recorded and gradings run (on a
    # busy machine, a fixed delay can end before the CLI has even been imported).
    batch_process = psutil.Process(process.pid)
    under_way = poll_until(lambda: process.poll() is not None or (_recorded(out, "empty") and batch_process.children()),
                           60)
    assert under_way and process.poll() is None, "the batch never got under way"
    time.sleep(0.5)
    process.send_signal(signal.SIGTERM if how == "SIGTERM" else signal.SIGINT)
    if "twice" in how:
        time.sleep(0.3)
        process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=90)
    assert process.returncode == 130, stdout + stderr
    assert "interrupted" in stderr.strip().splitlines()[-1]
    book = gradebook_rows(out)
    assert book["empty"]["status"] == "ungradable"
    assert any(row["status"] is None for row in book.values())  # not graded yet: nothing half-recorded
    assert "not graded yet" in (out / "index.html").read_text(encoding="utf-8")
    assert not list(out.glob("**/*.partial"))


@pytest.mark.slow
def test_a_grading_over_its_budget_costs_only_its_budget(tmp_path):
    root, out = tmp_path / "class", tmp_path / "out"
    _slow_class(root, count=1)
    (root / "empty").mkdir()
    started = time.monotonic()
    done = batch(root, "--out", out, "--timeout", "2")
    took = time.monotonic() - started
    assert done.returncode == 1, done.stdout + done.stderr
    book = gradebook_rows(out)
    assert book["student0"]["status"] == "timeout" and "2 s" in book["student0"]["reason"]
    assert book["empty"]["status"] == "ungradable"
    assert took < 30, took


# ------------------------------------------------------------ the whole class
@pytest.mark.timeout(1500)
@pytest.mark.slow
def test_a_class_of_40_gets_the_verdicts_of_grader_check(tmp_path):
    """Every entry's verdict is what `grader check` says about it; the outputs agree; a rerun runs nothing."""
    root, out = tmp_path / "class", tmp_path / "out"
    expected = full_class(root, with_namespaces=available_tool() is not None)
    # Entries whose verdict is simply whatever grader check says about them (graded here for comparison).
    direct = {}
    entries = {entry.name: entry for entry in list_entries(root)}
    for name, expect in expected.items():
        if expect.status == "as_check" or name == "sidorova.zip":
            target = resolve(entries[name], tmp_path / f"resolve-{len(direct)}", root).target
            direct[name] = grade(target, tmp_path / f"direct-{len(direct)}", one_session=False)
    started = time.monotonic()
    done = batch(root, "--out", out, timeout=1200)
    took = time.monotonic() - started
    book = gradebook_rows(out)
    assert set(book) == set(expected)
    wrong = {}
    for name, expect in expected.items():
        row = book[name]
        statuses = {check: status for check, (status, _score) in row["checks"].items()}
        if name in direct:
            check = direct[name]
            want_status = {0: "graded", 1: "graded", 2: "ungradable", 3: "error"}[check.code]
            if row["status"] != want_status or (check.result and statuses != check.statuses()):
                wrong[name] = (row["status"], want_status, statuses, check.result and check.statuses())
        elif expect.status == "graded":
            if row["status"] != "graded" or expect.mismatches(statuses):
                wrong[name] = (row["status"], expect.mismatches(statuses), row["reason"])
        elif row["status"] != expect.status or expect.reason not in row["reason"]:
            wrong[name] = (row["status"], row["reason"])
    assert not wrong, wrong
    statuses = {row["status"] for row in book.values()}
    assert done.returncode == (3 if "error" in statuses else 1), done.stdout + done.stderr
    assert_outputs_agree(out)
    index = (out / "index.html").read_text(encoding="utf-8")
    for copy, original in (("no_broadcast_disguised", "no_broadcast"), ("smirnov.py", "good_chunks")):
        assert re.search(rf"{re.escape(copy)}.*?{re.escape(original)}|{re.escape(original)}.*?{re.escape(copy)}",
                         index.split('id="similarity"')[1], re.S), f"{copy} ~ {original} not listed"
    print(f"{len(expected)} entries in {took:.1f} s ({60 * len(expected) / took:.1f}/min)")

    runs = run_count(out)
    again = batch(root, "--out", out)
    assert "0 graded now" in again.stdout or "error" in statuses, again.stdout
    if "error" not in statuses:
        assert run_count(out) == runs
