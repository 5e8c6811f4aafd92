"""The next check's server starts in advance only when a later check of the session runs programs."""

from types import SimpleNamespace

from grader.engine.plugin import Grading
from grader.engine.session import GradingSession


class FakeItem:
    def __init__(self, nodeid, *fixtures):
        self.nodeid = nodeid
        self.fixturenames = list(fixtures)

    def get_closest_marker(self, name):
        return None


def test_only_checks_with_a_later_check_that_runs_programs_prepare_a_spare():
    items = [FakeItem("starts", "server", "pod"), FakeItem("broadcast", "chat", "pod"),
             FakeItem("threading", "submission"), FakeItem("static2", "submission")]
    grading = SimpleNamespace(lab=None)
    Grading.pytest_collection_modifyitems(grading, None, None, items)
    assert grading._pods_after == {"starts": True, "broadcast": False, "threading": False, "static2": False}


def test_prepare_next_starts_nothing_when_no_later_check_runs_programs():
    submitted = []
    session = object.__new__(GradingSession)
    session._spare, session._spares_wanted = None, True
    session._starter = SimpleNamespace(submit=lambda job: submitted.append(job) or "spare")
    session.pods_ahead = False
    session.prepare_next()
    assert submitted == [] and session._spare is None
    session.pods_ahead = True
    session.prepare_next()
    assert len(submitted) == 1 and session._spare == "spare"
