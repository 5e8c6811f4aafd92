"""The gradebook of a class: every grading of every submission, in SQLite.

One file (``gradebook.sqlite``) that any SQL tool opens.  ``submissions``
has a row per class-folder entry (the student, the content hash last seen,
the code's fingerprints, the latest run); ``runs`` keeps every grading,
with the key that decides reuse (content hash, lab, grader, options);
``check_results`` has the verdict of each check of each run;
``similar_pairs`` the pairs of the last similarity pass; ``batches`` one
row per ``grader batch`` or ``grader merge``.

Only the batch's main thread writes here; the gradings run elsewhere and
hand their ``Record`` back.
"""

import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from grader.errors import UsageError

SCHEMA_VERSION = 1
REUSABLE = ("graded", "ungradable")  # an error or a timeout is not the student's verdict: graded again

SCHEMA = """
CREATE TABLE IF NOT EXISTS batches (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,               -- batch | merge
    started_at TEXT NOT NULL,
    finished_at TEXT,
    source TEXT NOT NULL,             -- the class folder, or the merged folders
    shard TEXT NOT NULL DEFAULT '',
    listed INTEGER, graded INTEGER, reused INTEGER, interrupted INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS submissions (
    name TEXT PRIMARY KEY,            -- the entry in the class folder (stable across runs and shards)
    student TEXT NOT NULL,
    student_id TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '',  -- its file or folder names in the class folder
    present INTEGER NOT NULL DEFAULT 1,
    content_hash TEXT,
    fingerprints TEXT,                -- JSON list of ints (grader.batch.similarity)
    latest_run INTEGER REFERENCES runs(id)
);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    submission TEXT NOT NULL REFERENCES submissions(name),
    batch INTEGER REFERENCES batches(id),
    grading_key TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    lab TEXT NOT NULL, lab_version TEXT NOT NULL, lab_hash TEXT NOT NULL,
    grader_version TEXT NOT NULL, grader_build TEXT NOT NULL,
    options TEXT NOT NULL,            -- JSON: lang, isolation
    status TEXT NOT NULL CHECK (status IN ('graded', 'ungradable', 'error', 'timeout')),
    exit_code INTEGER,
    score REAL, max_score REAL,
    reason TEXT NOT NULL DEFAULT '',
    isolation TEXT NOT NULL DEFAULT '',
    started_at TEXT NOT NULL,
    duration_s REAL NOT NULL,
    report_dir TEXT NOT NULL DEFAULT ''  -- relative to the gradebook's folder
);
CREATE TABLE IF NOT EXISTS check_results (
    run INTEGER NOT NULL REFERENCES runs(id),
    position INTEGER NOT NULL,
    check_id TEXT NOT NULL,
    title TEXT NOT NULL, status TEXT NOT NULL, score REAL NOT NULL, max_score REAL NOT NULL,
    message TEXT NOT NULL DEFAULT '', hint TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (run, check_id)
);
CREATE TABLE IF NOT EXISTS similar_pairs (
    a TEXT NOT NULL, b TEXT NOT NULL, score REAL NOT NULL, shared INTEGER NOT NULL,
    PRIMARY KEY (a, b)
);
CREATE INDEX IF NOT EXISTS runs_by_submission ON runs(submission);
"""


class GradebookError(UsageError):
    """The gradebook file cannot be used (not a gradebook, a newer schema); the message says which."""


def _exclusive(lock_path):
    """Hold a lock beside the gradebook: two batches writing one gradebook would mix their reports."""
    handle = open(lock_path, "a")
    try:
        import fcntl

        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except ImportError:  # not POSIX: no lock, as before
        pass
    except OSError:
        handle.close()
        raise GradebookError(f"{lock_path.parent}: another grader batch or merge is writing this gradebook; "
                             "wait for it, or choose another --out") from None
    return handle


@dataclass(frozen=True)
class CheckRow:
    id: str
    title: str
    status: str
    score: float
    max_score: float
    message: str = ""
    hint: str = ""


@dataclass(frozen=True)
class Record:
    """One grading of one entry, as the gradebook stores it."""

    name: str
    student: str
    student_id: str
    source: str
    content_hash: str
    grading_key: str
    lab: tuple            # (id, version, hash)
    grader: tuple         # (version, build)
    options: dict
    status: str
    started_at: str
    duration_s: float
    exit_code: int | None = None
    score: float | None = None
    max_score: float | None = None
    reason: str = ""
    isolation: str = ""
    report_dir: str = ""
    checks: tuple = ()
    fingerprints: tuple | None = None  # None: unknown (keep what is stored)


