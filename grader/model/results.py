"""The results of a grading, as plain data, and their JSON form (DESIGN.md schema).

Renderers (terminal, HTML, ...) are pure functions of a ``GradingResult``.
"""

from dataclasses import asdict, dataclass, field

PASSED, FAILED, SKIPPED, ERROR = "passed", "failed", "skipped", "error"
STATUSES = (PASSED, FAILED, SKIPPED, ERROR)


@dataclass(frozen=True)
class Event:
    """One line of a session transcript.

    ``who`` is a robot's name, "server", "client" or "grader"; ``kind`` is one of
    connect, send, recv, eof, close, reset, note, ok, miss, stdout, stderr, exit.
    """

    t: float
    who: str
    kind: str
    text: str = ""


@dataclass
class CheckResult:
    """The verdict of one check, with everything a report needs to explain it."""

    id: str
    title: str
    status: str
    score: float
    max_score: float
    message: str = ""
    hint: str = ""
    details: dict = field(default_factory=dict)
    transcript: list = field(default_factory=list)
    log: list = field(default_factory=list)
    output: str = ""
    duration_s: float = 0.0
    depends: list = field(default_factory=list)

    @classmethod
    def from_dict(cls, data):
        """The inverse of ``dataclasses.asdict`` (transcripts become Events again)."""
        data = dict(data)
        data["transcript"] = [Event(**event) for event in data.get("transcript", [])]
        return cls(**data)

    def summary(self):
        """The fields of the DESIGN.md ``checks[]`` entry."""
        return {
            "id": self.id,
            "title": self.title,
            "status": self.status,
            "score": self.score,
            "max_score": self.max_score,
            "message": self.message,
            "hint": self.hint,
        }


def apply_dependencies(checks, skip_message):
    """Skip every check whose prerequisite did not pass (in order; results from parallel sessions).

    ``skip_message(dependency_id, its_result)`` gives the sentence a skipped check shows.
    """
    by_id = {}
    for check in checks:
        for dependency in check.depends:
            prerequisite = by_id.get(dependency)
            if prerequisite is not None and prerequisite.status != PASSED and check.status != SKIPPED:
                check.status, check.score, check.hint = SKIPPED, 0.0, ""
                check.message = skip_message(dependency, prerequisite)
                check.details, check.transcript, check.output = {}, [], ""
        by_id[check.id] = check
    return checks


# What each isolation keeps a student's programs from (grader.isolation.namespace):
# network: their own loopback, nothing outside reachable; processes: their own
# PID namespace, the grader out of sight; files: a minimal view of the machine.
PROTECTIONS = {"namespaces": ("network", "processes", "files"), "process-group": ()}


def protections(isolation):
    """The protections an isolation value ('namespaces (bubblewrap)', 'process-group') stands for."""
    return PROTECTIONS.get(str(isolation or "").partition(" (")[0], ())


@dataclass
class GradingResult:
    """Everything known about one grading of one submission."""

    lab: str
    submission: str
    checks: list
    duration_s: float = 0.0
    isolation: str = "process-group"
    lab_version: str = ""
    grader_version: str = ""
    files: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    staff_log: str = ""

    @property
    def score(self):
        return round(sum(c.score for c in self.checks), 2)

    @property
    def max_score(self):
        return round(sum(c.max_score for c in self.checks), 2)

    @property
    def all_passed(self):
        return all(c.status == PASSED for c in self.checks)

    def counts(self):
        return {status: sum(1 for c in self.checks if c.status == status) for status in STATUSES}

    def to_json(self):
        """The DESIGN.md result format (plus extra keys that readers may ignore)."""
        return {
            "lab": self.lab,
            "submission": self.submission,
            "score": self.score,
            "max_score": self.max_score,
            "duration_s": round(self.duration_s, 3),
            # DESIGN.md: "namespaces" or "process-group"; the tool ("bubblewrap", "unshare") beside it.
            "isolation": self.isolation.partition(" (")[0],
            "isolation_tool": self.isolation.partition(" (")[2].rstrip(")"),
            # What the student's programs were kept from: ["network", "processes", "files"], or none.
            "protections": list(protections(self.isolation)),
            "lab_version": self.lab_version,
            "grader_version": self.grader_version,
            "files": self.files,
            "notes": self.notes,
            "checks": [c.summary() for c in self.checks],
        }

    def to_full_json(self):
        """Everything, transcripts included: what a report can be re-rendered from."""
        data = self.to_json()
        data["checks"] = [asdict(c) for c in self.checks]
        data["staff_log"] = self.staff_log
        return data
