"""Programs that cannot run here are named as such (issue 16, items 6-7), in the student's terms, with the line.

Python 2 code, syntax of a newer Python, Windows-only modules and commands, a
GUI client (its checks skipped, the server still graded), a server that
daemonises, the memory limit.  Each fixture has exact statuses; the reference
is the negative twin of the client ones (a terminal client: every check runs).
"""

import shutil

import pytest

from conftest import REFERENCE, SUBMISSIONS, grade
from grader.engine import runnable

CANNOT = SUBMISSIONS / "cannot_run"


def with_reference_server(client_fixture, folder):
    """The fixture's client beside the reference server (graded alongside: the client is what cannot run)."""
    folder.mkdir()
    shutil.copyfile(CANNOT / client_fixture / "client.py", folder / "client.py")
    shutil.copyfile(REFERENCE / "server.py", folder / "server.py")
    return folder


def test_python2_lines_are_found_and_python3_lines_are_not():
    assert runnable.python2_line('x = 1\nprint "hi"\n') == (2, "print")
    assert runnable.python2_line("name = raw_input()\n") == (1, "raw_input()")
    assert runnable.python2_line("print('hi')\nprint (x)\nprinted = 1\n") is None


def test_newer_syntax_names_the_version_it_needs():
    assert runnable.newer_python('f"{d["k"]}"', running=(3, 11)) == (3, 12)
    assert runnable.newer_python("type Point = tuple[int, int]", running=(3, 11)) == (3, 12)
    assert runnable.newer_python('f"{d["k"]}"', running=(3, 12)) is None
    assert runnable.newer_python("x = 1", running=(3, 9)) is None


def test_windows_and_gui_programs_are_recognised():
    assert runnable.windows_module({"type": "ModuleNotFoundError", "message": "No module named 'msvcrt'"}) == "msvcrt"
    assert runnable.windows_module({"type": "ModuleNotFoundError", "message": "No module named 'numpy'"}) is None
    assert runnable.windows_commands("import os\nos.system('cls')\n") == [(2, "cls")]
    assert runnable.gui_toolkit("import tkinter as tk\n") == "tkinter"
    assert runnable.gui_toolkit("from PyQt5.QtWidgets import QApplication\n") == "PyQt5"
    assert runnable.gui_toolkit("import socket  # no tkinter here\n") is None


def statuses(graded):
    return {c["id"]: c["status"] for c in graded.result["checks"]}


@pytest.mark.slow
@pytest.mark.parametrize("name, words", [
    ("python2", ["Python 2", "print at server.py:10", "needs Python 3"]),
    ("python312", ["needs Python 3.12", "server.py:13", "runs Python 3.11"]),
    ("daemonises", ["forked itself into the background", "code 0"]),
])
def test_a_server_that_cannot_run_here_says_why(name, words, tmp_path):
    graded = grade(CANNOT / name / "server.py", tmp_path)
    found = statuses(graded)
    assert found["server.starts"] == "failed"
    assert all(status == "skipped" for check, status in found.items()
               if check.startswith("server.") and check != "server.starts")
    message = next(c["message"] for c in graded.result["checks"] if c["id"] == "server.starts")
    for word in words:
        assert word in message, message


@pytest.mark.slow
def test_a_windows_client_is_named_with_its_line(tmp_path):
    graded = grade(with_reference_server("windows_client", tmp_path / "submission"), tmp_path)
    found = statuses(graded)
    assert found["client.starts"] == "failed" and found["server.broadcast"] == "passed"
    message = next(c["message"] for c in graded.result["checks"] if c["id"] == "client.starts")
    assert "msvcrt at client.py:2" in message and "only on Windows" in message
    assert any("os.system('cls') at client.py:7" in note for note in graded.result["notes"])


@pytest.mark.slow
def test_a_gui_client_is_left_out_and_the_server_graded(tmp_path):
    graded = grade(with_reference_server("gui_client", tmp_path / "submission"), tmp_path)
    found = statuses(graded)
    client = [c for c in found if c.startswith("client.")]
    assert client and all(found[c] == "skipped" for c in client)
    assert all(found[c] == "passed" for c in found if c.startswith("server."))
    reason = next(c["message"] for c in graded.result["checks"] if c["id"] == "client.starts")
    assert "GUI program (tkinter)" in reason
