"""Wall time of `grader check` on the protocol fixtures (graded through puppets) beside the reference's (robots).

    python bench/puppets.py            # 3 rounds
    python bench/puppets.py --runs 5

Grading through the student's own client must cost at most 3x the robots'
time for the same chat: the ratio to the reference's median is printed.
Runs are interleaved (one of each target per round), so a change of load on
the shared machine falls on every target alike.  A benchmark, not a test.
"""

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import ROOT, wall  # noqa: E402

PROTOCOLS = ROOT / "tests" / "submissions" / "protocols"
TARGETS = [("reference/chat (robots)", ROOT / "reference" / "chat")] + [
    (name, PROTOCOLS / name) for name in ("json_chat", "json_no_leave", "length_prefixed", "two_connections",
                                          "command_words")]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    results = {label: [] for label, _path in TARGETS}
    with tempfile.TemporaryDirectory() as out:
        for _round in range(args.runs):
            for label, path in TARGETS:
                results[label].append(wall(path, out))
    base = statistics.median(t for t, _code in results[TARGETS[0][0]])
    for label, runs in results.items():
        times = [t for t, _code in runs]
        codes = sorted({code for _t, code in runs})
        print(f"{label:26} min={min(times):5.2f}s  median={statistics.median(times):5.2f}s  "
              f"max={max(times):5.2f}s  x{statistics.median(times) / base:4.2f}  exit={codes}")


if __name__ == "__main__":
    main()
