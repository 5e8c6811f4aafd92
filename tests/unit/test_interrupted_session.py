"""A Ctrl-C during the grader's own pytest session is a Ctrl-C, even when pytest fails reporting it."""

import pytest

from grader.engine import runner


def _pytest_main_failing(during_interrupt):
    def main(args, plugins=()):
        try:
            raise KeyboardInterrupt  # landed in a frame Python 3.11 gives no line number
        except KeyboardInterrupt:
            if during_interrupt:
                # What pytest's pytest_keyboard_interrupt then raised (seen in a fresh clone's grader watch).
                raise TypeError("unsupported operand type(s) for -: 'NoneType' and 'int'") from None
        raise TypeError("a bug of its own")
    return main


def test_an_error_raised_while_pytest_handles_a_ctrl_c_is_the_ctrl_c(monkeypatch):
    monkeypatch.setattr(pytest, "main", _pytest_main_failing(during_interrupt=True))
    with pytest.raises(KeyboardInterrupt):
        runner._run_in_process(["--co"])


def test_any_other_error_of_the_session_stays_an_error(monkeypatch):
    monkeypatch.setattr(pytest, "main", _pytest_main_failing(during_interrupt=False))
    with pytest.raises(TypeError, match="a bug of its own"):
        runner._run_in_process(["--co"])
