"""What decides whether an earlier grading can be reused: content hashes and the grading key.

A grading is reused when the submission's content, the lab and the grader
are all as they were, and the options that change a report (language,
isolation) too.  Versions alone are not trusted: an instructor edits
``lab.toml`` without bumping its version, and a developer edits the
grader; so the lab's and the grader's files are hashed as well.
"""

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import grader
from grader.intake.discover import MAX_COPY_BYTES, SKIP_DIRS
from grader.model.lab import load_lab

CHUNK = 1024 * 1024


def _file_digest(path, budget):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while budget > 0:
            chunk = f.read(min(CHUNK, budget))
            if not chunk:
                break
            digest.update(chunk)
            budget -= len(chunk)
    return digest.hexdigest(), budget


def tree_hash(root, skip=SKIP_DIRS, budget=MAX_COPY_BYTES):
    """sha256 over a folder's file names and contents (symlinks and skipped folders left out, as when graded).

    Past ``budget`` bytes only names and sizes count: the grader copies no more than that either.
    """
    root = Path(root)
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if skip & set(relative.parts) or path.is_symlink() or not path.is_file():
            continue
        digest.update(relative.as_posix().encode("utf-8", "surrogateescape") + b"\0")
        size = path.stat().st_size
        if budget > 0:
            content, budget = _file_digest(path, budget)
            digest.update(content.encode())
        digest.update(f"{size}\0".encode())
    return digest.hexdigest()


def content_hash(entry):
    """sha256 of everything in a class folder's entry that a grading could see."""
    digest = hashlib.sha256()
    for path, original in entry.files:
        digest.update(original.encode("utf-8", "surrogateescape") + b"\0")
        if path.is_symlink():
            digest.update(b"symlink\0")
        elif path.is_dir():
            digest.update(b"dir\0" + tree_hash(path).encode())
        elif path.is_file():
            digest.update(b"file\0" + _file_digest(path, 2 * MAX_COPY_BYTES)[0].encode())
        else:
            digest.update(b"other\0")
    return digest.hexdigest()


@lru_cache(maxsize=None)
def grader_build():
    """A short hash of the grader's own files: changes with any edit, not only with a release."""
    return tree_hash(Path(grader.__file__).parent, skip=SKIP_DIRS | {"__pycache__"})[:16]


@dataclass(frozen=True)
class LabIdentity:
    id: str
    version: str
    hash: str
    path: Path
    checks: tuple  # the lab's check ids, in its order
    max_score: float
    submission_timeout: float  # the lab's own limit on grading one submission


def lab_identity(lab_path):
    """The lab at ``lab_path`` (LabError if broken) and a hash of its files."""
    lab = load_lab(lab_path)
    return LabIdentity(lab.id, lab.version, tree_hash(lab.path, skip=SKIP_DIRS | {"__pycache__"})[:16], lab.path,
                       tuple(lab.points), lab.max_score, lab.timeout("submission"))


def grading_key(content, lab, options):
    """The key under which a grading is stored and found again."""
    data = {"content": content, "lab": [lab.id, lab.version, lab.hash],
            "grader": [grader.__version__, grader_build()], "options": options}
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
