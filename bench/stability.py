"""Are verdicts the same every time, also on a busy machine?

    python bench/stability.py --runs 10                         # reference, seeds and fixtures, 10 times each
    python bench/stability.py --runs 20 --load 2 --parallel 4   # with 2 CPU burners and 4 gradings at once
    python bench/stability.py --runs 3 --targets reference,no_leave_notice,"client lockstep"

Grades every target --runs times, --parallel gradings at a time (the jobs
interleaved across targets), while --load processes burn CPU (each bounded by
--max-seconds, all killed at the end).  Prints, for each target, the number
of distinct verdict vectors (1 is the only acceptable answer), the slowest
run, and every check that flipped with the statuses it got and how often.
Exit 1 if any target flipped or a process was left behind.  A benchmark,
not a test: it takes minutes.
"""

import argparse
import concurrent.futures
import multiprocessing
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from targets import all_targets, become_subreaper, choose, grade, leftovers  # noqa: E402

DEFAULT_TARGETS = "reference,seeds,fixtures,clients"


def burn(seconds):
    """Keep one core busy for ``seconds`` at most (the parent terminates it sooner)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for _ in range(10_000):
            pass


def flips(gradings):
    """{check id: Counter(status)} for the checks that did not get one status in every grading.

    A grading without a result (it timed out or crashed) shows as "(no result)".
    """
    results = [g for g in gradings if g.verdicts]
    seen = defaultdict(Counter)
    for graded in results:
        for check, status in graded.verdicts.items():
            seen[check][status] += 1
    found = {check: counts for check, counts in sorted(seen.items())
             if len(counts) > 1 or sum(counts.values()) != len(results)}
    for graded in gradings:
        if not graded.verdicts:
            found.setdefault("(no result)", Counter())["timed out" if graded.timed_out else f"exit {graded.code}"] += 1
    return found


def report(target, gradings):
    """The lines printed for one target."""
    vectors = Counter(g.vector for g in gradings)
    slowest = max(g.wall_s for g in gradings)
    lines = [f"{target.name:32} runs={len(gradings):<3} distinct verdict vectors={len(vectors)}  "
             f"slowest={slowest:.1f}s" + ("  (hostile)" if target.hostile else "")]
    for check, counts in flips(gradings).items():
        lines.append(f"    {check}: " + ", ".join(f"{status} x{count}" for status, count in counts.most_common()))
        # What the rarer verdicts said: a flip is diagnosed from its message, the run's scratch is gone.
        for status, _count in counts.most_common()[1:]:
            said = next((g.messages.get(check, "") for g in gradings if g.verdicts.get(check) == status), "")
            if said:
                lines.append(f"      {status}: {' '.join(said.split())[:400]}")
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="gradings per target (default 10)")
    parser.add_argument("--load", type=int, default=0, help="CPU-burning processes running meanwhile (default 0)")
    parser.add_argument("--parallel", type=int, default=1, help="gradings at once (default 1)")
    parser.add_argument("--targets", default=DEFAULT_TARGETS,
                        help=f"comma-separated kinds or names, or 'all' (default {DEFAULT_TARGETS})")
    parser.add_argument("--timeout", type=float, default=180, help="seconds one grading may take (default 180)")
    parser.add_argument("--max-seconds", type=float, default=3600,
                        help="bound on the whole benchmark's burners (default 3600)")
    parser.add_argument("--seeds", help="folder of seed reports (default: GRADER_SEEDS or ../shared/seeds)")
    args = parser.parse_args()
    if args.runs < 1 or args.load < 0 or args.parallel < 1 or args.timeout <= 0 or args.max_seconds <= 0:
        parser.error("--runs and --parallel must be >= 1, --load >= 0, --timeout and --max-seconds > 0")
    become_subreaper()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bench-stability-") as scratch:
        targets = choose(all_targets(scratch, args.seeds), args.targets)
        jobs = [(run, target) for run in range(args.runs) for target in targets]
        print(f"{len(targets)} targets x {args.runs} runs, {args.parallel} at a time, {args.load} CPU burners",
              flush=True)
        burners = [multiprocessing.Process(target=burn, args=(args.max_seconds,), daemon=True)
                   for _ in range(args.load)]
        for burner in burners:
            burner.start()
        done = defaultdict(list)
        pool = concurrent.futures.ThreadPoolExecutor(args.parallel)
        try:
            futures = {pool.submit(grade, target, Path(scratch) / f"{target.kind}-{index}-{run}", args.timeout):
                       target for index, (run, target) in enumerate(jobs)}
            remaining = Counter(target.name for _run, target in jobs)
            for future in concurrent.futures.as_completed(futures):
                target = futures[future]
                done[target.name].append(future.result())
                remaining[target.name] -= 1
                if remaining[target.name] == 0:  # a target's lines as soon as its last run is in
                    print("\n".join(report(target, done[target.name])), flush=True)
        except KeyboardInterrupt:
            # Ctrl-C: no new grading starts; the running ones end (each bounded by --timeout).
            print("interrupted: waiting for the gradings under way", file=sys.stderr, flush=True)
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        finally:
            pool.shutdown(wait=True)
            for burner in burners:
                burner.terminate()
            for burner in burners:
                burner.join(timeout=10)
        left = leftovers()
    unstable = [t.name for t in targets if len({g.vector for g in done[t.name]}) > 1]
    print(f"\n{len(targets)} targets x {args.runs} runs (load {args.load}, parallel {args.parallel}) in "
          f"{time.monotonic() - started:.0f} s; more than one verdict vector: {', '.join(unstable) or 'none'}")
    if left:
        print(f"processes left behind (killed): {left}")
    return 1 if unstable or left else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
