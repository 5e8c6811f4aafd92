"""The results of a grading, as plain data, and their JSON form (DESIGN.md schema).

Renderers (terminal, HTML, ...) are pure functions of a ``GradingResult``.
"""

from dataclasses import dataclass, field

from grader.model.text import decode, encode

PASSED, FAILED, SKIPPED, ERROR = "passed", "failed", "skipped", "error"
STATUSES = (PASSED, FAILED, SKIPPED, ERROR)
FULL_FORMAT = "grader-result/1"  # the key that marks result.json, the re-renderable form


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
    # Who played the other side of the check ("robots", "your client", ...): a lab's word, shown in reports.
    graded_by: object = ""

    @classmethod
    def from_dict(cls, data):
        """The inverse of ``text.encode`` (sentences become Text, transcripts Events again)."""
        data = decode(dict(data))
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
            **({"graded_by": self.graded_by} if self.graded_by else {}),
        }


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
    lab_title: object = ""  # the lab's title (lab.toml), for the report's heading
    lab_path: str = ""      # the lab's folder: its catalog translates the checks when rendered again

    def __post_init__(self):
        # Kept to the millisecond, as result.json keeps it: a report rendered again from that file then
        # shows the same "graded in 1.7 s" (1.7496 s shown as 1.7, then kept as 1.75 and shown as 1.8).
        self.duration_s = round(self.duration_s, 3)

    @property
    def score(self):
        return round(sum(c.score for c in self.checks), 2)

    @property
    def max_score(self):
        return round(sum(c.max_score for c in self.checks), 2)

    @property
    def all_passed(self):
        # A check skipped with no points does not apply to this submission (a reset, for a UDP server).
        return all(c.status == PASSED or (c.status == SKIPPED and not c.max_score) for c in self.checks)

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
        """Everything, transcripts included, sentences as data: what a report can be re-rendered from.

        Unlike ``to_json`` (for a localized result), the messages stay in no
        language: ``grader report --lang`` renders them in the one asked for.
        """
        data = encode(self.to_json())
        data["format"] = FULL_FORMAT
        data["checks"] = [encode(c) for c in self.checks]
        data["lab_title"] = encode(self.lab_title)
        data["lab_path"] = self.lab_path
        data["staff_log"] = self.staff_log
        return data

    @classmethod
    def from_full_json(cls, data):
        """The GradingResult that ``to_full_json`` wrote (raises KeyError/TypeError/ValueError if it is not one)."""
        if data.get("format") != FULL_FORMAT:
            raise ValueError("not a full result of `grader check` (result.json)")
        isolation = data["isolation"] + (f" ({data['isolation_tool']})" if data.get("isolation_tool") else "")
        return cls(lab=data["lab"], submission=data["submission"],
                   checks=[CheckResult.from_dict(c) for c in data["checks"]],
                   duration_s=data.get("duration_s", 0.0), isolation=isolation,
                   lab_version=data.get("lab_version", ""), grader_version=data.get("grader_version", ""),
                   files=data.get("files", {}), notes=decode(data.get("notes", [])),
                   staff_log=data.get("staff_log", ""), lab_title=decode(data.get("lab_title", "")),
                   lab_path=data.get("lab_path", ""))
