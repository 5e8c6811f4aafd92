"""The `grader` command: arguments, output and exit codes only.

This is the one module that prints or exits; everything else returns data or
raises a ``GraderError`` whose message is the line the user sees.
"""

import argparse
import contextlib
import dataclasses
import json
import os
import re
import sys
import traceback
from enum import IntEnum
from pathlib import Path

from grader import __version__
from grader.errors import GraderError, LabError, UsageError
from grader.i18n import _
from grader.model.lab import lab_path


class Exit(IntEnum):
    OK = 0            # every check passed
    FAILED = 1        # some check failed
    USAGE = 2         # bad usage or an unreadable submission
    INTERNAL = 3      # the grader itself failed
    INTERRUPTED = 130


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, not a usage screen
        raise UsageError(f"{message} (see: {self.prog} --help)")  # prog: "grader", or "grader check"

    def parse_args(self, args=None, namespace=None):
        # An unknown option is the command's error, so the hint names the command's --help.
        parsed, extra = self.parse_known_args(args, namespace)
        if extra:
            command = self._commands.get(getattr(parsed, "command", None), self) if hasattr(self, "_commands") else self
            command.error(f"unrecognized arguments: {' '.join(extra)}")
        return parsed


LAB_HELP = "grade with this lab (a folder, or the name of a built-in lab) instead of the default one"


