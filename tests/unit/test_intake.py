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


def _mountinfo(tmp_path, mount_point, fs_type):
    table = tmp_path / "mountinfo"
    table.write_text(f"22 1 252:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n"
                     f"31 22 0:26 / {mount_point} rw,nosuid,nodev shared:7 - {fs_type} {fs_type} rw\n")
    return table


def test_scratch_goes_to_a_ram_file_system_only_when_nothing_chooses_another(tmp_path):
    from grader.intake.discover import ram_scratch

    folder = tmp_path / "shm"
    folder.mkdir()
    tmpfs = _mountinfo(tmp_path, folder, "tmpfs")
    assert ram_scratch({}, str(folder), tmpfs) == str(folder)
    # The user's TMPDIR (or TEMP, TMP) wins; a folder on a disk, or one we cannot read the mounts of, is not used.
    assert ram_scratch({"TMPDIR": "/var/tmp"}, str(folder), tmpfs) is None
    assert ram_scratch({"TMP": "/var/tmp"}, str(folder), tmpfs) is None
    assert ram_scratch({}, str(folder), _mountinfo(tmp_path, folder, "ext4")) is None
    assert ram_scratch({}, str(folder), tmp_path / "no-such-table") is None
    assert ram_scratch({}, str(tmp_path / "absent"), _mountinfo(tmp_path, tmp_path / "absent", "tmpfs")) is None


def test_scratch_needs_room_and_write_access(tmp_path, monkeypatch):
    import os

    from grader.intake import discover

    folder = tmp_path / "shm"
    folder.mkdir()
    tmpfs = _mountinfo(tmp_path, folder, "tmpfs")
    monkeypatch.setattr(discover, "RAM_SCRATCH_FREE", 1 << 62)  # more than any machine has
    assert discover.ram_scratch({}, str(folder), tmpfs) is None
    monkeypatch.setattr(discover, "RAM_SCRATCH_FREE", 1)
    assert discover.ram_scratch({}, str(folder), tmpfs) == str(folder)
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    assert discover.ram_scratch({}, str(folder), tmpfs) is None
