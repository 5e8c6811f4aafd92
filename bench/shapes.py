"""Wall time of `grader check` on the server shapes and one-role fixtures, beside the reference's.

    python bench/shapes.py            # 3 rounds
    python bench/shapes.py --runs 5

The runs are interleaved (one of each target per round), so a change of load on
the shared machine falls on every target alike.  Prints min / median / max
seconds and the exit codes per target.  A benchmark, not a test.
"""

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import ROOT, wall  # noqa: E402

SUBMISSIONS = ROOT / "tests" / "submissions"
TARGETS = [
    ("reference/chat (server + client)", ROOT / "reference" / "chat"),
    ("reference server.py alone", ROOT / "reference" / "chat" / "server.py"),
    ("reference client.py alone", ROOT / "reference" / "chat" / "client.py"),
] + [(name, SUBMISSIONS / name) for name in (
    "socketserver_threading", "socketserver_serial", "serial", "asyncio_streams", "asyncio_protocol",
    "selectors_loop", "server_only", "client_only", "asyncio_client")]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    results = {label: [] for label, _path in TARGETS}
    with tempfile.TemporaryDirectory() as out:
        for _round in range(args.runs):
            for label, path in TARGETS:
                results[label].append(wall(path, out))
    for label, runs in results.items():
        times = [t for t, _code in runs]
        codes = sorted({code for _t, code in runs})
        print(f"{label:34} min={min(times):5.2f}s  median={statistics.median(times):5.2f}s  "
              f"max={max(times):5.2f}s  exit={codes}")


if __name__ == "__main__":
    main()
