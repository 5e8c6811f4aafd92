"""What the gradebook shows a person: the class view, grades.csv and the index page.

The class view is plain data built from the gradebook; ``grades_csv`` and
``grader.report.index.render_index`` are pure functions of it, so a merged
gradebook and an unsharded one give the same files.
"""

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from grader.batch.similarity import similar_pairs

CSV_NAME = "grades.csv"
INDEX_NAME = "index.html"
_FORMULA = ("=", "+", "-", "@", "\t", "\r")  # a cell starting so is run as a formula by spreadsheets


@dataclass(frozen=True)
class Column:
    id: str
    title: str
    max_score: float


@dataclass(frozen=True)
class Progress:
    """What changed for a student since the previous grading of the same submission."""

    status_before: str        # graded | ungradable
    score_before: float | None
    max_before: float | None
    graded_before: str        # when (ISO time)
    resubmitted: bool         # new content (else the same code graded again)
    changes: tuple            # (check id, status before or "", status now or ""), in the columns' order

    def delta(self, score):
        """Points gained (negative: lost) since then; None when there was no score to compare with."""
        if score is None or self.score_before is None:
            return None
        return round(score - self.score_before, 2)


@dataclass(frozen=True)
class StudentRow:
    name: str
    student: str
    student_id: str
    source: str
    status: str            # graded | ungradable | error | timeout | pending
    score: float | None
    max_score: float | None
    reason: str
    marks: dict            # check id -> CheckRow
    report: str            # link to the report page, relative to the gradebook's folder ("" if none)
    summary: str           # link to its JSON
    graded_at: str
    duration_s: float
    progress: Progress | None = None   # None: graded for the first time (or not graded now)


@dataclass(frozen=True)
class ClassView:
    title: str
    columns: tuple         # Column per check, in the lab's order
    rows: tuple            # StudentRow, sorted by student
    pairs: tuple           # grader.batch.similarity.Pair, most similar first
    labs: tuple            # "<lab id> <version> (hash)" for every lab the rows were graded with
    graders: tuple         # "0.1.0 (build)" likewise
    threshold: float


def class_view(book, title, pairs=(), threshold=0.5):
    """The gradebook's present submissions as a ClassView."""
    latest = book.latest()
    columns, seen = [], {}
    for row in latest:  # the union of the rows' checks, each after the one it follows in its row
        previous = -1
        for check in row.checks:
            if check.id not in seen:
                columns.insert(previous + 1, Column(check.id, check.title, check.max_score))
                seen = {column.id: index for index, column in enumerate(columns)}
            previous = seen[check.id]
    rows = []
    for row in latest:
        # Only a graded row links its report: a timeout or a crash left none worth reading.
        linked = row.report_dir if row.status == "graded" and row.report_dir else ""
        rows.append(StudentRow(
            row.name, row.student, row.student_id, row.source, row.status, row.score, row.max_score, row.reason,
            {check.id: check for check in row.checks},
            f"{linked}/report.html" if linked else "", f"{linked}/summary.json" if linked else "",
            row.started_at, row.duration_s, progress(row)))
    labs = sorted({" ".join(row.lab[:2]) + f" ({row.lab[2]})" for row in latest if row.lab})
    graders = sorted({f"{row.grader[0]} ({row.grader[1]})" for row in latest if row.grader})
    return ClassView(title, tuple(columns), tuple(rows), tuple(pairs), tuple(labs), tuple(graders), threshold)


def progress(latest):
    """The ``Progress`` of a gradebook row (``Latest``) since its previous verdict, or None."""
    before = latest.previous
    if before is None or latest.status not in ("graded", "ungradable"):
        return None
    old = {check.id: check.status for check in before.checks}
    new = {check.id: check.status for check in latest.checks}
    order = [check.id for check in latest.checks] + [check.id for check in before.checks if check.id not in new]
    changes = tuple((check_id, old.get(check_id, ""), new.get(check_id, "")) for check_id in order
                    if old.get(check_id, "") != new.get(check_id, ""))
    return Progress(before.status, before.score, before.max_score, before.started_at, before.resubmitted, changes)


def _cell(value):
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA) else text


def _number(value):
    return "" if value is None else f"{value:g}"


def grades_csv(view):
    """grades.csv: a row per student: score, max, the points of each check, and why a row has none."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["student", "student_id", "submission", "status", "score", "max_score",
                     *(column.id for column in view.columns), "reason"])
    for row in view.rows:
        # Only a graded row has points here: after a grader error the points are not to be imported as a grade.
        graded = row.status == "graded"
        marks = [_number(row.marks[column.id].score) if graded and column.id in row.marks else ""
                 for column in view.columns]
        writer.writerow([_cell(row.student), _cell(row.student_id), _cell(row.name), row.status,
                         _number(row.score) if graded else "", _number(row.max_score) if graded else "", *marks,
                         _cell(row.reason)])
    return out.getvalue()


def write_outputs(book, out, title, threshold=0.5):
    """Compute the similar pairs, then write grades.csv and index.html into ``out``; return the index's path."""
    from grader.report.index import render_index

    pairs = similar_pairs(book.fingerprints(), threshold)
    book.save_pairs(pairs)
    view = class_view(book, title, pairs, threshold)
    out = Path(out)
    _write(out / CSV_NAME, grades_csv(view))
    _write(out / INDEX_NAME, render_index(view))
    return out / INDEX_NAME


def _write(path, text):
    # Whole or not at all: an instructor may have the file open while a batch finishes.
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)
