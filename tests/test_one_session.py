"""`grader check --one-session` (what `grader batch` runs) gives the verdicts of the default layout.

By default a grading runs lab.toml's ``parallel`` scenario files in sessions
of their own, which share each check's final status (a prerequisite that
failed in another session skips its dependents).  In one session every file
runs in the grader's own process, one after another.  The checks are
independent of their order and of the session they run in, so the results
must be the same; these submissions fail checks in every one of the sessions,
dependents of failed checks included.
"""

import json
import re

import pytest

from conftest import SEEDS, SUBMISSIONS, grade

pytestmark = pytest.mark.slow  # grades end to end

TARGETS = {
    # client: never sends the name; server: prefixes each chunk (framing), blocks in send() (slow_reader)
    "seed 004": lambda: next(iter(sorted(SEEDS.glob("004_*"))), SEEDS / "004"),
    # no leave notice, and blocks in send(): failures in the in-process and the network sessions
    "no_leave_notice": lambda: SUBMISSIONS / "no_leave_notice",
    # a client that waits for the server's reply before it reads the keyboard again, graded alone
    "client lockstep": lambda: SUBMISSIONS / "clients" / "lockstep",
}


def _verdicts(graded):
    # The figures of a message (ports, seconds, sizes) may differ from run to run; the words may not.
    return {check["id"]: (check["status"], check["score"], re.sub(r"\d+(\.\d+)?", "N", check.get("message", "")))
            for check in graded.result["checks"]}


def _staff_log(graded):
    return json.loads((graded.report_dir / "result.json").read_text(encoding="utf-8"))["staff_log"]


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_one_session_gives_the_verdicts_of_the_parallel_sessions(name, tmp_path):
    target = TARGETS[name]()
    if not target.exists():
        pytest.skip(f"{target} is not here")
    parallel = grade(target, tmp_path / "parallel", one_session=False)
    alone = grade(target, tmp_path / "one", one_session=True)
    assert parallel.code == alone.code == 1, (parallel.stderr, alone.stderr)
    # The staff log names each session of its own that a grading ran.
    assert "--- test_network.py ---" in _staff_log(parallel)
    assert "--- " not in _staff_log(alone)
    assert _verdicts(alone) == _verdicts(parallel)
    assert {status for status, _score, _message in _verdicts(alone).values()} >= {"passed", "failed"}
