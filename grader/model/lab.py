"""A lab: its folder of scenarios plus ``lab.toml`` (points, timeouts, roles, reference, limits).

The core knows nothing of any one lab.  What it needs is declared in
``lab.toml``: the checks and their points, timeouts by whatever names the
lab's scenarios use, the roles a submission has, where the reference
solution is, the report's title, and which scenario files run in parallel
sessions.  A lab may keep sections of its own (a ``[spin]`` section, say),
read by its scenarios through ``Lab.section``.
"""

import sys
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from grader.errors import LabError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

# The timeouts the core itself uses; a lab adds any others its scenarios need.
CORE_TIMEOUTS = {
    "startup": 5.0,       # a server must listen (a client connect) within this
    "check": 30.0,        # pytest-timeout for one check (a grader bug if hit)
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

ROLES = ("server", "client")
_SECTIONS = {"lab", "points", "timeouts", "limits"}


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
    roles: tuple = ("server",)
    reference: Path | None = None
    parallel: tuple = ()  # scenario files graded in a session of their own, alongside the others
    sections: dict = field(default_factory=dict)  # the lab's own sections of lab.toml

    def timeout(self, name):
        """A named timeout in seconds; a name the lab does not define is the lab's bug."""
        try:
            return float(self.timeouts[name])
        except KeyError:
            raise LabError(f"{self.path / 'lab.toml'}: no timeout named {name!r} in [timeouts]") from None

    def section(self, name):
        """A section of lab.toml that only this lab's scenarios read (a dict, empty if absent)."""
        return dict(self.sections.get(name, {}))

    @property
    def max_score(self):
        return float(sum(self.points.values()))

    def to_dict(self):
        """JSON-able form, for the sessions a grading runs in other processes (read once, not again)."""
        return {"id": self.id, "title": self.title, "version": self.version, "path": str(self.path),
                "points": self.points, "timeouts": self.timeouts, "limits": self.limits, "roles": list(self.roles),
                "reference": str(self.reference) if self.reference else None, "parallel": list(self.parallel),
                "sections": self.sections}

    @classmethod
    def from_dict(cls, data):
        return cls(**{**data, "path": Path(data["path"]), "roles": tuple(data["roles"]),
                      "reference": Path(data["reference"]) if data["reference"] else None,
                      "parallel": tuple(data["parallel"])})


def builtin_labs():
    """Names of the labs shipped inside the package (``labs/<name>`` in the repository)."""
    root = Path(str(resources.files("grader.labs")))
    return sorted(p.name for p in root.iterdir() if (p / "lab.toml").is_file())


def default_lab_name():
    """The lab ``grader check`` grades when none is named: the one ``labs/__init__.py`` declares."""
    from grader import labs

    return getattr(labs, "DEFAULT", None) or builtin_labs()[0]


def builtin_lab_path(name=None):
    """The folder of a lab shipped inside the package (``labs/<name>`` in the repo)."""
    return Path(str(resources.files("grader.labs") / (name or default_lab_name())))


def lab_path(value):
    """A ``--lab`` value as a folder: a folder path, or the name of a built-in lab."""
    if value is None:
        return builtin_lab_path()
    path = Path(value)
    if not path.exists() and "/" not in str(value) and value in builtin_labs():
        return builtin_lab_path(value)
    return path


def load_lab(path):
    """Read ``lab.toml`` in the folder ``path``; raise LabError saying what is wrong."""
    path = Path(path)
    toml_path = path / "lab.toml"
    try:
        data = tomllib.loads(toml_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LabError(f"no lab.toml in {path}") from None
    except NotADirectoryError:
        raise LabError(f"{path} is not a lab folder") from None
    except tomllib.TOMLDecodeError as exc:
        raise LabError(f"{toml_path}: {exc}") from None
    meta = data.get("lab", {})
    points = data.get("points", {})
    for check_id, value in points.items():
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
            raise LabError(f"{toml_path}: points for {check_id!r} must be a number >= 0, not {value!r}")
    timeouts = dict(CORE_TIMEOUTS)
    for key, value in data.get("timeouts", {}).items():
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
            raise LabError(f"{toml_path}: invalid timeout {key} = {value!r}")
        timeouts[key] = float(value)
    limits = dict(DEFAULT_LIMITS)
    for key, value in data.get("limits", {}).items():
        if key not in DEFAULT_LIMITS or not isinstance(value, int) or value <= 0:
            raise LabError(f"{toml_path}: invalid limit {key} = {value!r}")
        limits[key] = value
    roles = tuple(meta.get("roles", ["server"]))
    unknown = [role for role in roles if role not in ROLES]
    if unknown or not roles:
        raise LabError(f"{toml_path}: roles must be some of {', '.join(ROLES)}, not {list(roles)!r}")
    # Checked when it is used (a check that needs a working counterpart): a lab
    # copied elsewhere to change its points still grades everything else.
    reference = (path / meta["reference"]).resolve() if meta.get("reference") else None
    return Lab(
        id=meta.get("id", path.name),
        title=meta.get("title", path.name),
        version=str(meta.get("version", "0")),
        path=path,
        points=points,
        timeouts=timeouts,
        limits=limits,
        roles=roles,
        reference=reference,
        parallel=tuple(_parallel_files(path, meta.get("parallel", []), toml_path)),
        sections={key: value for key, value in data.items() if key not in _SECTIONS and isinstance(value, dict)},
    )


def _parallel_files(path, names, toml_path):
    for name in names:
        if not (path / name).is_file():
            raise LabError(f"{toml_path}: parallel names {name!r}, which is not a file of the lab")
        yield name
