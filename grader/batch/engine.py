"""Grade a class: list it, take this shard, reuse what stands, grade the rest in parallel, export.

``plan`` decides what to grade without running anything; ``execute`` runs
the gradings (each one a ``grader check`` subprocess, see ``worker``) in a
pool of threads and stores each Record as it arrives, so an interrupted
batch keeps what was done; ``finish`` writes grades.csv and the index.
Nothing here prints: progress goes to the caller's callback.
"""

import os
import signal
import statistics
import threading
import time
import traceback
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

import grader
from grader.batch import job as jobs
from grader.batch import reaper, worker
from grader.batch.admission import Admission
from grader.batch.entries import list_entries
from grader.batch.export import write_outputs
from grader.batch.keys import content_hash, grader_build, grading_key, lab_identity
from grader.batch.shard import Shard
from grader.batch.similarity import fingerprints
from grader.isolation.pods import check_files_isolated
from grader.model.lab import builtin_lab_path

GRADEBOOK = "gradebook.sqlite"
ERRORS_LOG = "batch-errors.log"  # tracebacks of the batch's own failures, for staff
_LOG_LOCK = threading.Lock()
ADMIT_S = 0.25  # while one more grading may start: how often the idle cores are looked at


@dataclass(frozen=True)
class BatchOptions:
    class_folder: Path
    out: Path
    workers: int
    budget_s: float
    lang: str
    force: bool = False
    shard: Shard | None = None
    isolation: str = "auto"
    lab: Path | None = None        # --lab; None: the default built-in lab
    similarity: float = 0.5        # pairs at least this alike are listed
    moodle_worksheet: Path | None = None  # Moodle's grading worksheet to fill in (else the basic columns)
    unsafe: bool = False           # --unsafe: grade even without file isolation
    # Each grading runs its scenario files in one pytest session (grader check --one-session): less
    # CPU for the same verdicts, worth it when the other gradings running meanwhile keep the cores busy.
    one_session: bool = False
    # Up to this many gradings at once while a core is idle (``admission``); None: ``workers``, always.
    most_workers: int | None = None


@dataclass(frozen=True)
class Plan:
    listed: int
    selected: tuple       # this shard's entries
    jobs: tuple           # to grade now
    reused: tuple         # names whose last grading stands
    lab: object           # LabIdentity


@dataclass
class Summary:
    listed: int = 0
    selected: int = 0
    graded: int = 0
    reused: int = 0
    interrupted: bool = False
    duration_s: float = 0.0
    statuses: Counter = field(default_factory=Counter)  # latest status of each of this shard's entries
    index: Path | None = None
    moodle: object = None    # (path written, grader.batch.moodle.Filled or None) when there were Moodle entries


def list_class(options):
    """The class folder's entries (UsageError if it is missing or empty), before anything is written."""
    check_files_isolated(options.isolation, options.unsafe)
    return list_entries(options.class_folder, exclude=[options.out])


def plan(options, book, entries):
    """What to grade: this shard's entries whose last grading cannot be reused (all of them with ``force``)."""
    lab = lab_identity(options.lab or builtin_lab_path())
    shard = options.shard
    selected = tuple(e for e in entries if shard is None or shard.holds(e.name))
    book.sync_listing(selected, in_scope=lambda name: shard is None or shard.holds(name))
    key_options = {"lang": options.lang, "isolation": options.isolation}
    build = (grader.__version__, grader_build())
    todo, reused = [], []
    for entry in selected:
        content = content_hash(entry)
        key = grading_key(content, lab, key_options)
        previous = None if options.force else book.reusable(entry.name, key)
        if previous is not None and (not previous["report_dir"] or (options.out / previous["report_dir"]).is_dir()):
            reused.append(entry.name)
        else:
            todo.append(jobs.Job(entry, content, key, lab, build, key_options))
    return Plan(len(entries), selected, longest_first(todo, book.durations()), tuple(reused), lab)


