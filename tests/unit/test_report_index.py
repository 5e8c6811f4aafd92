"""The class index: its histogram reaches the maximum score; it marks each student's progress since
the previous grading; grades.csv stays one row per student."""

import csv
import io
import re

from grader.batch.export import ClassView, StudentRow, class_view, grades_csv
from grader.batch.gradebook import CheckRow, Gradebook, Record
from grader.report.index import render_index, score_histogram


def _row(name, score, top):
    return StudentRow(name, name, "", name, "graded", score, top, "", {}, "", "", "", 0.0)


def test_the_axis_is_labelled_up_to_the_maximum():
    for top in (10, 25, 29, 30, 60):
        view = ClassView("c", (), (_row("a", 0, top), _row("b", top, top)), (), (), (), 0.5)
        labels = [bar["label"] for bar in score_histogram(view)["bars"] if bar["show_label"]]
        assert labels[0].startswith("0") and labels[-1].endswith(f"{top:g}"), (top, labels)
        shown = [bar["cx"] for bar in score_histogram(view)["bars"] if bar["show_label"]]
        assert all(b - a > 20 for a, b in zip(shown, shown[1:], strict=False)), (top, shown)  # no two labels touch


# ------------------------------------------------------------- progress over resubmissions


def _graded(name, content, starts, broadcast, status="graded", when="2026-01-01T00:00:00+00:00"):
    checks = (CheckRow("server.starts", "Starts", starts, 1.0 if starts == "passed" else 0.0, 1.0),
              CheckRow("server.broadcast", "Broadcast", broadcast, 2.0 if broadcast == "passed" else 0.0, 2.0))
    graded = status == "graded"
    return Record(name=name, student=name.title(), student_id="", source=name, content_hash=content,
                  grading_key=content, lab=("chat", "1", "h"), grader=("0.1.0", "b"), options={}, status=status,
                  started_at=when, duration_s=1.0,
                  score=sum(c.score for c in checks) if graded else None, max_score=3.0 if graded else None,
                  checks=checks if graded else (), reason="" if graded else "nothing in it",
                  report_dir=f"submissions/{name}" if graded else "")


def test_the_index_marks_what_changed_since_the_previous_grading(tmp_path):
    with Gradebook(tmp_path / "g.sqlite") as book:
        book.record(_graded("anna", "a1", "passed", "failed", when="2026-01-01T10:00:00+00:00"))
        book.record(_graded("boris", "b1", "passed", "passed"))
        book.record(_graded("vera", "v1", "passed", "passed", status="ungradable"))
        book.record(_graded("gleb", "g1", "passed", "passed"))
        # Resubmissions: Anna fixed broadcast; Boris broke it; Vera's folder now has code; Gleb's grader crashed.
        book.record(_graded("anna", "a2", "passed", "passed"))
        book.record(_graded("boris", "b2", "passed", "failed"))
        book.record(_graded("vera", "v2", "failed", "passed"))
        book.record(_graded("gleb", "g2", "passed", "passed", status="error"))
        book.record(_graded("gleb", "g3", "passed", "passed"))
        book.record(_graded("dana", "d1", "passed", "failed"))
        view = class_view(book, "group")
    rows = {row.name: row for row in view.rows}
    anna = rows["anna"].progress
    assert anna.delta(rows["anna"].score) == 2 and anna.resubmitted
    assert anna.changes == (("server.broadcast", "failed", "passed"),)
    assert anna.graded_before == "2026-01-01T10:00:00+00:00"
    assert rows["boris"].progress.changes == (("server.broadcast", "passed", "failed"),)
    assert rows["vera"].progress.status_before == "ungradable"
    assert rows["gleb"].progress.changes == () and rows["gleb"].progress.delta(3.0) == 0  # the error was no verdict
    assert rows["dana"].progress is None  # graded once
    # grades.csv: still one row per student, with the latest grade.
    table = list(csv.DictReader(io.StringIO(grades_csv(view))))
    assert sorted(row["submission"] for row in table) == ["anna", "boris", "dana", "gleb", "vera"]
    assert next(row for row in table if row["submission"] == "anna")["score"] == "3"
    page = render_index(view)
    anna_row = re.search(r'<tr id="anna".*?</tr>', page, re.S).group()
    assert '<span class="delta up"' in anna_row and "▲ +2" in anna_row
    assert re.search(r'class="mark passed up"[^>]*>✔<sup>↑</sup>', anna_row)
    assert "failed at the previous grading" in anna_row
    boris_row = re.search(r'<tr id="boris".*?</tr>', page, re.S).group()
    assert "▼ −2" in boris_row and re.search(r'class="mark failed down"[^>]*>✘<sup>↓</sup>', boris_row)
    assert 'class="delta new"' in re.search(r'<tr id="vera".*?</tr>', page, re.S).group()
    dana_row = re.search(r'<tr id="dana".*?</tr>', page, re.S).group()
    assert "delta" not in dana_row and "<sup>" not in dana_row
    assert re.search(r'<div class="stat" id="progress"><b>▲ 1 · ▼ 1</b>', page)


def test_no_progress_marks_when_everyone_was_graded_once(tmp_path):
    with Gradebook(tmp_path / "g.sqlite") as book:
        book.record(_graded("anna", "a1", "passed", "failed"))
        page = render_index(class_view(book, "group"))
    assert 'id="progress"' not in page and "delta up" not in page
