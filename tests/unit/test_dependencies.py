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
