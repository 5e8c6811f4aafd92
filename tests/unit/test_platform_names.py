"""Course platforms' export names: one student, one entry, with the id (Canvas and Moodle)."""

import pytest

from grader.batch.entries import list_entries


def _class(tmp_path, names):
    root = tmp_path / "class"
    root.mkdir()
    for name in names:
        (root / name).write_text("x = 1\n", encoding="utf-8")
    return {entry.name: entry for entry in list_entries(root)}


def test_a_cyrillic_canvas_name_is_one_student_with_the_id(tmp_path):
    entries = _class(tmp_path, ["ивановиван_123456_789_server.py", "ивановиван_123456_790_client.py"])
    assert list(entries) == ["ивановиван_123456"]
    entry = entries["ивановиван_123456"]
    assert (entry.student, entry.student_id, entry.platform) == ("ивановиван", "123456", "canvas")
    assert sorted(original for _path, original in entry.files) == ["client.py", "server.py"]


@pytest.mark.parametrize("names, student, student_id, originals", [
    (["müllerjürgen_4242_1_server.py"], "müllerjürgen", "4242", ["server.py"]),
    (["smithjohn_LATE_30303_777_server.py", "smithjohn_LATE_30303_778_client.py"], "smithjohn", "30303",
     ["client.py", "server.py"]),
    (["LATE_smithjohn_30303_777_server.py"], "smithjohn", "30303", ["server.py"]),
    (["anon_x7Gq2_777_server.py", "anon_x7Gq2_778_client.py"], "anon_x7Gq2", "x7Gq2", ["client.py", "server.py"]),
    (["LATE_anon_x7Gq2_777_server.py"], "anon_x7Gq2", "x7Gq2", ["server.py"]),
    (["ивановиван_123456_text.html", "ивановиван_123456_789_server.py"], "ивановиван", "123456",
     ["server.py", "text.html"]),
    (["ивановиван_LATE_123456_text.html"], "ивановиван", "123456", ["text.html"]),
])
def test_canvas_names(tmp_path, names, student, student_id, originals):
    entries = _class(tmp_path, names)
    assert len(entries) == 1, entries
    [entry] = entries.values()
    assert (entry.student, entry.student_id, entry.platform) == (student, student_id, "canvas")
    assert sorted(original for _path, original in entry.files) == originals


def test_late_and_on_time_files_of_one_student_are_one_entry(tmp_path):
    entries = _class(tmp_path, ["doejane_555_1_server.py", "doejane_LATE_555_2_client.py"])
    assert list(entries) == ["doejane_555"]


def test_names_that_are_not_canvas_stay_entries_of_their_own(tmp_path):
    entries = _class(tmp_path, ["Lab_12345_1_server.py", "ivanov_12_3_x.py", "Иванов_12345_1_x.py"])
    assert sorted(entries) == ["Lab_12345_1_server.py", "ivanov_12_3_x.py", "Иванов_12345_1_x.py"]
    assert all(entry.platform == "" and entry.student_id == "" for entry in entries.values())


def test_moodle_names_say_their_platform(tmp_path):
    entries = _class(tmp_path, ["Иванов Иван_101_assignsubmission_file_server.py"])
    [entry] = entries.values()
    assert (entry.student, entry.student_id, entry.platform) == ("Иванов Иван", "101", "moodle")
