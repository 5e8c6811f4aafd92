"""The entries of a class folder: one per student, as course platforms export them.

An instructor's folder holds, per student, a folder, a single ``.py``, a
lab report or a ``.zip``.  Course platforms add their own naming:

- Moodle, "download submissions in folders": ``Surname Name_12345_assignsubmission_file_/``
  (an ``..._onlinetext_/`` folder beside it for the online text);
- Moodle, flat: ``Surname Name_12345_assignsubmission_file_server.py``, one file per upload;
- Canvas: ``sortablename_userid_attachmentid_file``: the name lower-cased, spaces and
  punctuation dropped, *not* transliterated (``ивановиван_123456_789_server.py``); ``LATE``
  after the name or in front (``LATE_anon_…``) when late; ``anon_<id>_…`` under anonymous
  grading; ``…_userid_text.html`` for a text entry (no attachment id).

The student's name and id are taken from these names, and the files of one
student are one entry.  Anything else is an entry of its own, named after
its file or folder.
"""

import re
from dataclasses import dataclass
from pathlib import Path

from grader.errors import UsageError

_MOODLE_DIR = re.compile(r"^(?P<student>.+?)_(?P<id>\d+)_assignsubmission_(?P<plugin>[A-Za-z]+)_?$")
_MOODLE_FILE = re.compile(r"^(?P<student>.+?)_(?P<id>\d+)_assignsubmission_(?P<plugin>[A-Za-z]+)_(?P<file>.+)$")
# The rest of a Canvas name after the student: an attachment id and the file, or a text entry.
_CANVAS_REST = r"(?:\d+_(?P<file>.+)|(?P<text>text\.html))$"
# Anonymous first: "anon" would also read as a (lower-case, letters-only) name.
_CANVAS_ANON = re.compile(r"^(?:LATE_)?(?P<student>anon_(?P<id>[A-Za-z0-9]+))(?:_LATE)?_" + _CANVAS_REST)
_CANVAS_FILE = re.compile(r"^(?:LATE_)?(?P<student>[^\W\d_]+)(?:_LATE)?_(?P<id>\d{3,})_" + _CANVAS_REST)
HIDDEN = {"__MACOSX", "Thumbs.db", "desktop.ini"}


@dataclass(frozen=True)
class Entry:
    """One student's submission as it lies in the class folder.

    ``name`` is the stable key (gradebook, cache, report folder); ``files``
    are (path, original name) pairs: one for a folder, a file or a zip,
    several for the loose files of a flat export, graded as one folder.
    """

    name: str
    student: str
    student_id: str
    files: tuple
    platform: str = ""     # "moodle", "canvas" or "" (a folder, file or zip of its own)

    @property
    def paths(self):
        return tuple(path for path, _original in self.files)

    @property
    def source(self):
        """Where it is, for people: the entry's file or folder names in the class folder."""
        return ", ".join(path.name for path in self.paths)


def visible(folder):
    """A folder's entries, without the hidden files and junk that archivers and file managers add."""
    return sorted(p for p in Path(folder).iterdir() if not p.name.startswith(".") and p.name not in HIDDEN)


def _platform_name(path):
    """(student, id, original file name or None, plugin, platform) if ``path``'s name is a platform's, else None."""
    name = path.name
    if path.is_dir():
        match = _MOODLE_DIR.match(name)
        return (match["student"], match["id"], None, match["plugin"], "moodle") if match else None
    match = _MOODLE_FILE.match(name)
    if match:
        return match["student"], match["id"], match["file"], match["plugin"], "moodle"
    for pattern in (_CANVAS_ANON, _CANVAS_FILE):
        match = pattern.match(name)
        # Canvas lower-cases the name: "Lab_12345_1_x.py" is a file of its own, not a student's.
        if match and (pattern is _CANVAS_ANON or match["student"].islower()):
            return match["student"], match["id"], match["file"] or match["text"], None, "canvas"
    return None


def list_entries(folder, exclude=()):
    """The entries of the class folder ``folder``, sorted by name.

    ``exclude`` are paths never taken as entries (the batch's own output
    folder when it lies inside the class folder).  Raises UsageError when
    the folder is missing, not a folder, or holds nothing to grade.
    """
    folder = Path(folder)
    if not folder.exists():
        raise UsageError(f"{folder}: no such folder")
    if not folder.is_dir():
        raise UsageError(f"{folder}: not a folder (grader batch takes a folder with one entry per student; "
                         f"for one submission use: grader check {folder})")
    excluded = {Path(p).resolve() for p in exclude}
    groups, single = {}, []
    for path in visible(folder):
        if path.resolve() in excluded:
            continue
        platform = _platform_name(path)
        if platform is None:
            single.append(Entry(path.name, _student_of(path), "", ((path, path.name),)))
            continue
        student, student_id, original, plugin, where = platform
        groups.setdefault((student, student_id, where), []).append((path, original or path.name, plugin))
    entries = single + [_group_entry(student, student_id, where, items)
                        for (student, student_id, where), items in groups.items()]
    if not entries:
        raise UsageError(f"{folder}: the folder is empty (expected one folder, .py, lab report or .zip per student)")
    return sorted(entries, key=lambda e: e.name)


def _student_of(path):
    stem = path.name if path.is_dir() else path.stem
    return stem.strip() or path.name


def _group_entry(student, student_id, platform, items):
    folders = [item for item in items if item[0].is_dir()]
    if folders:
        # Moodle's folders per plugin: the uploaded files are the submission; the online text is not code.
        chosen = [item for item in folders if item[2] == "file"] or folders
        items = chosen[:1]
    files = tuple((path, original) for path, original, _plugin in sorted(items, key=lambda item: item[1]))
    name = student if student.endswith(f"_{student_id}") else f"{student}_{student_id}"
    return Entry(name, student, student_id, files, platform)
