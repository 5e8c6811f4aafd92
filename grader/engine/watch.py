"""`grader watch`: grade a submission again on every save and say what changed since the last grading.

The student's edit loop: save in the editor, read within a second (plus the
grading) which checks now pass or fail.  This module decides *when* to grade
and *what changed*; it never prints (the CLI does) and takes its clock, its
sleep, its file scanner and its grading function as arguments, so a test
drives it without files, time or gradings.

Saves are noticed by polling the files' sizes and modification times: a
submission is a handful of files, a scan costs microseconds, and polling
sees every way an editor saves (in place, write-and-rename) on every system
and on shared folders, where inotify sees nothing.  A burst of writes (an
editor saving several files, a formatter running after the save) is graded
once: after the folder has been quiet for ``quiet`` seconds.
"""

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

INTERVAL_S = 0.2     # how often the files are looked at
QUIET_S = 0.3        # a save is complete when nothing changed for this long
MAX_SETTLE_S = 3.0   # files that never stop changing are graded anyway after this long
MAX_FILES = 2000     # a submission is small; a home folder passed by mistake is not walked forever
IDLE_LIMIT_S = 12 * 3600  # nobody edits for half a day: stop (every wait has a deadline)
SKIPPED_DIRS = {"__pycache__", ".git", ".hg", ".svn", ".venv", "venv", "env", "node_modules", ".idea", ".vscode",
                ".mypy_cache", ".pytest_cache", ".ruff_cache", "reports"}


def _editor_scratch(name):
    # Swap and backup files appear and vanish while an editor saves: not a change of the submission.
    return (name.startswith((".#", "#")) or name.endswith(("~", ".swp", ".swx", ".swo", ".tmp", ".part"))
            or name == "4913" or name.startswith("."))


def scan(root, skip=()):
    """``{relative path: (size, mtime_ns)}`` of the submission's files at ``root`` (a folder or one file)."""
    root = Path(root)
    skip = {Path(path).resolve() for path in skip}
    if root.is_file():
        stat = root.stat()
        return {root.name: (stat.st_size, stat.st_mtime_ns)}
    found = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS and not d.startswith(".")
                         and (Path(folder) / d).resolve() not in skip)
        for name in sorted(files):
            if _editor_scratch(name):
                continue
            path = Path(folder) / name
            try:
                stat = path.stat()
            except OSError:  # deleted between the listing and now
                continue
            found[str(path.relative_to(root))] = (stat.st_size, stat.st_mtime_ns)
            if len(found) >= MAX_FILES:
                return found
    return found


def changed_files(before, after):
    """The paths added, removed or modified between two scans, sorted."""
    return sorted(path for path in set(before) | set(after) if before.get(path) != after.get(path))


@dataclass(frozen=True)
class Change:
    """One check whose verdict differs from the last grading ("failed" -> "passed")."""

    id: str
    before: str          # a status, or "" when the check is new
    after: str           # a status, or "" when the check is gone
    score_before: float = 0.0
    score_after: float = 0.0


@dataclass(frozen=True)
class Delta:
    """What changed between two gradings of the same submission."""

    changes: tuple
    score_before: float | None      # None: the first grading
    score_after: float
    max_score: float

    @property
    def first(self):
        return self.score_before is None


def compare(previous, current):
    """The ``Delta`` from GradingResult ``previous`` (None the first time) to ``current``."""
    if previous is None:
        return Delta((), None, current.score, current.max_score)
    before = {check.id: check for check in previous.checks}
    after = {check.id: check for check in current.checks}
    changes = []
    for check_id in list(after) + [check_id for check_id in before if check_id not in after]:
        old, new = before.get(check_id), after.get(check_id)
        old_status, new_status = (old.status if old else ""), (new.status if new else "")
        old_score, new_score = (old.score if old else 0.0), (new.score if new else 0.0)
        if old_status != new_status or old_score != new_score:
            changes.append(Change(check_id, old_status, new_status, old_score, new_score))
    return Delta(tuple(changes), previous.score, current.score, current.max_score)


@dataclass(frozen=True)
class Grading:
    """A grading starts; ``files`` are the files whose save caused it (empty the first time)."""

    files: tuple


@dataclass(frozen=True)
class Graded:
    result: object       # GradingResult
    delta: Delta


@dataclass(frozen=True)
class NotGraded:
    """The submission could not be graded this time (a file renamed away...); watching goes on."""

    error: Exception


@dataclass(frozen=True)
class Stopped:
    """Nothing was saved for ``idle_s`` seconds: the watch ends by itself."""

    idle_s: float


@dataclass
class Watch:
    """Grades ``root`` with ``grade(root)`` now and after every save; ``events()`` says what happens.

    ``errors``: the exception classes that mean "this submission cannot be
    graded right now" (bad input): reported, then the watch waits for the
    next save.  Any other exception ends the watch.
    """

    root: Path
    grade: object
    errors: tuple = ()
    scan: object = None
    clock: object = time.monotonic
    sleep: object = time.sleep
    interval_s: float = INTERVAL_S
    quiet_s: float = QUIET_S
    max_settle_s: float = MAX_SETTLE_S
    idle_limit_s: float = IDLE_LIMIT_S
    max_runs: int | None = None   # tests: stop after this many gradings
    previous: object = field(default=None, init=False)

    def __post_init__(self):
        if self.scan is None:
            self.scan = lambda: scan(self.root)

    def events(self):
        """Yield Grading, then Graded or NotGraded, for the first grading and after each save; Stopped at the end."""
        files, runs = (), 0
        while True:
            snapshot = self.scan()  # before the grading: a save during it causes the next one
            yield Grading(tuple(files))
            try:
                result = self.grade(self.root)
            except self.errors as error:
                yield NotGraded(error)
            else:
                yield Graded(result, compare(self.previous, result))
                self.previous = result
            runs += 1
            if self.max_runs is not None and runs >= self.max_runs:
                return
            saved = self.wait_for_save(snapshot)
            if saved is None:
                yield Stopped(self.idle_limit_s)
                return
            files = saved

    def wait_for_save(self, snapshot):
        """The files changed since ``snapshot``, once quiet for ``quiet_s``; None after the idle limit."""
        deadline = self.clock() + self.idle_limit_s
        while self.clock() < deadline:
            current = self.scan()
            if current == snapshot:
                self.sleep(self.interval_s)
                continue
            # Debounce: wait until the burst of writes is over, but not for ever.
            first_change = last_change = self.clock()
            while self.clock() - last_change < self.quiet_s and self.clock() - first_change < self.max_settle_s:
                self.sleep(self.interval_s / 2)
                latest = self.scan()
                if latest != current:
                    current, last_change = latest, self.clock()
            changed = changed_files(snapshot, current)
            if changed:
                return changed
            # Saved and changed back (an undo): nothing to grade; keep waiting.
        return None
