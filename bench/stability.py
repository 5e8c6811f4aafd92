"""Are verdicts the same every time, also on a busy machine?

    python bench/stability.py --runs 10            # the reference and every seed report, 10 times each
    python bench/stability.py --runs 10 --load 2   # the same while 2 processes keep the cores busy

Prints, for each submission, how many distinct verdict vectors the runs gave
(1 is the only acceptable answer) and the slowest run.  A benchmark, not a
test: it takes minutes.
"""

import argparse
import json
import multiprocessing
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"


def burn(seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def verdicts(path, out):
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "grader", "check", str(path), "--plain", "--out", out, "--json",
                    f"{out}/v.json"], capture_output=True, stdin=subprocess.DEVNULL, cwd=ROOT)
    data = json.loads(Path(out, "v.json").read_text())
    return tuple(c["status"][0] for c in data["checks"]), time.monotonic() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--load", type=int, default=0, help="CPU-burning processes running meanwhile")
    args = parser.parse_args()
    targets = [ROOT / "reference" / "chat"] + (sorted(SEEDS.iterdir()) if SEEDS.is_dir() else [])
    burners = [multiprocessing.Process(target=burn, args=(3600,), daemon=True) for _ in range(args.load)]
    for burner in burners:
        burner.start()
    try:
        with tempfile.TemporaryDirectory() as out:
            for path in targets:
                seen, slowest = {}, 0.0
                for _ in range(args.runs):
                    vector, took = verdicts(path, out)
                    seen[vector] = seen.get(vector, 0) + 1
                    slowest = max(slowest, took)
                label = path.name if path.name != "chat" else "reference/chat"
                print(f"{label:28} runs={args.runs} load={args.load} distinct verdicts={len(seen)} "
                      f"slowest={slowest:.1f}s  {' '.join(''.join(v) for v in seen)}", flush=True)
    finally:
        for burner in burners:
            burner.terminate()
            burner.join()


if __name__ == "__main__":
    main()
