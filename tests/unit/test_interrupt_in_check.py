"""A check whose error arose while a Ctrl-C was being handled is the Ctrl-C, not the grader's error."""

from types import SimpleNamespace

import pytest

from grader.engine.plugin import Grading


def _report_of(error):
    item = SimpleNamespace(get_closest_marker=lambda name: object(), stash={})
    call = SimpleNamespace(excinfo=SimpleNamespace(value=error), when="setup")
    hook = Grading.pytest_runtest_makereport(SimpleNamespace(), item, call)
    next(hook)
    with pytest.raises(StopIteration):
        hook.send(SimpleNamespace(get_result=lambda: "report"))
    return item


def test_a_lock_error_during_a_ctrl_c_ends_the_session_as_the_ctrl_c():
    # threading's Event.wait, interrupted inside its lock: "release unlocked lock" during the interrupt.
    error = RuntimeError("release unlocked lock")
    error.__context__ = KeyboardInterrupt()
    with pytest.raises(KeyboardInterrupt):
        _report_of(error)


def test_any_other_error_stays_the_checks():
    item = _report_of(RuntimeError("a bug of ours"))
    assert len(item.stash) == 1  # recorded for the check's result
