"""A lab: its folder of scenarios plus ``lab.toml`` (points, timeouts, limits)."""

import sys
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from grader.errors import LabError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

DEFAULT_TIMEOUTS = {
    "startup": 5.0,     # the server must listen within this
    "handshake": 0.5,   # the server must read a robot's name line within this
    "expect": 0.5,      # a robot waits this long for an expected text
    "settle": 1.0,      # most the grader waits for the server to go idle (a busy loop: 0.15 s)
    "silence": 0.3,     # a robot listens this long to be sure nothing arrives
    "leave": 0.75,       # a leave notice counts as prompt within this
    "check": 30.0,      # pytest-timeout for one check (a grader bug if hit)
    "submission": 300.0,  # the whole grading of one submission
}

DEFAULT_LIMITS = {
    "cpu_seconds": 60,          # RLIMIT_CPU of each student program
    "memory_mb": 1024,          # RLIMIT_DATA (RLIMIT_AS breaks threaded Python)
    "file_size_mb": 16,         # RLIMIT_FSIZE
    "open_files": 256,          # RLIMIT_NOFILE
    "processes": 64,            # more processes than the user has (RLIMIT_NPROC; not enforceable for root)
    "output_kb": 64,            # captured stdout+stderr kept per program
}


@dataclass(frozen=True)
class Lab:
    """What ``lab.toml`` says, with defaults filled in."""

    id: str
    title: str
    version: str
    path: Path
    points: dict
    timeouts: dict
    limits: dict
    spin: dict = field(default_factory=dict)
    parallel: tuple = ()  # scenario files graded in a session of their own, alongside the others

    def timeout(self, name):
        return float(self.timeouts[name])

    @property
    def max_score(self):
        return float(sum(self.points.values()))


def builtin_lab_path(name="chat"):
    """The folder of a lab shipped inside the package (``labs/<name>`` in the repo)."""
    return Path(str(resources.files("grader.labs") / name))


def reference_path(name="chat"):
    """The folder of a reference solution shipped inside the package (``reference/<name>``)."""
    return Path(str(resources.files("grader.reference") / name))


def load_lab(path):
    """Read ``lab.toml`` in the folder ``path``; raise LabError saying what is wrong."""
    path = Path(path)
    toml_path = path / "lab.toml"
    try:
        data = tomllib.loads(toml_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LabError(f"no lab.toml in {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise LabError(f"{toml_path}: {exc}") from None
    meta = data.get("lab", {})
    points = data.get("points", {})
    for check_id, value in points.items():
        if not isinstance(value, (int, float)) or value < 0:
            raise LabError(f"{toml_path}: points for {check_id!r} must be a number >= 0, not {value!r}")
    timeouts = dict(DEFAULT_TIMEOUTS)
    for key, value in data.get("timeouts", {}).items():
        if key not in DEFAULT_TIMEOUTS or not isinstance(value, (int, float)) or value <= 0:
            raise LabError(f"{toml_path}: invalid timeout {key} = {value!r}")
        timeouts[key] = float(value)
    limits = dict(DEFAULT_LIMITS)
    for key, value in data.get("limits", {}).items():
        if key not in DEFAULT_LIMITS or not isinstance(value, int) or value <= 0:
            raise LabError(f"{toml_path}: invalid limit {key} = {value!r}")
        limits[key] = value
    return Lab(
        id=meta.get("id", path.name),
        title=meta.get("title", path.name),
        version=str(meta.get("version", "0")),
        path=path,
        points=points,
        timeouts=timeouts,
        limits=limits,
        spin={"window": 0.3, "busy_share": 0.5, **data.get("spin", {})},
        parallel=tuple(_parallel_files(path, meta.get("parallel", []), toml_path)),
    )


def _parallel_files(path, names, toml_path):
    for name in names:
        if not (path / name).is_file():
            raise LabError(f"{toml_path}: parallel names {name!r}, which is not a file of the lab")
        yield name
