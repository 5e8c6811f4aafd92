"""Wall time of `grader check` per target, and its ratio to the reference's in the same run.

    python bench/timing.py                          # 5 rounds over every target
    python bench/timing.py --runs 3 --json t.json   # and save the figures
    python bench/timing.py --targets reference,seeds,no_broadcast

Targets: the reference, each seed report, each fixture of tests/submissions/
(servers, clients with the reference server, hostile ones: marked, and each
bounded by --timeout).  The rounds are interleaved (every target once, then
again), so a change in the machine's load falls on all of them alike; the
ratio is to the reference's median of the same run.  A table is printed at
the end.  A benchmark, not a test: the machines here are shared and noisy.
"""

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from targets import all_targets, become_subreaper, choose, grade, leftovers  # noqa: E402

# The acceptance bound for non-hostile targets: at most this many times the reference's time.
RATIO_BOUND = 1.5


def measure(targets, runs, timeout_s, scratch, progress):
    """{target name: [Graded, ...]}, ``runs`` interleaved rounds."""
    done = {target.name: [] for target in targets}
    for round_number in range(runs):
        for index, target in enumerate(targets):
            graded = grade(target, Path(scratch) / f"r{round_number}-{index}", timeout_s)
            done[target.name].append(graded)
            progress(f"round {round_number + 1}/{runs}  {target.name:32} {graded.wall_s:6.2f} s  exit {graded.code}"
                     + ("  TIMED OUT" if graded.timed_out else ""))
    return done


def summarize(targets, done):
    """One row per target: median, min, max, ratio to the reference's median, exit codes, verdict counts."""
    reference = statistics.median(g.wall_s for g in done["reference"]) if done.get("reference") else None
    rows = []
    for target in targets:
        walls = [g.wall_s for g in done[target.name]]
        median = statistics.median(walls)
        last = done[target.name][-1].verdicts
        rows.append({
            "target": target.name, "kind": target.kind, "hostile": target.hostile, "runs": len(walls),
            "median_s": round(median, 3), "min_s": round(min(walls), 3), "max_s": round(max(walls), 3),
            "ratio": round(median / reference, 2) if reference else None,
            "exit_codes": sorted({g.code for g in done[target.name]}, key=str),
            "timed_out": sum(g.timed_out for g in done[target.name]),
            "passed": sum(status == "passed" for status in last.values()), "checks": len(last),
        })
    return rows


def table(rows):
    """The rows as aligned text lines."""
    lines = [f"{'target':32} {'kind':9} {'runs':>4} {'median':>8} {'min':>7} {'max':>7} {'ratio':>6}  "
             f"{'exit':6} {'passed':>7}"]
    for row in rows:
        ratio = f"{row['ratio']:.2f}" if row["ratio"] is not None else "-"
        flag = ""
        if row["timed_out"]:
            flag = f"  TIMED OUT x{row['timed_out']}"
        elif not row["hostile"] and row["ratio"] is not None and row["ratio"] > RATIO_BOUND:
            flag = f"  > {RATIO_BOUND}x"
        lines.append(f"{row['target']:32} {row['kind'] + ('!' if row['hostile'] else ''):9} {row['runs']:4} "
                     f"{row['median_s']:7.2f}s {row['min_s']:6.2f}s {row['max_s']:6.2f}s {ratio:>6}  "
                     f"{','.join(map(str, row['exit_codes'])):6} {row['passed']:3}/{row['checks']:<3}{flag}")
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="rounds over the targets (default 5)")
    parser.add_argument("--targets", default="all",
                        help="comma-separated kinds (reference, seeds, fixtures, clients, hostile) or names")
    parser.add_argument("--timeout", type=float, default=120, help="seconds one grading may take (default 120)")
    parser.add_argument("--seeds", help="folder of seed reports (default: GRADER_SEEDS or ../shared/seeds)")
    parser.add_argument("--json", metavar="FILE", help="also save the rows (and the raw times) as JSON")
    args = parser.parse_args()
    if args.runs < 1 or args.timeout <= 0:
        parser.error("--runs must be >= 1 and --timeout > 0")
    become_subreaper()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bench-timing-") as scratch:
        everything = all_targets(scratch, args.seeds)
        targets = choose(everything, args.targets)
        if not any(t.kind == "reference" for t in targets):
            targets.insert(0, next(t for t in everything if t.kind == "reference"))  # the ratio needs it
        if not any(t.kind == "seed" for t in everything):
            print("no seed reports found (--seeds, GRADER_SEEDS or ../shared/seeds): timing without them",
                  file=sys.stderr)
        done = measure(targets, args.runs, args.timeout, scratch, lambda line: print(line, file=sys.stderr,
                                                                                         flush=True))
        left = leftovers()
    rows = summarize(targets, done)
    print("\n".join(table(rows)))
    over = [r["target"] for r in rows if not r["hostile"] and r["ratio"] is not None and r["ratio"] > RATIO_BOUND]
    print(f"\n{len(targets)} targets x {args.runs} runs in {time.monotonic() - started:.0f} s; "
          f"ratio = median / reference median ({rows[0]['median_s']:.2f} s); '!' = hostile (bounded by "
          f"{args.timeout:.0f} s); over {RATIO_BOUND}x the reference: {', '.join(over) or 'none'}")
    if left:
        print(f"processes left behind (killed): {left}")
    if args.json:
        raw = {name: [g.wall_s for g in graded] for name, graded in done.items()}
        Path(args.json).write_text(json.dumps({"runs": args.runs, "rows": rows, "wall_s": raw, "left_behind": left},
                                              indent=2), encoding="utf-8")
    return 1 if left else 0


if __name__ == "__main__":
    sys.exit(main())
