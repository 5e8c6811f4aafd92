"""Throughput of `grader batch` on the tests' class of 40+, and whether its verdicts equal `grader check`'s.

    python bench/batch.py                       # batch's default workers; then each entry alone with grader check
    python bench/batch.py --workers 1 2 4       # one batch per worker count
    python bench/batch.py --no-verify --reruns  # throughput only; plus a rerun with no change and with one

The class is the test suite's (tests/batch_class.py): copies and variants of
the fixture submissions, hostile ones, zips, Moodle folders and flat files,
lab reports, and entries that cannot be graded.  Prints, per worker count,
wall time and submissions per second, whether every run gave the same
verdicts and (unless --no-verify) whether they equal those of `grader check`
on each entry alone, listing the checks that differ.  Every grading is bounded
(--timeout).  A benchmark, not a test: the machines here are shared and noisy.
"""

import argparse
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from targets import become_subreaper, leftovers  # noqa: E402


def verdicts(out):
    """submission -> (status, {check: status}) from a gradebook."""
    db = sqlite3.connect(out / "gradebook.sqlite")
    found = {}
    for name, run, status in db.execute("SELECT s.name, r.id, r.status FROM submissions s "
                                        "JOIN runs r ON r.id = s.latest_run WHERE s.present = 1"):
        checks = dict(db.execute("SELECT check_id, status FROM check_results WHERE run = ?", (run,)))
        found[name] = (status, checks)
    db.close()
    return found


def bounded(command, timeout_s, cwd):
    """Run ``command`` in a session of its own; on the deadline interrupt it (SIGINT), then kill its group."""
    process = subprocess.Popen(command, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGINT)
        try:
            stdout, stderr = process.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            stdout, stderr = process.communicate()
        stderr += f"\n(interrupted after {timeout_s:.0f} s)"
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def batch(folder, out, timeout_s, *extra):
    """Grade the class folder with `grader batch`; (wall seconds, CompletedProcess)."""
    started = time.monotonic()
    done = bounded([sys.executable, "-m", "grader", "batch", str(folder), "--out", str(out), "--plain",
                    *map(str, extra)], timeout_s, ROOT)
    return time.monotonic() - started, done


def check_alone(entry, folder, scratch, timeout_s):
    """What `grader check` says about an entry (on what the batch grades: the entry unwrapped, unzipped)."""
    from grader.batch.resolve import Ungradable, resolve

    try:
        target = resolve(entry, scratch, folder).target
    except Ungradable:
        return ("ungradable", {})
    out = scratch / "check.json"
    done = bounded([sys.executable, "-m", "grader", "check", str(target), "--json", str(out), "--plain",
                    "--out", str(scratch / "report")], timeout_s, scratch)
    if done.returncode == 2:
        return ("ungradable", {})
    if not out.exists():
        return ("error", {})
    checks = {c["id"]: c["status"] for c in json.loads(out.read_text(encoding="utf-8"))["checks"]}
    return ("graded" if done.returncode in (0, 1) else "error", checks)


def differences(alone, run):
    """{entry: [what differs]} between `grader check` alone and a batch run."""
    found = {}
    for name, (status, checks) in alone.items():
        got_status, got_checks = run.get(name, ("missing", {}))
        if (status, checks) == (got_status, got_checks):
            continue
        if status != got_status:
            found[name] = [f"status {status} alone, {got_status} in the batch"]
        else:
            found[name] = [f"{check}: {checks.get(check)} alone, {got_checks.get(check)} in the batch"
                           for check in sorted(set(checks) | set(got_checks))
                           if checks.get(check) != got_checks.get(check)]
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[None],
                        help="worker counts to run the batch with (default: the batch's own default)")
    parser.add_argument("--no-verify", action="store_true", help="skip grading each entry alone with grader check")
    parser.add_argument("--reruns", action="store_true", help="also rerun with nothing changed, then one change")
    parser.add_argument("--timeout", type=float, default=900, help="seconds one batch may take (default 900)")
    args = parser.parse_args()
    if any(w is not None and w < 1 for w in args.workers) or args.timeout <= 0:
        parser.error("--workers must be >= 1 and --timeout > 0")
    from batch_class import full_class
    from grader.batch.engine import default_workers
    from grader.batch.entries import list_entries
    from grader.isolation.namespace import available_tool

    become_subreaper()
    status = 0
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as scratch:
        scratch = Path(scratch)
        folder = scratch / "class"
        full_class(folder, with_namespaces=available_tool() is not None)
        entries = list_entries(folder)
        count = len(entries)
        print(f"class: {count} entries; isolation: {available_tool() or 'process groups'}; "
              f"{len(os.sched_getaffinity(0))} cores", flush=True)
        runs = {}
        for workers in args.workers:
            label = str(workers) if workers else f"{default_workers()} (default)"
            out = scratch / f"out-{workers or 'default'}"
            took, done = batch(folder, out, args.timeout, *(["--workers", workers] if workers else []))
            if done.returncode not in (0, 1, 3) or not (out / "gradebook.sqlite").is_file():
                print(f"grader batch failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
                return 1
            runs[label] = verdicts(out)
            statuses = Counter(status for status, _checks in runs[label].values())
            print(f"workers={label}: {took:6.1f} s  {count / took:5.2f} submissions/s  exit={done.returncode}  "
                  f"{dict(sorted(statuses.items()))}", flush=True)
        first = next(iter(runs.values()))
        differing = {w: sorted(n for n in first if run.get(n) != first[n]) for w, run in runs.items()}
        if len(runs) > 1:
            print("same verdicts in every batch run:", all(not d for d in differing.values()), differing)
        if args.reruns:
            last = scratch / f"out-{args.workers[-1] or 'default'}"
            took, done = batch(folder, last, args.timeout)
            print(f"rerun, nothing changed: {took:.2f} s  ({(done.stdout.splitlines() or [''])[0]})")
            server = folder / "reference_copy" / "server.py"
            server.write_text(server.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
            took, done = batch(folder, last, args.timeout)
            print(f"rerun, one submission changed: {took:.2f} s  ({(done.stdout.splitlines() or [''])[0]})")
            runs["rerun"] = verdicts(last)
        if not args.no_verify:
            alone = {}
            started = time.monotonic()
            for index, entry in enumerate(entries):
                work = scratch / f"alone-{index}"
                work.mkdir()
                alone[entry.name] = check_alone(entry, folder, work, args.timeout)
            print(f"grader check on each entry alone: {time.monotonic() - started:.1f} s", flush=True)
            for label, run in runs.items():
                wrong = differences(alone, run)
                print(f"workers={label}: equal to `grader check` on each entry alone: {len(alone) - len(wrong)} "
                      f"of {len(alone)}")
                for name, what in wrong.items():
                    print(f"    {name}: {'; '.join(what)}")
                status = status or (1 if wrong else 0)
        left = leftovers()
    if left:
        print(f"processes left behind (killed): {left}")
        status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
