"""What the benchmarks grade, and one bounded grading of it.

Targets: the reference solution, the seed lab reports (../shared/seeds beside
the clone, or GRADER_SEEDS, or --seeds), every fixture in tests/submissions/
(servers), tests/submissions/clients/ (each with the reference server) and
tests/submissions/hostile/ (each wrapped around chatcore.py; marked hostile).
Each grading runs the real `grader check` in a subprocess of its own, with a
deadline; a grading over it is interrupted (SIGINT: the grader tears its pods
down), then killed.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUBMISSIONS = ROOT / "tests" / "submissions"
REFERENCE = ROOT / "reference" / "chat"
KINDS = ("reference", "seed", "fixture", "client", "hostile")
# Hostile fixtures that only a PID namespace can contain (the tests skip them too without one).
NEEDS_NAMESPACES = {"kills_parent"}
INTERRUPT_GRACE_S = 15


@dataclass(frozen=True)
class Target:
    """One submission to grade: ``name`` is unique, ``kind`` one of KINDS, ``path`` what `grader check` gets."""

    name: str
    kind: str
    path: Path

    @property
    def hostile(self):
        return self.kind == "hostile"


@dataclass
class Graded:
    """One grading: wall seconds, exit code, {check id: status} (empty if no result), whether it hit the deadline."""

    wall_s: float
    code: int | None
    verdicts: dict = field(default_factory=dict)
    timed_out: bool = False
    messages: dict = field(default_factory=dict)  # {check id: message} of the checks that did not pass

    @property
    def vector(self):
        return tuple(sorted(self.verdicts.items()))


def seeds_folder(given=None):
    """Where the seed reports are, or None: --seeds, GRADER_SEEDS, then ../shared/seeds beside the clone."""
    for candidate in (given, os.environ.get("GRADER_SEEDS"), ROOT.parent / "shared" / "seeds"):
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return None


def _namespaces_available():
    sys.path.insert(0, str(ROOT))
    from grader.isolation.namespace import available_tool

    return available_tool() is not None


def all_targets(scratch, seeds=None):
    """Every target, built under ``scratch`` where a folder must be assembled (clients, hostile)."""
    targets = [Target("reference", "reference", REFERENCE)]
    folder = seeds_folder(seeds)
    if folder:
        targets += [Target(f"seed {p.name.split('_')[0]}", "seed", p) for p in sorted(folder.glob("*.txt"))]
    for path in sorted(SUBMISSIONS.iterdir()):
        if path.is_dir() and (path / "server.py").is_file():
            targets.append(Target(path.name, "fixture", path))
    for path in sorted((SUBMISSIONS / "clients").iterdir()):
        if (path / "client.py").is_file():
            built = Path(scratch) / "clients" / path.name
            built.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(REFERENCE / "server.py", built / "server.py")
            shutil.copyfile(path / "client.py", built / "client.py")
            targets.append(Target(f"client {path.name}", "client", built))
    namespaces = _namespaces_available()
    for path in sorted((SUBMISSIONS / "hostile").glob("*.py")):
        if path.name == "chatcore.py" or (path.stem in NEEDS_NAMESPACES and not namespaces):
            continue
        built = Path(scratch) / "hostile" / path.stem
        built.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, built / "server.py")
        shutil.copyfile(SUBMISSIONS / "hostile" / "chatcore.py", built / "chatcore.py")
        targets.append(Target(f"hostile {path.stem}", "hostile", built))
    return targets


def choose(targets, wanted):
    """The targets named in ``wanted`` (comma-separated kinds, names, or name prefixes; 'all' is everything)."""
    if not wanted or wanted == "all":
        return list(targets)
    chosen = []
    for word in (w.strip() for w in wanted.split(",") if w.strip()):
        if word in KINDS or word.rstrip("s") in KINDS:
            found = [t for t in targets if t.kind == word.rstrip("s")]
        else:
            found = [t for t in targets if t.name == word] or [t for t in targets if t.name.startswith(word)]
        if not found:
            raise SystemExit(f"no target matches {word!r}; kinds: {', '.join(KINDS)}; "
                             f"names: {', '.join(t.name for t in targets)}")
        chosen += [t for t in found if t not in chosen]
    return chosen


def grade(target, out, timeout_s):
    """Grade ``target`` once with `grader check --json`, into the folder ``out``; bounded by ``timeout_s``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    result = out / "result.json"
    command = [sys.executable, "-m", "grader", "check", str(target.path), "--plain", "--out", str(out / "report"),
               "--json", str(result)]
    started = time.monotonic()
    # Its own session: on a deadline the grader gets SIGINT (it tears its pods down), then its group is killed.
    process = subprocess.Popen(command, cwd=out, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    timed_out = False
    try:
        code = process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        timed_out = True
        process.send_signal(signal.SIGINT)
        try:
            code = process.wait(timeout=INTERRUPT_GRACE_S)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            code = process.wait()
    wall = time.monotonic() - started
    verdicts, messages = {}, {}
    if result.is_file():
        try:
            checks = json.loads(result.read_text(encoding="utf-8"))["checks"]
            verdicts = {c["id"]: c["status"] for c in checks}
            messages = {c["id"]: c.get("message", "") for c in checks if c["status"] != "passed"}
        except (ValueError, KeyError):
            verdicts, messages = {}, {}
        result.unlink()
    return Graded(wall, code, verdicts, timed_out, messages)


def become_subreaper():
    """Orphans of our gradings (a daemon that escaped its grader) come back to this process, to be found."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


def leftovers():
    """Kill what this process started and is still alive (by PID, descendants only); return their command lines."""
    import psutil

    while True:  # reap zombies first, so that only the living are counted
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            break
    found = []
    for process in psutil.Process().children(recursive=True):
        try:
            if process.status() == psutil.STATUS_ZOMBIE:
                continue
            found.append(" ".join(process.cmdline())[:100] or str(process.pid))
            process.kill()
        except psutil.Error:
            continue
    return found
