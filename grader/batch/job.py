"""Grade one entry of a class: resolve it, fingerprint its code, run ``grader check``, keep its reports.

Runs in a worker thread of the batch; returns a ``Record`` for the main
thread to store, or None when the batch was interrupted before it ended.
"""

import hashlib
import json
import re
import shutil
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from grader.batch import worker
from grader.batch.gradebook import CheckRow, Record
from grader.batch.resolve import Ungradable, display, resolve
from grader.batch.similarity import fingerprints
from grader.intake.discover import REPORT_SUFFIXES, make_workdir, python_files, read_source

REPORTS = "submissions"  # the folder of per-submission reports inside the gradebook's folder
KEPT = ("report.html", "result.json", "summary.json")


@dataclass(frozen=True)
class Job:
    """One entry to grade, and everything its Record needs besides the verdict."""

    entry: object        # grader.batch.entries.Entry
    content_hash: str
    grading_key: str
    lab: object          # grader.batch.keys.LabIdentity
    grader: tuple        # (version, build)
    options: dict        # lang, isolation: what the key covers


def report_folder_name(name):
    """A folder name for a submission's reports: readable, and distinct for distinct names."""
    safe = re.sub(r"[^\w.-]+", "_", name).strip("._")[:80] or "submission"
    return f"{safe}-{hashlib.sha256(name.encode('utf-8', 'surrogateescape')).hexdigest()[:8]}"


def now():
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def program_texts(target):
    """The Python source a student handed in (for fingerprints): files of a folder, a file, a report's code."""
    target = Path(target)
    try:
        if target.is_dir():
            return [read_source(path) for path in python_files(target)]
        if target.suffix == ".py":
            return [read_source(target)]
        if target.suffix.lower() in REPORT_SUFFIXES:
            from grader.intake.lab_report import code_blocks

            return [block.code for block in code_blocks(read_source(target))]
    except (OSError, ValueError):
        pass
    return []


def grade(job, *, class_folder, out, budget_s, stop, hurry, baseline=frozenset(), lab_arg=None, one_session=False,
          zygote=None):
    """Grade ``job``'s entry into ``out``/submissions/; return its Record, or None if stopped."""
    started_at = now()
    scratch = make_workdir(prefix="grader-batch-")
    try:
        (scratch / "input").mkdir()
        (scratch / "run").mkdir()
        try:
            resolved = resolve(job.entry, scratch / "input", class_folder)
        except Ungradable as exc:
            return _record(job, "ungradable", started_at, 0.0, reason=str(exc))
        prints = fingerprints(program_texts(resolved.target), baseline)
        command = worker.check_command(resolved.target, scratch / "report", scratch / "report" / "summary.json",
                                       lang=job.options.get("lang"), isolation=job.options["isolation"], lab=lab_arg,
                                       one_session=one_session)
        if stop.is_set():
            return None
        finished = worker.run(command, scratch / "run", budget_s, stop, hurry, zygote)
        if finished.interrupted:
            return None
        return _verdict(job, finished, resolved, scratch, Path(out), started_at, budget_s, prints)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _verdict(job, finished, resolved, scratch, out, started_at, budget_s, prints):
    """The Record of a ``grader check`` that ended, its reports moved into the gradebook's folder."""
    report, run_dir = scratch / "report", scratch / "run"
    folder = report_folder_name(job.entry.name)
    kept = out / REPORTS / folder
    fields = dict(fingerprints=prints, exit_code=finished.code, report_dir=f"{REPORTS}/{folder}")
    if finished.timed_out:
        _keep(report, run_dir, kept)
        return _record(job, "timeout", started_at, finished.duration_s,
                       reason=f"stopped after {budget_s:g} s (the time budget of one submission)", **fields)
    # grader check names its scratch folders and, after a crash, its staff log (moved beside the reports).
    aliases = (*resolved.aliases, (str(report), str(kept)),
               ("reports/grader-error.log", str(kept / "grader-error.log")))
    reason = display(_last_words(finished.stderr), aliases)
    if finished.code == 2:
        shutil.rmtree(kept, ignore_errors=True)  # an earlier grading's reports would be taken for this one's
        return _record(job, "ungradable", started_at, finished.duration_s, reason=reason,
                       **{**fields, "report_dir": ""})
    _keep(report, run_dir, kept)
    summary = kept / "summary.json"
    if finished.code not in (0, 1, 3) or not summary.is_file():
        return _record(job, "error", started_at, finished.duration_s,
                       reason=reason or f"grader check ended with exit code {finished.code}", **fields)
    # Exit 3 with results: some check hit a grader error; the verdicts are kept, and graded again next time.
    data = json.loads(summary.read_text(encoding="utf-8"))
    checks = tuple(CheckRow(c["id"], c["title"], c["status"], c["score"], c["max_score"], c.get("message", ""),
                            c.get("hint", "")) for c in data["checks"])
    status = "error" if finished.code == 3 else "graded"
    return _record(job, status, started_at, finished.duration_s, score=data["score"], max_score=data["max_score"],
                   isolation=data.get("isolation", ""), checks=checks, reason=reason if status == "error" else "",
                   **fields)


def _last_words(stderr):
    # grader check says what went wrong in its "grader: ..." lines; the rest of stderr is noise to an instructor.
    lines = [line[len("grader: "):] for line in stderr.splitlines() if line.startswith("grader: ")]
    return "; ".join(lines) if lines else " ".join(stderr.split())[-300:]


def _keep(report, run_dir, destination):
    """Put a grading's reports in their place in the gradebook folder, replacing the last ones."""
    if destination.exists():
        shutil.rmtree(destination)
    destination.mkdir(parents=True)
    for name in KEPT:
        if (report / name).is_file():
            shutil.move(report / name, destination / name)
    # What grader check printed (its terminal table, or its error) and, after a crash, its staff log.
    log = (run_dir / "check.stdout").read_bytes() + (run_dir / "check.stderr").read_bytes()
    (destination / "check.log").write_bytes(log[-256 * 1024:])
    staff = run_dir / "reports" / "grader-error.log"
    if staff.is_file():
        shutil.move(staff, destination / "grader-error.log")


def failed(job, reason):
    """The Record of an entry the batch itself failed on (a bug of ours): an error, graded again next time."""
    return _record(job, "error", now(), 0.0, reason=reason)


def _record(job, status, started_at, duration_s, **fields):
    entry = job.entry
    return Record(name=entry.name, student=entry.student, student_id=entry.student_id, source=entry.source,
                  content_hash=job.content_hash, grading_key=job.grading_key,
                  lab=(job.lab.id, job.lab.version, job.lab.hash), grader=job.grader, options=job.options,
                  status=status, started_at=started_at, duration_s=round(duration_s, 3), **fields)
