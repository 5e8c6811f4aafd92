"""What a grading was resolved to, once: the submission, the lab and the isolation asked for.

The runner discovers the submission (extracting a lab report's code) and
loads the lab a single time, then hands this plan to every pytest session
of the grading, in this process and in the parallel ones, as a JSON file.
"""

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from grader.model.lab import Lab
from grader.model.submission import Submission


@dataclass
class Plan:
    """A resolved grading; ``cleanup`` is a folder to remove when the session that owns it ends."""

    submission: Submission
    lab: Lab
    isolation: str = "auto"
    cleanup: Path | None = None

    def save(self, path):
        data = {"submission": self.submission.to_dict(), "lab": self.lab.to_dict(), "isolation": self.isolation}
        Path(path).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        return Path(path)

    @classmethod
    def load(cls, path):
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls(Submission.from_dict(data["submission"]), Lab.from_dict(data["lab"]), data["isolation"])

    def close(self):
        if self.cleanup is not None:
            shutil.rmtree(self.cleanup, ignore_errors=True)
