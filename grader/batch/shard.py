"""``--shard K/N``: a deterministic 1/N of a class, for N machines that never talk to each other.

A submission's shard is a hash of its name, not its position in the
listing: every machine computes the same split on its own, and a student
added late does not move the others to another shard.
"""

import hashlib
import re
from dataclasses import dataclass

from grader.errors import UsageError


@dataclass(frozen=True)
class Shard:
    index: int  # 1..count
    count: int

    def __str__(self):
        return f"{self.index}/{self.count}"

    def holds(self, name):
        """True if the submission called ``name`` belongs to this shard."""
        digest = hashlib.sha256(name.encode("utf-8", "surrogateescape")).digest()
        return int.from_bytes(digest[:8], "big") % self.count == self.index - 1


def parse_shard(text):
    """'2/8' -> Shard(2, 8); UsageError for anything else."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text or "")
    if not match:
        raise UsageError(f"--shard {text}: expected K/N, e.g. --shard 1/4 (shard K of N, counting from 1)")
    index, count = int(match[1]), int(match[2])
    if count < 1 or not 1 <= index <= count:
        raise UsageError(f"--shard {text}: K must be between 1 and N (N at least 1)")
    return Shard(index, count)