def longest_first(todo, durations):
    """The jobs, those whose last grading took longest first (an entry never graded counts as a typical one).

    A batch ends when its last grading does: one long grading started
    late (a server that sleeps before it listens, at every check) is its
    tail, with the cores idle.  Started first, it runs beside the others.
    The order changes nothing else: every grading is alone in its pod.
    With no earlier runs, the class folder's order stands.
    """
    known = [durations[job.entry.name] for job in todo if job.entry.name in durations]
    if not known:
        return tuple(todo)
    typical = statistics.median(known)
    return tuple(sorted(todo, key=lambda job: -durations.get(job.entry.name, typical)))


def execute(the_plan, options, book, on_record=None, stop=None, hurry=None, own_process=False):
    """Grade the plan's jobs, ``options.workers`` at a time; return a Summary.

    ``stop`` (a threading.Event) or a KeyboardInterrupt ends the batch: the
    running gradings are stopped (``hurry``, or a second Ctrl-C, skips
    their grace), nothing more starts, and what finished is kept.
    ``own_process``: this process is the batch (the CLI), so it adopts and
    finally kills whatever a stopped grading's programs left behind.
    """
    stop = stop or threading.Event()
    hurry = hurry or threading.Event()
    started = time.monotonic()
    summary = Summary(listed=the_plan.listed, selected=len(the_plan.selected), reused=len(the_plan.reused))
    batch = book.start_batch("batch", jobs.now(), str(options.class_folder), str(options.shard or ""))
    baseline = assignment_fingerprints(the_plan.lab.path) if the_plan.jobs else frozenset()
    if own_process:
        reaper.become_subreaper()
    zygote = _start_zygote() if the_plan.jobs else None
    admission = Admission(options.workers, options.most_workers or options.workers)
    pool = ThreadPoolExecutor(max_workers=admission.most, thread_name_prefix="grading")
    queue = list(the_plan.jobs)
    pending = set()
    finished = []  # done, not yet recorded: a Ctrl-C while recording must not lose them

    def admit():
        while queue and not stop.is_set() and admission.may_start(len(pending)):
            pending.add(pool.submit(_grade_safely, queue.pop(0), options, stop, hurry, baseline, zygote))

    try:
        admit()
        while pending or finished or (queue and not stop.is_set()):
            try:
                if not finished:
                    # Woken by a grading's end, or (while one more may start) to look at the idle cores again.
                    more = queue and len(pending) < admission.most
                    done, pending = wait(pending, timeout=ADMIT_S if more else None, return_when=FIRST_COMPLETED)
                    finished = [future for future in done if not future.cancelled()]
                while finished:
                    record = finished[0].result()
                    if record is not None:  # None: stopped before it ended, nothing to keep
                        book.record(record, batch)
                        summary.graded += 1
                        if on_record:
                            on_record(record)
                    finished.pop(0)
                admit()
            except KeyboardInterrupt:
                summary.interrupted = True
                if stop.is_set():  # a second Ctrl-C: no more grace
                    hurry.set()
                stop.set()
                _hurry_on_next_interrupt(hurry)
                queue.clear()
                for future in pending:
                    future.cancel()
    finally:
        if pending:  # leaving early (an error of ours): the gradings still running are stopped, not orphaned
            stop.set()
        while True:  # a Ctrl-C while the gradings stop only makes them stop faster
            try:
                pool.shutdown(wait=True, cancel_futures=True)
                break
            except KeyboardInterrupt:
                summary.interrupted = True
                stop.set()
                hurry.set()
        if zygote is not None:
            zygote.close()
        if own_process:
            reaper.kill_orphans()
    summary.interrupted = summary.interrupted or stop.is_set()
    summary.duration_s = time.monotonic() - started
    book.finish_batch(batch, jobs.now(), summary.listed, summary.graded, summary.reused, summary.interrupted)
    return summary


