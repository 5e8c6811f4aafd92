"""One pass per grading: the submission is discovered (a report's code extracted) once, the lab loaded once."""

from pathlib import Path

import pytest

from grader.engine import plugin, runner
from grader.intake import discover as intake

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT.parent / "shared" / "seeds" / "000_f64bf0c06f0a82ff.txt"
pytestmark = pytest.mark.slow


def test_a_report_is_discovered_and_extracted_once(monkeypatch, tmp_path):
    target = SEED if SEED.exists() else ROOT / "reference" / "chat"
    calls = {"discover": 0, "extract": 0, "load_lab": 0}
    real_discover, real_extract, real_load = runner.discover, intake.extract_programs, runner.load_lab

    def counting(name, real):
        def wrapper(*args, **kwargs):
            calls[name] += 1
            return real(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(runner, "discover", counting("discover", real_discover))
    monkeypatch.setattr(intake, "extract_programs", counting("extract", real_extract))
    monkeypatch.setattr(runner, "load_lab", counting("load_lab", real_load))
    # A session must never discover by itself when it was handed the plan.
    monkeypatch.setattr(plugin, "discover", lambda *a, **k: pytest.fail("a session discovered the submission"))
    commands = []
    real_part = runner._ParallelPart.__init__

    def recording(self, lab, name, args, workdir):
        commands.append(args)
        real_part(self, lab, name, args, workdir)

    monkeypatch.setattr(runner._ParallelPart, "__init__", recording)
    real_in_process = runner._run_in_process

    def in_process(args):
        calls["in_process_done"] = False
        try:
            return real_in_process(args)
        finally:
            calls["in_process_done"] = True

    monkeypatch.setattr(runner, "_run_in_process", in_process)
    # The caller's "meanwhile" (grader check loads the report's renderers) runs once, after the grader's own session.
    meanwhile = []
    result = runner.grade(target, meanwhile=lambda: meanwhile.append(calls["in_process_done"]))
    assert meanwhile == [True]
    assert result.checks
    assert calls["discover"] == 1 and calls["load_lab"] == 1
    assert calls["extract"] == (1 if target.suffix == ".txt" else 0)
    assert commands, "the lab runs parallel sessions"
    for args in commands:  # the other sessions get the plan, not the path to discover again
        assert "--grader-plan" in args and "--submission" not in args
