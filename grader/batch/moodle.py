"""Moodle's grading worksheet: fill the one the instructor downloaded, or write the basic column set.

Moodle's assignment "Download grading worksheet" gives a CSV whose columns
depend on the assignment's settings (always ``Identifier`` = ``Participant N``,
``Grade``, ``Maximum Grade``, ``Last modified (grade)``, ``Feedback comments``...;
``ID number``, ``Group``, ``Marker``, ``Marking workflow state``, ``Online text``
when those are on).  "Upload grading worksheet" finds its columns by name,
matches a row by the number in ``Identifier`` (the same number as in the
export's folder names, ``Surname Name_N_assignsubmission_file_``), skips a grade
above the assignment's maximum, and skips a row whose grade changed in Moodle
after ``Last modified (grade)``.  So the worksheet comes back byte for byte but
for the ``Grade`` and ``Feedback comments`` cells of the rows graded here.
"""

import csv
import html
import io
import re
from dataclasses import dataclass
from pathlib import Path

from grader.errors import UsageError
from grader.i18n import _
from grader.report.labels import status_label

IDENTIFIER, GRADE, MAXIMUM, FEEDBACK = "Identifier", "Grade", "Maximum Grade", "Feedback comments"
BASIC = ("Identifier", "Full name", "Email address", "Status", "Grade", "Maximum Grade", "Grade can be changed",
         "Last modified (submission)", "Last modified (grade)", "Feedback comments")
FILLED_NAME = "moodle-grading-worksheet.csv"   # the worksheet filled in, to upload
BASIC_NAME = "moodle-grades.csv"               # without a worksheet: the basic columns
BOM = "\ufeff"
_NUMBER = re.compile(r"(\d+)\s*$")
_MAX_SIZE = 32 * 1024 * 1024


@dataclass
class Worksheet:
    bom: str
    header_line: str        # as read, line ending included: written back unchanged
    header: list
    records: list           # [cells, raw text as read]
    newline: str
    quote_all: bool
    columns: dict           # IDENTIFIER/GRADE/MAXIMUM/FEEDBACK -> index (MAXIMUM, FEEDBACK may be absent)


@dataclass(frozen=True)
class Filled:
    text: str
    filled: int             # rows given a grade and a comment (or a comment only: not graded)
    unmatched: tuple        # entries with a participant number that no row has
    not_submitted: int      # rows with no entry in the class folder (left as they were)


