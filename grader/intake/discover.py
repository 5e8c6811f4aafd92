"""Find the server and the client in what a student handed in.

A submission is a folder, a single ``.py`` file, or a Markdown / plain-text
lab report with the code inside (see ``grader.intake.lab_report``); which
file is the server and which the client is decided in ``grader.intake.roles``.
"""

import dataclasses
import functools
import os
import re
import shutil
import tempfile
from pathlib import Path

from grader.errors import SubmissionError
from grader.i18n import _
from grader.intake.lab_report import extract_programs
from grader.intake.roles import role_score
from grader.model.lab import ROLES
from grader.model.submission import Submission

MAX_SOURCE_BYTES = 512 * 1024      # a larger file is not source a student wrote
MAX_COPY_BYTES = 32 * 1024 * 1024  # what is copied into each check's temporary folder
REPORT_SUFFIXES = {".md", ".markdown", ".txt", ".rst"}
SKIP_DIRS = {"__pycache__", ".git", ".venv", "venv", "env", "node_modules", ".idea", ".vscode"}


def read_source(path):
    """Source text of a student file; invalid UTF-8 becomes replacement characters."""
    return Path(path).read_bytes().decode("utf-8", "replace")


def _is_text(data):
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def python_files(folder):
    """The .py files of a folder that could be a student's program."""
    found = []
    for path in sorted(folder.rglob("*.py")):
        if any(part in SKIP_DIRS or part.startswith(".") for part in path.relative_to(folder).parts[:-1]):
            continue
        if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_SOURCE_BYTES:
            continue
        found.append(path)
    return found


def local_imports(path, text, files):
    """The files among ``files`` that ``path`` imports (``import core``, ``from core import x``)."""
    names = set(re.findall(r"^\s*(?:from\s+([\w.]+)\s+import|import\s+([\w.]+))", text, re.MULTILINE))
    modules = {part for pair in names for part in pair if part}
    return [f for f in files if f != path and f.parent == path.parent and f.stem in modules]


def program_sources(path, files=None):
    """The text of ``path`` and of the local modules it imports, transitively (one program's code)."""
    files = files if files is not None else python_files(Path(path).parent)
    seen, queue, texts = set(), [Path(path)], []
    while queue:
        current = queue.pop()
        if current in seen or not current.is_file():
            continue
        seen.add(current)
        text = read_source(current)
        texts.append(text)
        queue.extend(local_imports(current, text, files))
    return "\n".join(texts)


def pick_roles(files, server_hint=None, client_hint=None):
    """Choose the server and client among ``files`` (paths); either may be None.

    A program may span several files: a file is scored with the local
    modules it imports, and a module that another file imports is a
    library of that program, not a program to run.
    """
    texts = {}
    for path in files:
        data = path.read_bytes()
        if _is_text(data) or b"\x00" not in data:
            texts[path] = data.decode("utf-8", "replace")
    imported = {module for path in texts for module in local_imports(path, texts[path], list(texts))}
    entries = [path for path in texts if path not in imported]

    def score(path, role):
        whole = "\n".join([texts[path]] + [texts[m] for m in local_imports(path, texts[path], list(texts))])
        return role_score(path, whole, role)

    server = server_hint
    if server is None:
        ranked = sorted(entries, key=lambda p: -score(p, "server"))
        if ranked and score(ranked[0], "server") >= 4:
            server = ranked[0]
    client = client_hint
    if client is None:
        ranked = sorted((p for p in entries if p != server), key=lambda p: -score(p, "client"))
        if ranked and score(ranked[0], "client") >= 4:
            client = ranked[0]
    return server, client


def _override(root, value, what):
    if value is None:
        return None
    candidate = Path(value)
    if not candidate.is_absolute():
        inside = root / candidate
        candidate = inside if inside.exists() else candidate.resolve()
    if not candidate.is_file():
        raise SubmissionError(_("--{what} {value}: no such file").format(what=what, value=value))
    try:
        candidate.resolve().relative_to(root.resolve())
    except ValueError:
        raise SubmissionError(_("--{what} {value}: the file must be inside the submission {root}").format(
            what=what, value=value, root=root)) from None
    return candidate


def _is_client_alone(path, text):
    # A single file is the server unless it is plainly a client: it connects and serves nobody.
    return role_score(path, text, "client") >= 4 and role_score(path, text, "server") < 4


def discover(path, server=None, client=None, workdir=None, roles=("server", "client")):
    """Turn a path given by the user into a Submission, or raise SubmissionError.

    ``workdir`` is where a lab report's code is extracted (a temporary
    folder the caller removes).  Each role's code is read here, once.
    """
    found = _discover(Path(path), server, client, workdir, roles)
    return dataclasses.replace(found, sources={role: _source(found, role) for role in ROLES if found.file(role)})


def _source(submission, role):
    file = submission.file(role)
    # A single file is graded alone: its folder may be anything (Downloads...).
    if submission.kind == "file":
        return read_source(file)
    return program_sources(file, python_files(submission.root))