def build_parser():
    parser = _Parser(prog="grader", description="Grade socket labs (servers and clients) by running them for real.")
    parser.add_argument("--version", action="version", version=f"grader {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    parser._commands = commands.choices
    check = commands.add_parser("check", help="grade one submission and write its report")
    check.add_argument("path", help="a folder with server.py (and client.py), a single .py, or a lab report (.md/.txt)")
    check.add_argument("--json", metavar="FILE", help="also write the results as JSON to FILE")
    check.add_argument("--out", metavar="DIR", help="where to write the reports (default: reports/<submission>/)")
    check.add_argument("--format", metavar="FORMATS", action="append",
                       help="report files to write into --out, comma-separated or repeated: html (default), md, "
                            "json, gradescope, junit, junit-github, classroom50 (written also when the submission "
                            "cannot be graded: 0 points and the reason)")
    check.add_argument("--lang", choices=("en", "ru"), default=None,
                       help="language of the report (default: from the locale)")
    check.add_argument("--server", metavar="FILE", help="the server file, if the guess is wrong")
    check.add_argument("--client", metavar="FILE", help="the client file, if the guess is wrong")
    check.add_argument("--isolation", choices=("auto", "namespaces", "process"), default="auto",
                       help="how to isolate the student's programs (default: auto)")
    check.add_argument("--lab", metavar="DIR", help=LAB_HELP)
    check.add_argument("--plain", action="store_true", help="no colours in the terminal table")
    check.add_argument("--one-session", action="store_true",
                       help="run the lab's scenario files one after another in one session: less CPU, more wall "
                            "time, the same verdicts (what grader batch does)")
    report = commands.add_parser("report", help="render a stored result.json again (other formats, another "
                                                "language), without grading")
    report.add_argument("result", help="the result.json that `grader check` wrote beside its report")
    report.add_argument("--format", metavar="FORMATS", action="append",
                        help="report files to write, comma-separated or repeated (default: html)")
    report.add_argument("--lang", choices=("en", "ru"), default=None, help="language of the report")
    report.add_argument("--out", metavar="DIR", help="where to write them (default: the result's folder)")
    watch = commands.add_parser("watch", help="grade a submission again on every save; show what changed")
    watch.add_argument("path", help="the folder (or .py) you are editing")
    watch.add_argument("--out", metavar="DIR", help="where to write the HTML report (default: reports/<submission>/)")
    for flag in ("--server", "--client"):
        watch.add_argument(flag, metavar="FILE", help=f"the {flag[2:]} file, if the guess is wrong")
    watch.add_argument("--lang", choices=("en", "ru"), default=None,
                       help="language of the report (default: from the locale)")
    watch.add_argument("--isolation", choices=("auto", "namespaces", "process"), default="auto",
                       help="how to isolate your programs (default: auto)")
    watch.add_argument("--lab", metavar="DIR", help="grade with this lab (a folder, or the name of a built-in lab) "
                                                    "instead of the default one")
    watch.add_argument("--plain", action="store_true", help="no colours in the terminal table")
    _add_class_commands(commands)
    return parser


def _add_class_commands(commands):
    batch = commands.add_parser("batch", help="grade a class: every submission in a folder, in parallel, "
                                              "into a gradebook")
    batch.add_argument("submissions", help="a folder with one entry per student: a folder, a .py, a lab report or "
                                           "a .zip (Moodle and Canvas exports too)")
    batch.add_argument("--out", metavar="DIR", help="the gradebook's folder (default: reports/<folder name>/)")
    batch.add_argument("--workers", metavar="N", type=int, default=None,
                       help="gradings at once (default: one more than the number of cores, and up to twice the "
                            "cores and two while a core is idle)")
    batch.add_argument("--timeout", metavar="SECONDS", type=float, default=None,
                       help="wall-time budget of one submission (default: the lab's submission limit + 60 s)")
    batch.add_argument("--force", action="store_true", help="grade again even what has not changed")
    batch.add_argument("--shard", metavar="K/N", help="grade only shard K of N (merge the outputs with grader merge)")
    batch.add_argument("--similarity", metavar="MIN", type=float, default=0.5,
                       help="list pairs of submissions whose code is at least this alike, 0..1 (default: 0.5)")
    batch.add_argument("--lang", choices=("en", "ru"), default=None,
                       help="language of the students' reports (default: from the locale)")
    batch.add_argument("--isolation", choices=("auto", "namespaces", "process"), default="auto",
                       help="how to isolate the students' programs (default: auto)")
    batch.add_argument("--unsafe", action="store_true",
                       help="grade even where the students' programs would see your files (--isolation process, "
                            "or no namespaces on this machine)")
    batch.add_argument("--lab", metavar="DIR", help=LAB_HELP)
    batch.add_argument("--plain", action="store_true", help="no progress bar: a line per submission")
    batch.add_argument("--moodle-worksheet", metavar="FILE",
                       help="Moodle's grading worksheet (.csv) to fill in: Grade and Feedback comments of every "
                            "participant graded, nothing else changed (written as moodle-grading-worksheet.csv "
                            "in --out)")
    export = commands.add_parser("export", help="write what a grading platform runs: Gradescope's autograder zip, "
                                                "Classroom 50's autograder.py")
    export.add_argument("platform", choices=("gradescope", "classroom50"), help="the platform")
    export.add_argument("out", help="gradescope: the .zip to write; classroom50: the folder to write "
                                    "autograder.py into (its files go into autograders/<slug>/)")
    export.add_argument("--lab", metavar="DIR", help="grade with this lab (a folder, or the name of a built-in lab) "
                                                     "instead of the default one")
    merge = commands.add_parser("merge", help="combine the gradebooks of several shards (grader batch --shard)")
    merge.add_argument("out", help="the merged gradebook's folder")
    merge.add_argument("folders", nargs="+", metavar="DIR", help="the --out folders of the shards")
    merge.add_argument("--similarity", metavar="MIN", type=float, default=0.5,
                       help="list pairs of submissions whose code is at least this alike (default: 0.5)")


def default_language(environ=os.environ):
    for var in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = environ.get(var, "")
        if value:
            return "ru" if value.lower().startswith("ru") else "en"
    return "en"


def report_folder(path, out):
    if out:
        return Path(out)
    name = Path(path).resolve().name or "submission"
    return Path("reports") / (re.sub(r"[^\w.-]+", "_", Path(name).stem) or "submission")


def run_check(args, stdout):
    from grader.engine.runner import grade
    from grader.errors import SubmissionError
    from grader.i18n import set_language
    from grader.model.text import localized
    from grader.report.formats import parse_formats, preload, prepare, write_reports
    from grader.report.sanitize import clean_data

    lang = args.lang or default_language()
    set_language(lang)
    formats = parse_formats(args.format)  # a typo is reported before a grading is spent on it
    context = prepare(formats)            # so is a platform's missing environment
    folder = report_folder(args.path, args.out)

    def meanwhile():  # the renderers, loaded while the grading's last sessions finish
        import grader.report.table  # noqa: F401  (rich)

        preload(formats)

    try:
        graded = grade(args.path, server=args.server, client=args.client, lang=lang,
                       isolation=args.isolation, lab_path=args.lab, one_session=args.one_session,
                       meanwhile=meanwhile)
    except SubmissionError as exc:
        if args.format:  # the platform still gets its file: 0 points and why (the exit code stays 2)
            _write_ungradable(args, folder, formats, context, str(exc))
        raise
    result = localized(graded)  # the sentences in the reader's language, from here on
    written = write_reports(result, folder, formats, context)
    # Everything, transcripts included, sentences in no language yet: `grader report` renders it again.
    (folder / "result.json").write_text(
        json.dumps(clean_data(graded.to_full_json()), ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    if args.json:
        Path(args.json).write_text(json.dumps(clean_data(result.to_json()), ensure_ascii=False, indent=2),
                                   encoding="utf-8")
    from grader.report.table import render

    plain = args.plain or not stdout.isatty()
    print(render(result, plain=plain, report_path=written.get("html"),
                 written=[path for name, path in written.items() if name != "html"]), file=stdout)
    if result.counts()["error"]:
        # The grade is not to be trusted: the grader failed, not the student.
        print("grader: " + _("internal error in {n} check(s); the traceback for staff is in {path}").format(
            n=result.counts()["error"], path=written.get("html") or folder), file=sys.stderr)
        return Exit.INTERNAL
    return Exit.OK if result.all_passed else Exit.FAILED


def run_report(args, stdout):
    from grader.i18n import add_catalog, set_language
    from grader.model.results import GradingResult
    from grader.model.text import localized
    from grader.report.formats import parse_formats, write_reports

    set_language(args.lang or default_language())
    formats = parse_formats(args.format)
    source = Path(args.result)
    try:
        data = json.loads(source.read_text(encoding="utf-8"))
        graded = GradingResult.from_full_json(data)
    except OSError as exc:
        raise UsageError(_("{path}: cannot read ({error})").format(path=source, error=exc.strerror)) from None
    except (ValueError, KeyError, TypeError, AttributeError):
        raise UsageError(_("{path}: not a result.json written by `grader check`").format(path=source)) from None
    add_catalog(_lab_catalog(graded))
    written = write_reports(localized(graded), Path(args.out) if args.out else source.parent, formats)
    for path in written.values():
        print(path, file=stdout)
    return Exit.OK


def _lab_catalog(result):
    """The locale folder of the lab a stored result was graded with (moved: the built-in lab of that id)."""
    from grader.model.lab import builtin_lab_path, builtin_labs

    folder = Path(result.lab_path) if result.lab_path else None
    if (folder is None or not folder.is_dir()) and result.lab in builtin_labs():
        folder = builtin_lab_path(result.lab)
    return (folder or Path(".")) / "locale"


def _write_ungradable(args, folder, formats, context, reason):
    from grader import __version__
    from grader.model.lab import load_lab
    from grader.report.formats import write_ungradable
    from grader.report.ungradable import Ungradable

    lab = load_lab(lab_path(args.lab))
    write_ungradable(Ungradable(lab.id, str(args.path), reason, lab.max_score, lab.version, __version__),
                     folder, formats, context)


def run_watch(args, stdout):
    import signal

    from grader.engine.runner import grade
    from grader.engine.watch import Graded, Grading, NotGraded, Stopped, Watch, scan
    from grader.errors import SubmissionError
    from grader.i18n import set_language
    from grader.model.text import localized
    from grader.report.formats import parse_formats, write_reports
    from grader.report.table import render

    lang = args.lang or default_language()
    set_language(lang)
    root = Path(args.path)
    if not root.exists():
        raise UsageError(_("{path}: no such file or folder").format(path=args.path))
    folder = report_folder(args.path, args.out)
    formats = parse_formats(None)
    plain = args.plain or not stdout.isatty()

    def grade_once(path):
        return localized(grade(path, server=args.server, client=args.client, lang=lang, isolation=args.isolation,
                               lab_path=args.lab))

    watch = Watch(root, grade_once, errors=(SubmissionError,), scan=lambda: scan(root, skip=[folder]))
    previous = signal.signal(signal.SIGTERM, _interrupt)  # stopped by a job runner: as on Ctrl-C
    try:
        for event in watch.events():
            if isinstance(event, Grading):
                if event.files:
                    print("\n" + _("Saved: {files}. Grading again…").format(files=", ".join(event.files[:5])),
                          file=stdout, flush=True)
                else:
                    print(_("Grading {path}… (Ctrl-C to stop)").format(path=args.path), file=stdout, flush=True)
            elif isinstance(event, Graded):
                written = write_reports(event.result, folder, formats)
                if event.delta.first:
                    print(render(event.result, plain=plain, report_path=written.get("html")), file=stdout)
                else:
                    print(_watch_delta(event.result, event.delta), file=stdout)
                print(_("Watching {path} for changes…").format(path=args.path), file=stdout, flush=True)
            elif isinstance(event, NotGraded):
                print("grader: " + str(event.error), file=stdout, flush=True)
            elif isinstance(event, Stopped):
                print(_("Nothing was saved for {hours:g} hours: stopped watching.").format(
                    hours=event.idle_s / 3600), file=stdout)
    except KeyboardInterrupt:
        print("\n" + _("Stopped watching."), file=stdout, flush=True)
        return Exit.INTERRUPTED
    finally:
        signal.signal(signal.SIGTERM, previous)
    return Exit.OK


def _watch_delta(result, delta):
    """What changed since the last grading, one line per check, then the score."""
    from grader.i18n import number
    from grader.report.labels import status_label
    from grader.report.sanitize import one_line

    lines = []
    for change in delta.changes:
        before = status_label(change.before) if change.before else _("new")
        after = status_label(change.after) if change.after else _("gone")
        lines.append(f"  {change.id}: {before} → {after}")
    if not lines:
        lines.append("  " + _("No check changed."))
    score = _("Score: {score}/{max}").format(score=number(result.score), max=number(result.max_score))
    if delta.score_before is not None and delta.score_before != result.score:
        score = _("Score: {before} → {score}/{max}").format(
            before=number(delta.score_before), score=number(result.score), max=number(result.max_score))
    lines.append(score)
    failing = [check for check in result.checks if check.status in ("failed", "error")]
    for check in failing[:5]:
        lines.append(f"  ✘ {check.id}: {one_line(check.message, 140)}")
    if len(failing) > 5:
        lines.append("  " + _("… and {n} more failing checks: see the report.").format(n=len(failing) - 5))
    return "\n".join(lines)


def batch_exit(statuses, interrupted):
    """A batch's exit code: 130 interrupted, 3 the grader failed on some entry, 1 some entry not graded, else 0.

    Students' scores never change it: a class where everybody failed was still graded.
    """
    if interrupted:
        return Exit.INTERRUPTED
    if statuses.get("error"):
        return Exit.INTERNAL
    if statuses.get("ungradable") or statuses.get("timeout") or statuses.get("pending"):
        return Exit.FAILED
    return Exit.OK


def run_batch(args, stdout, stderr):
    import signal

    from grader.batch.engine import (
        GRADEBOOK,
        BatchOptions,
        default_workers,
        execute,
        finish,
        list_class,
        most_workers,
        plan,
    )
    from grader.batch.gradebook import Gradebook
    from grader.batch.shard import parse_shard

    shard = parse_shard(args.shard) if args.shard is not None else None
    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers {args.workers}: at least 1")
    if args.timeout is not None and args.timeout <= 0:
        raise UsageError(f"--timeout {args.timeout:g}: must be more than 0 seconds")
    if not 0 <= args.similarity <= 1:
        raise UsageError(f"--similarity {args.similarity:g}: a share between 0 and 1")
    if args.moodle_worksheet:
        from grader.batch.moodle import read_worksheet

        read_worksheet(args.moodle_worksheet)  # not a worksheet: one line, before anything is graded
    folder = Path(args.submissions)
    out = Path(args.out) if args.out else Path("reports") / (re.sub(r"[^\w.-]+", "_", folder.resolve().name) or "class")
    workers = args.workers or default_workers()
    options = BatchOptions(folder, out, workers, args.timeout or 0,
                           lang=args.lang or default_language(), force=args.force, shard=shard,
                           isolation=args.isolation, lab=lab_path(args.lab) if args.lab else None,
                           similarity=args.similarity,
                           moodle_worksheet=Path(args.moodle_worksheet) if args.moodle_worksheet else None,
                           unsafe=args.unsafe, one_session=workers > 1,
                           most_workers=None if args.workers else max(workers, most_workers()))
    from grader.i18n import set_language

    set_language(options.lang)  # the feedback comments of a Moodle worksheet are in the students' language
    entries = list_class(options)  # bad input is one line, before anything is written
    with Gradebook(out / GRADEBOOK) as book:
        the_plan = plan(options, book, entries)
        if not options.budget_s:
            options = dataclasses.replace(options, budget_s=the_plan.lab.submission_timeout + 60)
        # A job runner stops a job with SIGTERM: stop as cleanly as on Ctrl-C.
        previous = signal.signal(signal.SIGTERM, _interrupt)
        try:
            with _Progress(stderr, len(the_plan.jobs), len(the_plan.reused), args.plain) as progress:
                summary = execute(the_plan, options, book, on_record=progress.update, own_process=True)
        finally:
            signal.signal(signal.SIGTERM, previous)
        with _shielded():  # a Ctrl-C now (a second one, impatient) must not cost the index of what was done
            finish(the_plan, options, book, summary)
        selected = {entry.name for entry in the_plan.selected}
        rows = [row for row in book.latest() if row.name in selected]
    _print_batch_summary(summary, rows, shard, stdout)
    if summary.interrupted:
        print(f"grader: interrupted; what was graded is kept in {out}", file=stderr)
    return batch_exit(summary.statuses, summary.interrupted)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


@contextlib.contextmanager
def _shielded():
    """Ignore Ctrl-C and SIGTERM inside: for a second of writing files that must be whole."""
    import signal

    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _print_batch_summary(summary, rows, shard, stdout):
    counts = summary.statuses
    rate = f", {60 * summary.graded / summary.duration_s:.1f}/min" if summary.graded and summary.duration_s > 1 else ""
    where = f" (shard {shard}: {summary.selected} of {summary.listed})" if shard else ""
    print(f"{summary.selected} submissions{where}: {summary.graded} graded now in {summary.duration_s:.1f} s{rate}, "
          f"{summary.reused} unchanged (kept).", file=stdout)
    print(f"{counts['graded']} graded, {counts['ungradable']} could not be graded, {counts['timeout']} timed out, "
          f"{counts['error']} grader errors" + (f", {counts['pending']} not graded yet" if counts['pending'] else "")
          + ".", file=stdout)
    for row in rows:
        if row.status != "graded":
            reason = row.reason.removeprefix(row.source + ": ")  # the entry is named already
            print(f"  {row.status:10} {row.name}: {reason}", file=stdout)
    print(f"Gradebook: {summary.index} (grades.csv, gradebook.sqlite beside it)", file=stdout)
    if summary.moodle:
        path, filled = summary.moodle
        if filled is None:
            print(f"Moodle: {path} (the basic columns; to upload, Moodle's worksheet is safer: "
                  f"--moodle-worksheet FILE)", file=stdout)
        else:
            print(f"Moodle worksheet: {path}: {filled.filled} rows filled, {filled.not_submitted} without a "
                  f"submission here (unchanged)", file=stdout)
            if filled.unmatched:
                print(f"  no row in the worksheet for: {', '.join(filled.unmatched)}", file=stdout)


class _Progress:
    """The batch's progress on stderr: a bar on a terminal, else a line per submission (a CI log)."""

    def __init__(self, stream, total, reused, plain):
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.stream, self.total, self.done, self.problems = stream, total, 0, 0
        self.bar = None
        if stream.isatty() and not plain and total:
            self.bar = Progress(TextColumn(f"Grading ({reused} unchanged)"), BarColumn(), MofNCompleteColumn(),
                                TextColumn("{task.fields[problems]} not graded"), TimeElapsedColumn(),
                                TextColumn("ETA"), TimeRemainingColumn(), console=Console(file=stream))
            self.task = self.bar.add_task("grading", total=total, problems=0)

    def __enter__(self):
        if self.bar:
            self.bar.start()
        return self

    def __exit__(self, *exc):
        if self.bar:
            self.bar.stop()

    def update(self, record):
        self.done += 1
        self.problems += record.status != "graded"
        if self.bar:
            self.bar.update(self.task, advance=1, problems=self.problems)
            return
        score = f"{record.score:g}/{record.max_score:g}" if record.status == "graded" else record.status
        print(f"[{self.done}/{self.total}] {record.name}: {score} ({record.duration_s:.1f} s)", file=self.stream,
              flush=True)


def run_export(args, stdout):
    from grader.model.lab import load_lab

    lab = None
    if args.lab:
        lab = Path(args.lab)
        if not lab.is_dir():
            raise UsageError(f"--lab {lab}: no such folder")
        load_lab(lab)  # a broken lab is reported now, not on the platform
    out = Path(args.out)
    if args.platform == "gradescope":
        from grader.export.gradescope import export_gradescope

        if out.suffix.lower() != ".zip":
            raise UsageError(f"{out}: Gradescope takes a .zip (e.g. grader export gradescope autograder.zip)")
        if not out.parent.is_dir():
            raise UsageError(f"{out.parent}: no such folder")
        export_gradescope(out, lab)
        print(f"Gradescope autograder: {out} (upload it as the assignment's autograder zip)", file=stdout)
        return Exit.OK
    from grader.export.classroom50 import export_classroom50

    if out.exists() and not out.is_dir():
        raise UsageError(f"{out}: not a folder (Classroom 50 takes a folder: autograders/<slug>/)")
    script = export_classroom50(out, lab)
    print(f"Classroom 50 autograder: {script} (copy the folder's files into <classroom>/autograders/<slug>/)",
          file=stdout)
    return Exit.OK


def run_merge(args, stdout):
    from grader.batch.merge import merge

    if not 0 <= args.similarity <= 1:
        raise UsageError(f"--similarity {args.similarity:g}: a share between 0 and 1")
    done = merge(args.out, args.folders, threshold=args.similarity)
    print(f"Merged {done.sources} folders: {done.submissions} submissions"
          + (f" ({done.replaced} in more than one folder: the latest grading kept)" if done.replaced else "")
          + f". Gradebook: {done.index}", file=stdout)
    return Exit.OK


def main(argv=None, stdout=None, stderr=None):
    """Entry point of the `grader` command; returns the exit code."""
    code = _main(argv, stdout, stderr)
    if code == Exit.INTERRUPTED:
        _forget_interrupt()
    return code


def _forget_interrupt():
    # CPython 3.11 remembers a KeyboardInterrupt that left an exec() of a string (dataclasses
    # and namedtuples build their methods so, at import) and then ends the process by SIGINT
    # (-2), whatever exit code we return.  Running code from a string clears that memory: the
    # Ctrl-C was handled here, and the exit code must be 130.
    exec("")


def _main(argv, stdout, stderr):
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    try:
        args = build_parser().parse_args(argv)
        if args.command == "check":
            return run_check(args, stdout)
        if args.command == "watch":
            return run_watch(args, stdout)
        if args.command == "batch":
            return run_batch(args, stdout, stderr)
        if args.command == "merge":
            return run_merge(args, stdout)
        if args.command == "report":
            return run_report(args, stdout)
        if args.command == "export":
            return run_export(args, stdout)
        build_parser().print_help(stdout)
        return Exit.USAGE
    except UsageError as exc:
        print(f"grader: {exc}", file=stderr)
        return Exit.USAGE
    except LabError as exc:
        print("grader: " + _("the lab is broken: {error}").format(error=exc), file=stderr)
        return Exit.INTERNAL
    except KeyboardInterrupt:
        print("grader: " + _("interrupted"), file=stderr)
        return Exit.INTERRUPTED
    except GraderError as exc:
        print("grader: " + _("internal error: {error}").format(error=exc), file=stderr)
        log = getattr(exc, "staff_log", "")
        if log:
            print(_save_staff_log(log), file=stderr)
        return Exit.INTERNAL
    except Exception:  # a bug of ours: never blame the student for it
        error = f"{sys.exc_info()[0].__name__}: {sys.exc_info()[1]}"
        print("grader: " + _("internal error: {error}").format(error=error), file=stderr)
        print(_save_staff_log(traceback.format_exc()), file=stderr)
        return Exit.INTERNAL


def _save_staff_log(text):
    path = Path("reports") / "grader-error.log"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return "grader: " + _("details for staff in {path}").format(path=path)
    except OSError:
        return text