def _hurry_on_next_interrupt(hurry):
    """From the first Ctrl-C (or SIGTERM) on, a further one only hurries the stop, never raises.

    Raised anywhere after the first, a KeyboardInterrupt would cut short what
    must still run: the gradings' teardown, the gradebook's last rows, the
    index of what was done (an impatient second Ctrl-C that came as the
    gradings had just stopped left no index.html).  Signal handlers belong to
    the main thread; elsewhere (a caller's own stop event) nothing changes.
    """
    if threading.current_thread() is not threading.main_thread():
        return
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda _signum, _frame: hurry.set())


def finish(the_plan, options, book, summary):
    """Write grades.csv and index.html for the whole gradebook; fill in the summary's statuses."""
    selected = {entry.name for entry in the_plan.selected}
    summary.statuses = Counter(row.status for row in book.latest() if row.name in selected)
    summary.index = write_outputs(book, options.out, title=Path(options.class_folder).resolve().name,
                                  threshold=options.similarity)
    summary.moodle = write_moodle(the_plan, options, book)
    return summary


def write_moodle(the_plan, options, book):
    """The worksheet filled in (``--moodle-worksheet``), else the basic column set when entries came from Moodle."""
    from grader.batch import moodle
    from grader.batch.export import class_view

    names = {entry.name for entry in the_plan.selected if entry.platform == "moodle"}
    if options.moodle_worksheet is None and not names:
        return None
    rows = class_view(book, "").rows
    if options.moodle_worksheet is not None:
        filled = moodle.fill(moodle.read_worksheet(options.moodle_worksheet), rows, names=names)
        return moodle.write(options.out / moodle.FILLED_NAME, filled.text), filled
    return moodle.write(options.out / moodle.BASIC_NAME, moodle.basic(rows, names=names)), None


def _start_zygote():
    """The warm ``grader check`` the gradings fork from (``zygote``), or None where it cannot run."""
    from grader.batch.zygote import Zygote

    if not hasattr(os, "pidfd_open"):
        return None
    try:
        return Zygote(worker.environment())
    except OSError:
        return None  # each grading then starts an interpreter of its own, as it did before


def _grade_safely(job, options, stop, hurry, baseline, zygote=None):
    # A bug of ours on one odd entry costs that entry, not the batch; the traceback goes with it, for staff.
    try:
        return jobs.grade(job, class_folder=options.class_folder, out=options.out, budget_s=options.budget_s,
                          stop=stop, hurry=hurry, baseline=baseline, lab_arg=options.lab,
                          one_session=options.one_session, zygote=zygote)
    except Exception as exc:
        with _LOG_LOCK, open(Path(options.out) / ERRORS_LOG, "a", encoding="utf-8") as log:
            log.write(f"--- {job.entry.name} ({jobs.now()})\n{traceback.format_exc()}\n")
        return jobs.failed(job, f"the batch failed on this entry: {type(exc).__name__}: {exc} "
                                f"(traceback in {ERRORS_LOG})")


def assignment_fingerprints(lab_path):
    """Fingerprints of the code in the lab's assignment texts: code every student was given."""
    from grader.intake.lab_report import code_blocks

    texts = []
    for path in sorted(Path(lab_path).glob("assignment*.md")):
        texts += [block.code for block in code_blocks(path.read_text(encoding="utf-8"))]
    return fingerprints(texts)


def most_workers():
    """The most gradings at once when not told: twice the cores and two, started only while a core is idle."""
    return 2 * (os.cpu_count() or 1) + 2


def default_workers():
    """Gradings at once when not told: one more than the cores (see README, "Speed of a batch").

    Each grading then runs in one session (``one_session``) and keeps about
    one core busy, less while it waits for the student's programs: the one
    more fills those waits, and while a core is still idle, more start, up
    to ``most_workers`` (``admission``).  The verdicts do not depend on it (decided on
    evidence; bench/stability.py runs 4 gradings at once beside 2 burners).
    """
    return (os.cpu_count() or 1) + 1
