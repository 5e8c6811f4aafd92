"""A submission as the grader sees it: where its code is and which file plays which role."""

from dataclasses import dataclass, field
from pathlib import Path

from grader.model.text import decode, encode


@dataclass(frozen=True)
class Submission:
    """Where the code is and which file plays which role."""

    path: Path
    root: Path
    server: Path | None
    client: Path | None
    kind: str
    notes: tuple = field(default_factory=tuple)
    # Each role's code (its file and the local modules it imports), read once at discovery.
    sources: dict = field(default_factory=dict, compare=False)

    def relative(self, file):
        return str(Path(file).relative_to(self.root)) if file else None

    def file(self, role):
        """The file that plays ``role`` ("server" or "client"), or None."""
        return self.server if role == "server" else self.client

    def source(self, role):
        """The program's code: its file and the local modules it imports (None without that role)."""
        return self.sources.get(role)

    def to_dict(self):
        """JSON-able form, handed to the sessions that grade in other processes (no second discovery)."""
        return {"path": str(self.path), "root": str(self.root), "server": _text(self.server),
                "client": _text(self.client), "kind": self.kind, "notes": encode(list(self.notes)),
                "sources": self.sources}

    @classmethod
    def from_dict(cls, data):
        return cls(Path(data["path"]), Path(data["root"]), _path(data["server"]), _path(data["client"]),
                   data["kind"], tuple(decode(data.get("notes", []))), dict(data.get("sources", {})))


def _text(path):
    return None if path is None else str(path)


def _path(text):
    return None if text is None else Path(text)
