"""Dependencies applied in one place: the skip rule for a session and for merged sessions."""

from grader.engine.dependencies import apply_dependencies, blocker, skip_message
from grader.model.results import CheckResult


def result(check_id, status, depends=(), message=""):
    return CheckResult(id=check_id, title=check_id, status=status, score=1.0 if status == "passed" else 0.0,
                       max_score=1.0, message=message, depends=list(depends))


def test_a_failed_prerequisite_skips_its_dependents_in_order():
    checks = [result("a", "failed"), result("b", "passed", ["a"]), result("c", "passed", ["b"])]
    apply_dependencies(checks)
    assert [c.status for c in checks] == ["failed", "skipped", "skipped"]
    assert "a" in checks[1].message.english() and checks[1].score == 0.0


def test_a_skipped_prerequisite_passes_on_its_reason():
    checks = [result("a", "skipped", message="no client was found"), result("b", "passed", ["a"])]
    apply_dependencies(checks)
    assert checks[1].message == "no client was found"


def test_passing_prerequisites_change_nothing_and_unknown_ones_are_not_judged():
    checks = [result("a", "passed"), result("b", "failed", ["a", "elsewhere"])]
    apply_dependencies(checks)
    assert [c.status for c in checks] == ["passed", "failed"]
    assert blocker(["elsewhere"], {}) is None


def test_skip_message_names_the_dependency():
    assert skip_message("server.starts").english() == "can't check until server.starts passes"


def test_a_check_skipped_for_a_failure_in_another_session_gets_the_merges_message():
    # c's session saw b fail elsewhere and skipped c before it ran; at the merge, b turns out skipped
    # (its own prerequisite a failed): c then reads as if it had run and been skipped here.
    early = result("c", "skipped", ["b"], message="can't check until b passes")
    early.details = {"prerequisite_elsewhere": True}
    follows = result("d", "skipped", ["c"], message="can't check until b passes")
    follows.details = {"prerequisite_elsewhere": True}
    checks = [result("a", "failed"), result("b", "failed", ["a"]), early, follows]
    apply_dependencies(checks)
    ran = [result("a", "failed"), result("b", "failed", ["a"]), result("c", "passed", ["b"]),
           result("d", "passed", ["c"])]
    apply_dependencies(ran)
    assert [(c.status, str(c.message), c.details) for c in checks] == [
        (c.status, str(c.message), c.details) for c in ran]
    assert "a" in checks[2].message.english()


def test_a_skip_of_its_own_is_kept_at_the_merge():
    own = result("b", "skipped", ["a"], message="no client was found")
    checks = [result("a", "failed"), own]
    apply_dependencies(checks)
    assert checks[1].message == "no client was found"