def _discover(path, server, client, workdir, roles):
    if not path.exists():
        raise SubmissionError(_("{path}: no such file or folder").format(path=path))
    if path.is_dir():
        files = python_files(path)
        if not files:
            raise SubmissionError(_("{path}: no Python files in this folder (expected a server.py)").format(path=path))
        chosen_server, chosen_client = pick_roles(
            files, _override(path, server, "server"), _override(path, client, "client"))
        if "client" not in roles:
            chosen_client = None
        if chosen_server is None and chosen_client is None:
            raise SubmissionError(_(
                "{path}: no server found (no .py file calls bind/listen/accept) and no client (none connects); "
                "name them with --server FILE / --client FILE").format(path=path) if "client" in roles else _(
                "{path}: no server found (no .py file calls bind/listen/accept); name it with --server "
                "FILE").format(path=path))
        # A client alone (the course gave the server) is graded against the reference server;
        # the server checks are skipped, naming why.
        return Submission(path, path, chosen_server, chosen_client, "folder")
    if not path.is_file():  # a FIFO or a device would block or never end
        raise SubmissionError(_("{path}: not a regular file or folder").format(path=path))
    try:
        with path.open("rb") as f:
            data = f.read(MAX_SOURCE_BYTES + 1)
    except OSError as exc:
        raise SubmissionError(_("{path}: cannot read ({error})").format(path=path, error=exc.strerror)) from None
    if len(data) > MAX_SOURCE_BYTES:
        raise SubmissionError(_("{path}: over {kib} KiB, too large to be a lab's source or report").format(
            path=path, kib=MAX_SOURCE_BYTES // 1024))
    if not _is_text(data):
        raise SubmissionError(
            _("{path}: not a text file (binary or not UTF-8); hand in .py files or the lab report").format(path=path))
    if path.suffix == ".py":
        if server is None and "client" in roles and _is_client_alone(path, data.decode("utf-8")):
            return Submission(path, path.parent, None, path, "file")
        return Submission(path, path.parent, path, None, "file")
    if path.suffix.lower() in REPORT_SUFFIXES or path.suffix == "":
        return extract_programs(path, data.decode("utf-8"), workdir, server=server, client=client)
    raise SubmissionError(_("{path}: expected a folder, a .py file or a Markdown/text lab report").format(path=path))


def copy_tree(submission, destination):
    """Copy the submission's folder for one check; the student's code runs only on copies."""
    destination = Path(destination)
    destination.mkdir(parents=True, exist_ok=True)
    if submission.kind == "file":  # only the file: its folder may be anything (Downloads...)
        program = submission.server or submission.client
        shutil.copyfile(program, destination / program.name)
        return destination
    budget = MAX_COPY_BYTES
    for source in sorted(submission.root.rglob("*")):
        relative = source.relative_to(submission.root)
        if any(part in SKIP_DIRS for part in relative.parts) or source.is_symlink():
            continue
        target = destination / relative
        if source.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        elif source.is_file():
            size = source.stat().st_size
            if size > budget:
                continue
            budget -= size
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
    return destination


# A grading creates and removes a few hundred files and folders (a copy of
# the submission for every program it starts, results, logs).  On a disk
# file system (ext4) creating inodes freed a moment before costs far more
# than on tmpfs: the reference's grading used 0.18 s less system time (7%
# less CPU, 5% less wall time) with its scratch in /dev/shm, on 2 cores.
RAM_SCRATCH = "/dev/shm"
RAM_SCRATCH_FREE = 1 << 30  # bytes it must have free to be used: a batch's scratch, with room to spare


def make_workdir(prefix="grader-"):
    """A new scratch folder of the grader's own (the caller removes it)."""
    return Path(tempfile.mkdtemp(prefix=prefix, dir=scratch_root()))


@functools.cache
def scratch_root():
    """Where scratch folders go: None (Python decides) if TMPDIR, TEMP or TMP is set, else a RAM file system."""
    return ram_scratch(os.environ, RAM_SCRATCH, "/proc/self/mountinfo")


def ram_scratch(environ, candidate, mountinfo):
    """``candidate`` if no variable chooses the temporary folder and it is a writable tmpfs with room, else None."""
    if any(environ.get(name) for name in ("TMPDIR", "TEMP", "TMP")):
        return None  # the user's choice
    try:
        with open(mountinfo, encoding="utf-8", errors="replace") as table:
            # Fields: id parent major:minor root mount-point options [optional...] - type source super-options
            types = {fields[4]: fields[fields.index("-") + 1] for fields in map(str.split, table) if "-" in fields}
        room = os.statvfs(candidate)
    except (OSError, IndexError):
        return None
    if types.get(candidate) != "tmpfs" or not os.access(candidate, os.W_OK | os.X_OK):
        return None
    return candidate if room.f_bavail * room.f_frsize >= RAM_SCRATCH_FREE else None
