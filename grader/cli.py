"""The `grader` command: arguments, output and exit codes only.

This is the one module that prints or exits; everything else returns data or
raises a ``GraderError`` whose message is the line the user sees.
"""

import argparse
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


class Exit(IntEnum):
    OK = 0            # every check passed
    FAILED = 1        # some check failed
    USAGE = 2         # bad usage or an unreadable submission
    INTERNAL = 3      # the grader itself failed
    INTERRUPTED = 130


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, not a usage screen
        raise UsageError(f"{message} (see: grader {self.prog.split()[-1]} --help)")


def build_parser():
    parser = _Parser(prog="grader", description="Grade chat labs (socket + threading) by running them for real.")
    parser.add_argument("--version", action="version", version=f"grader {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    check = commands.add_parser("check", help="grade one submission and write its report")
    check.add_argument("path", help="a folder with server.py (and client.py), a single .py, or a lab report (.md/.txt)")
    check.add_argument("--json", metavar="FILE", help="also write the results as JSON to FILE")
    check.add_argument("--out", metavar="DIR", help="where to write the reports (default: reports/<submission>/)")
    check.add_argument("--format", metavar="FORMATS", action="append",
                       help="report files to write into --out, comma-separated or repeated: html (default), md, "
                            "json, gradescope, junit, classroom")
    check.add_argument("--lang", choices=("en", "ru"), default=None, help="language of the report (default: from the locale)")
    check.add_argument("--server", metavar="FILE", help="the server file, if the guess is wrong")
    check.add_argument("--client", metavar="FILE", help="the client file, if the guess is wrong")
    check.add_argument("--isolation", choices=("auto", "namespaces", "process"), default="auto",
                       help="how to isolate the student's programs (default: auto)")
    check.add_argument("--lab", metavar="DIR", help="grade with this lab folder instead of the built-in chat lab")
    check.add_argument("--plain", action="store_true", help="no colours in the terminal table")
    return parser


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
    from grader.i18n import set_language
    from grader.report.formats import parse_formats, write_reports
    from grader.report.sanitize import clean_data
    from grader.report.terminal import render
    from grader.runner import grade

    lang = args.lang or default_language()
    set_language(lang)
    formats = parse_formats(args.format)  # a typo is reported before a grading is spent on it
    result = grade(args.path, server=args.server, client=args.client, lang=lang,
                   isolation=args.isolation, lab_path=args.lab)
    folder = report_folder(args.path, args.out)
    written = write_reports(result, folder, formats)
    # Everything, transcripts included: what any report can be rendered again from.
    (folder / "result.json").write_text(
        json.dumps(clean_data(result.to_full_json()), ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    if args.json:
        Path(args.json).write_text(json.dumps(clean_data(result.to_json()), ensure_ascii=False, indent=2),
                                   encoding="utf-8")
    plain = args.plain or not stdout.isatty()
    print(render(result, plain=plain, report_path=written.get("html"),
                 written=[path for name, path in written.items() if name != "html"]), file=stdout)
    if result.counts()["error"]:
        # The grade is not to be trusted: the grader failed, not the student.
        print(f"grader: internal error in {result.counts()['error']} check(s); the traceback for staff is in "
              f"{written.get('html') or folder}", file=sys.stderr)
        return Exit.INTERNAL
    return Exit.OK if result.all_passed else Exit.FAILED


def main(argv=None, stdout=None, stderr=None):
    """Entry point of the `grader` command; returns the exit code."""
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    try:
        args = build_parser().parse_args(argv)
        if args.command == "check":
            return run_check(args, stdout)
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
