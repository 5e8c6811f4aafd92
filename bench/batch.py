"""Wall time of `grader batch` on a generated class of 40+ mixed submissions, by worker count.

    python bench/batch.py                      # workers 1, 2, 3, 4; then a rerun with no change, one change
    python bench/batch.py --workers 2 --verify # also grade every entry alone with `grader check` and compare

The class is the test suite's (tests/batch_class.py): copies and variants of
the fixture submissions, hostile ones, zips, Moodle folders and flat files,
lab reports, and entries that cannot be graded.  Prints wall time and
submissions per minute per worker count, whether every run gave the same
verdicts, and with --verify whether they equal `grader check`'s on the same
submission.  A benchmark, not a test: the machines here are shared and noisy.
"""

import argparse
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))


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


def batch(folder, out, *extra):
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "grader", "batch", str(folder), "--out", str(out), "--plain",
                           *map(str, extra)], capture_output=True, text=True, stdin=subprocess.DEVNULL, cwd=ROOT)
    return time.monotonic() - started, done


def check_alone(entry, folder, scratch):
    """What `grader check` says about an entry (on what the batch grades: the entry unwrapped, unzipped)."""
    from grader.batch.resolve import Ungradable, resolve

    try:
        target = resolve(entry, scratch, folder).target
    except Ungradable:
        return ("ungradable", {})
    out = scratch / "check.json"
    done = subprocess.run([sys.executable, "-m", "grader", "check", str(target), "--json", str(out), "--plain",
                           "--out", str(scratch / "report")], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, cwd=scratch)
    if done.returncode == 2:
        return ("ungradable", {})
    if not out.exists():
        return ("error", {})
    checks = {c["id"]: c["status"] for c in json.loads(out.read_text())["checks"]}
    return ("graded" if done.returncode in (0, 1) else "error", checks)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 3, 4])
    parser.add_argument("--verify", action="store_true", help="compare with `grader check` on each entry alone")
    args = parser.parse_args()
    from batch_class import full_class
    from grader.batch.entries import list_entries
    from grader.isolation.namespace import available_tool

    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        folder = scratch / "class"
        full_class(folder, with_namespaces=available_tool() is not None)
        count = len(list_entries(folder))
        print(f"class: {count} entries; isolation: {available_tool() or 'process groups'}")
        runs = {}
        for workers in args.workers:
            out = scratch / f"out-{workers}"
            took, done = batch(folder, out, "--workers", workers)
            if done.returncode not in (0, 1, 3):
                sys.exit(f"grader batch failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
            runs[workers] = verdicts(out)
            statuses = Counter(status for status, _checks in runs[workers].values())
            print(f"workers={workers}: {took:6.1f} s  {60 * count / took:5.1f} submissions/min  "
                  f"exit={done.returncode}  {dict(sorted(statuses.items()))}", flush=True)
        first = next(iter(runs.values()))
        differing = {w: sorted(n for n in first if run.get(n) != first[n]) for w, run in runs.items()}
        print("same verdicts in every run:", all(not d for d in differing.values()), differing)
        last = scratch / f"out-{args.workers[-1]}"
        took, done = batch(folder, last)
        print(f"rerun, nothing changed: {took:.2f} s  ({done.stdout.splitlines()[0]})")
        server = folder / "reference_copy" / "server.py"
        server.write_text(server.read_text() + "\n# changed\n")
        took, done = batch(folder, last)
        print(f"rerun, one submission changed: {took:.2f} s  ({done.stdout.splitlines()[0]})")
        if args.verify:
            alone = {}
            for index, entry in enumerate(list_entries(folder)):
                work = scratch / f"alone-{index}"
                work.mkdir()
                alone[entry.name] = check_alone(entry, folder, work)
            runs["rerun"] = verdicts(last)  # after the reruns: one entry changed and graded again
            for label, run in runs.items():
                wrong = sorted(name for name in alone if alone[name] != run.get(name))
                print(f"workers={label}: equal to `grader check` on each entry alone: "
                      f"{len(alone) - len(wrong)} of {len(alone)}", wrong)


if __name__ == "__main__":
    main()