def read_worksheet(path):
    """The worksheet at ``path``; UsageError (one line) if it is not a Moodle grading worksheet."""
    path = Path(path)
    try:
        if path.stat().st_size > _MAX_SIZE:
            raise UsageError(f"{path}: over {_MAX_SIZE // 2**20} MiB, not a grading worksheet")
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise UsageError(f"--moodle-worksheet {path}: no such file") from None
    except IsADirectoryError:
        raise UsageError(f"--moodle-worksheet {path}: a folder, not the worksheet's .csv") from None
    except OSError as exc:
        raise UsageError(f"--moodle-worksheet {path}: cannot read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise UsageError(f"--moodle-worksheet {path}: not UTF-8 text (download the worksheet again from Moodle, "
                         f"it is UTF-8)") from None
    return parse_worksheet(text, str(path))


def parse_worksheet(text, where="worksheet"):
    """A Worksheet from its text; UsageError if the columns the upload needs are not there."""
    bom = BOM if text.startswith(BOM) else ""
    text = text[len(bom):]
    lines = re.findall(r"[^\n]*\n|[^\n]+$", text)
    if not lines:
        raise UsageError(f"{where}: empty, not a grading worksheet")
    header_line = lines[0]
    newline = "\r\n" if header_line.endswith("\r\n") else "\n"
    header = next(csv.reader([header_line]))
    names = {name.strip().casefold(): index for index, name in enumerate(header)}
    columns = {key: names[key.casefold()] for key in (IDENTIFIER, GRADE, MAXIMUM, FEEDBACK) if key.casefold() in names}
    missing = [key for key in (IDENTIFIER, GRADE) if key not in columns]
    if missing:
        raise UsageError(f"{where}: no {' or '.join(repr(m) for m in missing)} column: not a Moodle grading "
                         f"worksheet (in English: download it with Moodle's language set to English)")
    records = []
    consumed = []
    reader = csv.reader(_recording(lines[1:], consumed))
    for cells in reader:
        records.append([cells, "".join(consumed)])
        consumed.clear()
    return Worksheet(bom, header_line, header, records, newline, header_line.startswith('"'), columns)


def _recording(lines, consumed):
    for line in lines:
        consumed.append(line)
        yield line


def participant(cell):
    """The number of ``Participant 123`` (in any language), or ''."""
    match = _NUMBER.search(cell or "")
    return match[1] if match else ""


def _decimal(text):
    return "," if re.fullmatch(r"\s*\d+,\d+\s*", text or "") else "."


def grade_cell(row, maximum_cell=""):
    """The grade of a StudentRow out of the worksheet's maximum ('' when it has no grade to give)."""
    if row.status == "ungradable":
        value = 0.0
    elif row.status != "graded" or row.score is None:
        return ""
    else:
        value = row.score
        try:
            maximum = float((maximum_cell or "").strip().replace(",", "."))
        except ValueError:
            maximum = 0.0
        # Moodle skips a grade above the assignment's maximum: scale the lab's points to it.
        if maximum > 0 and row.max_score:
            value = row.score / row.max_score * maximum
    return f"{value:.2f}".replace(".", _decimal(maximum_cell))


def comment(row, report_base=""):
    """The short feedback comment of a StudentRow: score, what failed, the report's name (HTML-escaped)."""
    if row.status == "graded":
        parts = [_("Score: {score:g}/{max:g}").format(score=row.score or 0, max=row.max_score or 0)]
        failed = [check.id for check in row.marks.values() if check.status in ("failed", "error")]
        if failed:
            parts.append(f"{status_label('failed')}: {', '.join(failed)}")
        skipped = sum(1 for check in row.marks.values() if check.status == "skipped")
        if skipped:
            parts.append(f"{status_label('skipped')}: {skipped}")
        if row.report:
            parts.append(_("Report: {path}").format(path=report_base + row.report))
    else:  # not graded: no score to show (an ungradable row gets 0 in Grade), only why
        parts = [f"{status_label(row.status)}: {row.reason}" if row.status != "ungradable"
                 else f"{_('Reason')}: {row.reason}"]
    return html.escape("; ".join(part.rstrip(". ") for part in parts), quote=False)


def fill(worksheet, rows, report_base="", names=None):
    """The worksheet with Grade and Feedback comments of every row whose participant was graded here.

    ``names``: the entries that came from Moodle's folders (None: every row with a numeric id).
    """
    by_number = {}
    for row in rows:
        if row.student_id.isdigit() and (names is None or row.name in names):
            by_number.setdefault(row.student_id, row)
    columns = worksheet.columns
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=worksheet.newline,
                        quoting=csv.QUOTE_ALL if worksheet.quote_all else csv.QUOTE_MINIMAL)
    text = [worksheet.bom, worksheet.header_line]
    seen, filled, not_submitted = set(), 0, 0
    for cells, raw in worksheet.records:
        number = participant(cells[columns[IDENTIFIER]]) if len(cells) > columns[IDENTIFIER] else ""
        row = by_number.get(number)
        if row is None or len(cells) != len(worksheet.header):
            not_submitted += row is None and bool(cells)
            text.append(raw)  # untouched: byte for byte
            continue
        seen.add(number)
        cells = list(cells)
        grade = grade_cell(row, cells[columns[MAXIMUM]] if MAXIMUM in columns else "")
        if grade:
            cells[columns[GRADE]] = grade
        if FEEDBACK in columns:
            cells[columns[FEEDBACK]] = comment(row, report_base)
        filled += 1
        out.seek(0)
        out.truncate()
        writer.writerow(cells)
        # The last record keeps the file's own ending (with or without a final line break).
        record = out.getvalue()
        text.append(record if raw.endswith("\n") else record[:-len(worksheet.newline)])
    unmatched = tuple(sorted(row.name for number, row in by_number.items() if number not in seen))
    return Filled("".join(text), filled, unmatched, not_submitted)


def basic(rows, report_base="", names=None):
    """The basic column set for the rows that carry a participant number (Moodle's export folders)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(BASIC)
    for row in rows:
        if not row.student_id.isdigit() or (names is not None and row.name not in names):
            continue
        writer.writerow([f"Participant {row.student_id}", row.student, "", "", grade_cell(row), "", "", "", "",
                         comment(row, report_base)])
    return out.getvalue()


def write(path, text):
    """Whole or not at all (the instructor may have the file open)."""
    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8", newline="")
    partial.replace(path)
    return path
