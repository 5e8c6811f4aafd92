"""A Moodle grading worksheet with extra columns, for the worksheet tests."""

import csv
import io

# As Moodle writes it with ID number, groups and marking workflow on: quoted header, a BOM, CRLF.
HEADER = ('"Identifier","Full name","ID number","Email address","Status","Group","Marking workflow state",'
          '"Grade","Maximum Grade","Grade can be changed","Last modified (submission)","Last modified (grade)",'
          '"Feedback comments"\r\n')
ROWS = [
    ["Participant 101", "Иван Иванов", "s-101", "ivanov@uni.example", "Submitted for grading", "Group A",
     "Not marked", "", "100.00", "Yes", "Monday, 1 September 2026, 10:15 AM", "-", ""],
    ["Participant 202", "Petr Petrov", "s-202", "petrov@uni.example", "Submitted for grading", "Group B",
     "In marking", "", "100.00", "Yes", "Monday, 1 September 2026, 11:00 AM", "-", "old, \"quoted\"\nnote"],
    ["Participant 303", "Nobody Here", "s-303", "nobody@uni.example", "No submission", "Group A",
     "Not marked", "", "100.00", "Yes", "-", "-", ""],
    ["Participant 404", "Empty Folder", "s-404", "empty@uni.example", "Submitted for grading", "Group B",
     "Not marked", "", "100.00", "Yes", "Monday, 1 September 2026, 9:00 AM", "-", ""],
]


def worksheet_text(rows=ROWS):
    out = io.StringIO()
    csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerows(rows)
    return "\ufeff" + HEADER + out.getvalue()
