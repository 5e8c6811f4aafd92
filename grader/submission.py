"""Find the server and the client in what a student handed in.

A submission is a folder, a single ``.py`` file, or a Markdown / plain-text
lab report with the code inside (see ``grader.report_extract``).  The server
is recognised by what it does (``bind``/``listen``/``accept``), the client by
``connect`` without ``accept``; file names (``server.py``,
``task4_server.py``, ``chat_client.py``) break ties.
"""

import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from grader.errors import SubmissionError

MAX_SOURCE_BYTES = 512 * 1024      # a larger file is not source a student wrote
MAX_COPY_BYTES = 32 * 1024 * 1024  # what is copied into each check's temporary folder
REPORT_SUFFIXES = {".md", ".markdown", ".txt", ".rst"}
SKIP_DIRS = {"__pycache__", ".git", ".venv", "venv", "env", "node_modules", ".idea", ".vscode"}


@dataclass(frozen=True)
class Submission:
    """Where the code is and which file plays which role."""

    path: Path
    root: Path
    server: Path | None
    client: Path | None
    kind: str
    notes: tuple = field(default_factory=tuple)

    def relative(self, file):
        return str(Path(file).relative_to(self.root)) if file else None

    def source(self, role):
        file = self.server if role == "server" else self.client
        return read_source(file) if file else None


def read_source(path):
    """Source text of a student file; invalid UTF-8 becomes replacement characters."""
    return Path(path).read_bytes().decode("utf-8", "replace")


def _score(path, text, role):
    name = path.stem.lower()
    score = 0
    if role == "server":
        score += 4 * bool(re.search(r"\.accept\s*\(|create_server\s*\(|socketserver", text))
        score += 2 * bool(re.search(r"\.listen\s*\(", text))
        score += bool(re.search(r"\.bind\s*\(", text)) + 3 * ("server" in name or "serv" in name or "сервер" in name)
        score -= 3 * ("client" in name or "клиент" in name)
    else:
        has_accept = bool(re.search(r"\.accept\s*\(|create_server\s*\(", text))
        score += 4 * bool(re.search(r"\.connect\s*\(|create_connection\s*\(", text)) - 5 * has_accept
        score += 3 * ("client" in name or "клиент" in name) - 3 * ("server" in name)
    return score


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


def pick_roles(files, server_hint=None, client_hint=None):
    """Choose the server and client among ``files`` (paths); either may be None."""
    texts = {}
    for path in files:
        data = path.read_bytes()
        if _is_text(data) or b"\x00" not in data:
            texts[path] = data.decode("utf-8", "replace")
    server = server_hint
    if server is None:
        ranked = sorted(texts, key=lambda p: -_score(p, texts[p], "server"))
        if ranked and _score(ranked[0], texts[ranked[0]], "server") >= 4:
            server = ranked[0]
    client = client_hint
    if client is None:
        ranked = sorted((p for p in texts if p != server), key=lambda p: -_score(p, texts[p], "client"))
        if ranked and _score(ranked[0], texts[ranked[0]], "client") >= 4:
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
        raise SubmissionError(f"--{what} {value}: no such file")
    try:
        candidate.resolve().relative_to(root.resolve())
    except ValueError:
        raise SubmissionError(f"--{what} {value}: the file must be inside the submission {root}") from None
    return candidate


def discover(path, server=None, client=None, workdir=None):
    """Turn a path given by the user into a Submission, or raise SubmissionError.

    ``workdir`` is where a lab report's code is extracted (a temporary
    folder the caller removes).
    """
    path = Path(path)
    if not path.exists():
        raise SubmissionError(f"{path}: no such file or folder")
    if path.is_dir():
        files = python_files(path)
        if not files:
            raise SubmissionError(f"{path}: no Python files in this folder (expected a server.py)")
        chosen_server, chosen_client = pick_roles(
            files, _override(path, server, "server"), _override(path, client, "client"))
        if chosen_server is None:
            raise SubmissionError(
                f"{path}: no chat server found (no .py file calls bind/listen/accept); name it with --server FILE")
        return Submission(path, path, chosen_server, chosen_client, "folder")
    if not path.is_file():  # a FIFO or a device would block or never end
        raise SubmissionError(f"{path}: not a regular file or folder")
    try:
        with path.open("rb") as f:
            data = f.read(MAX_SOURCE_BYTES + 1)
    except OSError as exc:
        raise SubmissionError(f"{path}: cannot read ({exc.strerror})") from None
    if len(data) > MAX_SOURCE_BYTES:
        raise SubmissionError(f"{path}: over {MAX_SOURCE_BYTES // 1024} KiB, too large to be a lab's source or report")
    if not _is_text(data):
        raise SubmissionError(f"{path}: not a text file (binary or not UTF-8); hand in .py files or the lab report")
    if path.suffix == ".py":
        return Submission(path, path.parent, path, None, "file")
    if path.suffix.lower() in REPORT_SUFFIXES or path.suffix == "":
        from grader.report_extract import extract_programs

        return extract_programs(path, data.decode("utf-8"), workdir, server=server, client=client)
    raise SubmissionError(f"{path}: expected a folder, a .py file or a Markdown/text lab report")


def copy_tree(submission, destination):
    """Copy the submission's folder for one check; the student's code runs only on copies."""
    destination = Path(destination)
    if submission.kind == "file":  # only the file: its folder may be anything (Downloads...)
        shutil.copyfile(submission.server, destination / submission.server.name)
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


def make_workdir(prefix="chatlab-"):
    return Path(tempfile.mkdtemp(prefix=prefix))
