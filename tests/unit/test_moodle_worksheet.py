"""Moodle's grading worksheet: the one the instructor downloaded comes back the same but Grade and Feedback."""

import csv
import io

import pytest

from grader.batch import moodle
from grader.batch.export import StudentRow
from grader.batch.gradebook import CheckRow
from grader.errors import UsageError
from grader.i18n import set_language
from moodle_worksheet import HEADER, worksheet_text


def student(name, number, status="graded", score=None, checks=(), reason=""):
    return StudentRow(name, name.rsplit("_", 1)[0], number, name, status, score, 25.0 if score is not None else None,
                      reason, {check.id: check for check in checks}, f"submissions/{name}/report.html"
                      if status == "graded" else "", "", "", 1.0)


GRADED = [
    student("Иван Иванов_101", "101", score=25.0,
            checks=[CheckRow("server.starts", "t", "passed", 1, 1), CheckRow("server.broadcast", "t", "passed", 2, 2)]),
    student("Petr Petrov_202", "202", score=7.0,
            checks=[CheckRow("server.starts", "t", "passed", 1, 1), CheckRow("server.broadcast", "t", "failed", 0, 2),
                    CheckRow("server.attribution", "t", "skipped", 0, 1)]),
    student("Empty Folder_404", "404", status="ungradable", reason="no Python files in this folder"),
    student("Late Student_505", "505", score=10.0),
]


@pytest.fixture(autouse=True)
def english():
    set_language("en")


def cells(text):
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


def test_the_worksheet_comes_back_the_same_but_grade_and_feedback():
    text = worksheet_text()
    filled = moodle.fill(moodle.parse_worksheet(text), GRADED)
    assert filled.text.startswith("\ufeff" + HEADER)  # the header, byte for byte
    before, after = cells(text), cells(filled.text)
    assert len(before) == len(after)
    grade, feedback = before[0].index("Grade"), before[0].index("Feedback comments")
    for old, new in zip(before, after, strict=False):
        assert [c for i, c in enumerate(old) if i not in (grade, feedback)] == \
               [c for i, c in enumerate(new) if i not in (grade, feedback)]
    by_id = {row[0]: row for row in after[1:]}
    assert by_id["Participant 101"][grade] == "100.00"        # 25 of 25 points: the assignment's maximum
    assert by_id["Participant 202"][grade] == "28.00"         # 7 of 25, out of 100
    assert by_id["Participant 404"][grade] == "0.00"
    assert by_id["Participant 303"] == before[3]              # no submission here: untouched
    assert "Score: 7/25" in by_id["Participant 202"][feedback] and "server.broadcast" in by_id["Participant 202"][feedback]
    assert "submissions/Petr Petrov_202/report.html" in by_id["Participant 202"][feedback]
    assert "no Python files" in by_id["Participant 404"][feedback]
    assert all(by_id[f"Participant {n}"][feedback] for n in (101, 202, 404))
    assert (filled.filled, filled.not_submitted, filled.unmatched) == (3, 1, ("Late Student_505",))


def test_untouched_rows_are_byte_for_byte_and_line_endings_kept():
    text = worksheet_text()
    filled = moodle.fill(moodle.parse_worksheet(text), [])
    assert filled.text == text
    unix = text.replace("\r\n", "\n")
    assert moodle.fill(moodle.parse_worksheet(unix), GRADED[:1]).text.count("\r\n") == 0


def test_a_minimal_worksheet_without_maximum_or_quotes():
    text = "Identifier,Full name,Grade,Last modified (grade),Feedback comments\nParticipant 202,Petr,,-,\n"
    after = cells(moodle.fill(moodle.parse_worksheet(text), GRADED).text)
    assert after[0] == ["Identifier", "Full name", "Grade", "Last modified (grade)", "Feedback comments"]
    assert after[1][:4] == ["Participant 202", "Petr", "7.00", "-"]


def test_grades_keep_the_worksheets_decimal_comma():
    row = student("Petr Petrov_202", "202", score=7.0)
    assert moodle.grade_cell(row, "100,00") == "28,00" and moodle.grade_cell(row, "") == "7.00"
    assert moodle.grade_cell(student("x_1", "1", status="timeout"), "100.00") == ""


def test_feedback_is_html_escaped():
    row = student("x_1", "1", status="ungradable", reason="<script>alert(1)</script> & more")
    assert "<script>" not in moodle.comment(row) and "&lt;script&gt;" in moodle.comment(row)


def test_only_moodle_entries_are_matched_when_named():
    filled = moodle.fill(moodle.parse_worksheet(worksheet_text()), GRADED, names={"Petr Petrov_202"})
    assert filled.filled == 1


def test_basic_columns_without_a_worksheet():
    rows = cells(moodle.basic(GRADED + [student("lab4.md", "")]))
    assert rows[0] == list(moodle.BASIC)
    assert [row[0] for row in rows[1:]] == ["Participant 101", "Participant 202", "Participant 404", "Participant 505"]
    assert rows[2][4] == "7.00" and "Score: 7/25" in rows[2][9]


@pytest.mark.parametrize("text, words", [
    ("", "empty"),
    ("Name,Score\nx,1\n", "'Identifier' or 'Grade'"),
    ("Identifier,Full name\nParticipant 1,x\n", "'Grade'"),
])
def test_not_a_worksheet_is_one_clear_line(text, words):
    with pytest.raises(UsageError, match=words):
        moodle.parse_worksheet(text)


def test_unreadable_worksheets(tmp_path):
    with pytest.raises(UsageError, match="no such file"):
        moodle.read_worksheet(tmp_path / "missing.csv")
    (tmp_path / "latin1.csv").write_bytes("Identifier,Grade\nTeilnehmer/in 1,\xe4\n".encode("latin-1"))
    with pytest.raises(UsageError, match="UTF-8"):
        moodle.read_worksheet(tmp_path / "latin1.csv")
    with pytest.raises(UsageError, match="folder"):
        moodle.read_worksheet(tmp_path)