@dataclass(frozen=True)
class Previous:
    """The verdict a submission had before its latest one: what its progress is measured against."""

    status: str
    score: float | None
    max_score: float | None
    started_at: str
    resubmitted: bool     # its content differed from the latest's (else: graded again, e.g. by a newer grader)
    checks: tuple = ()


@dataclass(frozen=True)
class Latest:
    """A submission of the gradebook with its latest run (``status`` "pending" when it has none yet)."""

    name: str
    student: str
    student_id: str
    source: str
    status: str
    score: float | None
    max_score: float | None
    reason: str
    report_dir: str
    started_at: str
    duration_s: float
    grading_key: str
    lab: tuple
    grader: tuple
    checks: tuple = field(default_factory=tuple)
    previous: Previous | None = None   # the verdict before this one (graded or ungradable), if any


class Gradebook:
    """The SQLite gradebook at ``path`` (created if missing)."""

    def __init__(self, path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = _exclusive(self.path.with_name(self.path.name + ".lock"))
        try:
            self.db = sqlite3.connect(self.path)
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise GradebookError(f"{self.path}: written by a newer grader (schema {version}); upgrade the grader")
            self.db.executescript(SCHEMA)
            self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            self.db.commit()
        except sqlite3.DatabaseError as exc:
            self._lock.close()
            raise GradebookError(f"{self.path}: not a gradebook ({exc})") from None
        except GradebookError:
            self._lock.close()
            raise
        self.db.row_factory = sqlite3.Row

    def close(self):
        self.db.close()
        self._lock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ---------------------------------------------------------------- batches
    def start_batch(self, kind, started_at, source, shard=""):
        cursor = self.db.execute("INSERT INTO batches (kind, started_at, source, shard) VALUES (?, ?, ?, ?)",
                                 (kind, started_at, source, shard))
        self.db.commit()
        return cursor.lastrowid

    def finish_batch(self, batch, finished_at, listed, graded, reused, interrupted):
        self.db.execute("UPDATE batches SET finished_at=?, listed=?, graded=?, reused=?, interrupted=? WHERE id=?",
                        (finished_at, listed, graded, reused, int(interrupted), batch))
        self.db.commit()

    # ------------------------------------------------------------ submissions
    def sync_listing(self, entries, in_scope):
        """Mark the listed ``entries`` present; any other submission for which ``in_scope(name)`` is gone."""
        listed = {entry.name for entry in entries}
        for entry in entries:
            self.db.execute(
                "INSERT INTO submissions (name, student, student_id, source, present) VALUES (?, ?, ?, ?, 1) "
                "ON CONFLICT(name) DO UPDATE SET student=excluded.student, student_id=excluded.student_id, "
                "source=excluded.source, present=1",
                (entry.name, entry.student, entry.student_id, entry.source))
        for row in self.db.execute("SELECT name FROM submissions WHERE present=1").fetchall():
            if row["name"] not in listed and in_scope(row["name"]):
                self.db.execute("UPDATE submissions SET present=0 WHERE name=?", (row["name"],))
        self.db.commit()

    def reusable(self, name, grading_key):
        """The latest run of ``name`` if it was made under ``grading_key`` and can stand; else None."""
        row = self.db.execute(
            "SELECT runs.* FROM submissions JOIN runs ON runs.id = submissions.latest_run "
            "WHERE submissions.name=? AND runs.grading_key=?", (name, grading_key)).fetchone()
        if row is None or row["status"] not in REUSABLE:
            return None
        return row

    def durations(self):
        """name -> seconds its latest grading took, whatever grader or code graded it (for the batch's order)."""
        return {row["name"]: row["duration_s"] for row in self.db.execute(
            "SELECT s.name, r.duration_s FROM submissions s JOIN runs r ON r.id = s.latest_run")}

    def record(self, record, batch=None):
        """Store a grading and make it the submission's latest; return the run's id."""
        with self.db as db:  # one transaction: an interrupted record leaves nothing half-written
            return self._record(db, record, batch)

    def _record(self, db, record, batch):
        db.execute(
            "INSERT INTO submissions (name, student, student_id, source, present) VALUES (?, ?, ?, ?, 1) "
            "ON CONFLICT(name) DO UPDATE SET student=excluded.student, student_id=excluded.student_id, "
            "source=excluded.source, present=1",
            (record.name, record.student, record.student_id, record.source))
        cursor = db.execute(
            "INSERT INTO runs (submission, batch, grading_key, content_hash, lab, lab_version, lab_hash, "
            "grader_version, grader_build, options, status, exit_code, score, max_score, reason, isolation, "
            "started_at, duration_s, report_dir) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (record.name, batch, record.grading_key, record.content_hash, *record.lab, *record.grader,
             json.dumps(record.options, sort_keys=True), record.status, record.exit_code, record.score,
             record.max_score, record.reason, record.isolation, record.started_at, record.duration_s,
             record.report_dir))
        run = cursor.lastrowid
        db.executemany(
            "INSERT INTO check_results (run, position, check_id, title, status, score, max_score, message, hint) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(run, position, c.id, c.title, c.status, c.score, c.max_score, c.message, c.hint)
             for position, c in enumerate(record.checks)])
        db.execute("UPDATE submissions SET latest_run=?, content_hash=? WHERE name=?",
                   (run, record.content_hash, record.name))
        if record.fingerprints is not None:
            db.execute("UPDATE submissions SET fingerprints=? WHERE name=?",
                       (json.dumps(sorted(record.fingerprints)), record.name))
        return run

    # ---------------------------------------------------------------- reading
    def latest(self, present_only=True):
        """Every (present) submission with its latest run, sorted by student then name."""
        rows = self.db.execute(
            "SELECT s.name, s.student, s.student_id, s.source, r.* FROM submissions s "
            "LEFT JOIN runs r ON r.id = s.latest_run " + ("WHERE s.present=1 " if present_only else "")
            + "ORDER BY s.student COLLATE NOCASE, s.name").fetchall()
        found = []
        for row in rows:
            if row["id"] is None:
                found.append(Latest(row["name"], row["student"], row["student_id"], row["source"], "pending",
                                    None, None, "not graded yet", "", "", 0.0, "", (), ()))
                continue
            found.append(Latest(row["name"], row["student"], row["student_id"], row["source"], row["status"],
                                row["score"], row["max_score"], row["reason"], row["report_dir"], row["started_at"],
                                row["duration_s"], row["grading_key"],
                                (row["lab"], row["lab_version"], row["lab_hash"]),
                                (row["grader_version"], row["grader_build"]), self._checks(row["id"]),
                                self._previous(row["name"], row["id"], row["content_hash"])))
        return found

    def _checks(self, run):
        return tuple(CheckRow(c["check_id"], c["title"], c["status"], c["score"], c["max_score"], c["message"],
                              c["hint"])
                     for c in self.db.execute("SELECT * FROM check_results WHERE run=? ORDER BY position", (run,)))

    def _previous(self, name, run, content_hash):
        """The last verdict of ``name`` before ``run``: a grader error or a timeout in between is no verdict."""
        row = self.db.execute(
            "SELECT id, status, score, max_score, started_at, content_hash FROM runs WHERE submission=? AND id<? "
            "AND status IN (%s) ORDER BY id DESC LIMIT 1" % ", ".join("?" * len(REUSABLE)),
            (name, run, *REUSABLE)).fetchone()
        if row is None:
            return None
        return Previous(row["status"], row["score"], row["max_score"], row["started_at"],
                        row["content_hash"] != content_hash, self._checks(row["id"]))

    def fingerprints(self):
        """name -> frozenset of fingerprints, for the present submissions that have code."""
        found = {}
        for row in self.db.execute("SELECT name, fingerprints FROM submissions WHERE present=1"):
            if row["fingerprints"]:
                found[row["name"]] = frozenset(json.loads(row["fingerprints"]))
        return found

    def save_pairs(self, pairs):
        self.db.execute("DELETE FROM similar_pairs")
        self.db.executemany("INSERT INTO similar_pairs (a, b, score, shared) VALUES (?, ?, ?, ?)",
                            [(p.a, p.b, p.score, p.shared) for p in pairs])
        self.db.commit()

    # ---------------------------------------------------------------- merging
    def export_latest(self):
        """(Record, fingerprints) of each present submission's latest run: what a merge copies."""
        found = []
        for latest in self.latest():
            if latest.status == "pending":
                continue
            row = self.db.execute("SELECT r.*, s.fingerprints FROM submissions s JOIN runs r ON r.id = s.latest_run "
                                  "WHERE s.name=?", (latest.name,)).fetchone()
            prints = tuple(json.loads(row["fingerprints"])) if row["fingerprints"] else None
            found.append(Record(
                latest.name, latest.student, latest.student_id, latest.source, row["content_hash"],
                row["grading_key"], latest.lab, latest.grader, json.loads(row["options"]), row["status"],
                row["started_at"], row["duration_s"], row["exit_code"], row["score"], row["max_score"],
                row["reason"], row["isolation"], row["report_dir"], latest.checks, prints))
        return found

    def latest_started(self, name):
        row = self.db.execute("SELECT r.started_at FROM submissions s JOIN runs r ON r.id = s.latest_run "
                              "WHERE s.name=?", (name,)).fetchone()
        return row["started_at"] if row else None
