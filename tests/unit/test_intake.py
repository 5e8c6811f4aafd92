"""Intake on small folders: roles found by what the code does, bad input refused in one line."""

import pytest

from grader.errors import SubmissionError
from grader.intake.discover import discover
from grader.intake.roles import role_score
from grader.model.submission import Submission

SERVER = "import socket\ns = socket.socket()\ns.bind(('', 1))\ns.listen()\nc, a = s.accept()\n"
CLIENT = "import socket\ns = socket.socket()\ns.connect(('localhost', 1))\n"


def test_roles_come_from_the_code_not_the_names(tmp_path):
    (tmp_path / "a.py").write_text(CLIENT)
    (tmp_path / "b.py").write_text(SERVER)
    found = discover(tmp_path)
    assert found.server.name == "b.py" and found.client.name == "a.py" and found.kind == "folder"


def test_a_lab_without_a_client_role_finds_none(tmp_path):
    (tmp_path / "server.py").write_text(SERVER)
    (tmp_path / "client.py").write_text(CLIENT)
    assert discover(tmp_path, roles=("server",)).client is None


def test_names_break_ties():
    assert role_score(__import__("pathlib").Path("сервер.py"), "", "server") > 0


def test_a_submission_survives_the_trip_to_another_process(tmp_path):
    (tmp_path / "server.py").write_text(SERVER)
    found = discover(tmp_path)
    assert Submission.from_dict(found.to_dict()) == found


@pytest.mark.parametrize("setup, words", [
    (lambda p: None, "no Python files"),
    (lambda p: (p / "x.py").write_text("print(1)\n"), "no server found"),
])
def test_bad_folders_are_one_clear_error(tmp_path, setup, words):
    setup(tmp_path)
    with pytest.raises(SubmissionError, match=words):
        discover(tmp_path)
