"""Wall time of `grader check` on the reference and on the seed reports.

    python bench/timing.py            # 5 runs of the reference + each seed once
    python bench/timing.py --runs 10

Prints min / median / max seconds per submission.  A benchmark, not a test:
the machines here are shared and noisy, so no test asserts on time.
"""

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"


def wall(path, out):
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "grader", "check", str(path), "--plain", "--out", out],
                          capture_output=True, text=True, stdin=subprocess.DEVNULL)
    return time.monotonic() - started, done.returncode


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of the reference solution")
    args = parser.parse_args()
    targets = [("reference/chat (all 21 checks)", ROOT / "reference" / "chat", args.runs),
               ("reference server.py (13 server checks)", ROOT / "reference" / "chat" / "server.py", args.runs)]
    if SEEDS.is_dir():
        targets += [(seed.name, seed, 1) for seed in sorted(SEEDS.iterdir())]
    with tempfile.TemporaryDirectory() as out:
        for label, path, runs in targets:
            times, codes = zip(*(wall(path, out) for _ in range(runs)))
            print(f"{label:40} runs={runs:2}  min={min(times):5.2f}s  median={statistics.median(times):5.2f}s  "
                  f"max={max(times):5.2f}s  exit={sorted(set(codes))}")


if __name__ == "__main__":
    main()
