"""Python tracebacks from the student's programs, as a student should read them.

What the programs write to stderr, and what the shim reports of a crash,
are kept raw in the results (staff may need every frame).  The reports show
them through here: only the student's own frames (not the interpreter's
``threading.py``, not the grader's shim), with paths relative to the
submission instead of the grader's temporary copy (``/tmp/grader-…/run9/``),
and each distinct traceback once per check.

Pure functions of text and of a CheckResult; no renderer-specific escaping.
"""

import re
from dataclasses import dataclass, field

HEAD = "Traceback (most recent call last):"
_THREAD = re.compile(r"^Exception (?:in thread .*|ignored in: .*):$")
_CHAINS = ("During handling of the above exception, another exception occurred:",
           "The above exception was the direct cause of the following exception:")
# The grader's temporary copy of the submission, up to and including its run folder: a path
# (a run of characters that are not blanks, quotes or brackets) up to the end of its last ``_COPY``.
# In two steps, not one regex with a lazy prefix: that one tried every start in every long run of
# non-blanks (a server printing 64 KB of "xxx…" lines cost the report 7 s of CPU, quadratic).
_PATH = re.compile(r"""[^\s"'<>()]+""")
_COPY = re.compile(r"""[/\\]grader-[\w.-]+[/\\](?:run\d*[/\\])?""")
_FRAME = re.compile(r'^  File "(?P<path>[^"]*)", line \d+')
# Frames that are not the student's: the interpreter's library, installed packages, the grader itself.
_NOT_STUDENT = re.compile(r"""[/\\]lib[/\\](?:python[\d.]*|pypy[\d.]*)[/\\]|^<frozen """
                          r"""|[/\\](?:site|dist)-packages[/\\]"""
                          r"""|[/\\]grader[/\\](?:isolation|drive|engine|model|intake|batch|report)[/\\]"""
                          r"""|^<(?:string|stdin)>$""")


def short_paths(text):
    """``text`` with every path into the grader's temporary copy made relative to the submission."""
    text = str(text if text is not None else "")
    return _PATH.sub(_relative, text) if "grader-" in text else text


def _relative(path):
    """One path, cut after the last of the copy's folders in it (each copy's folder after the one before)."""
    path = path[0]
    end = 0
    while "grader-" in path[end:] and (found := _COPY.search(path, end)):
        end = found.end()
    return path[end:]


def _is_student(path):
    return not _NOT_STUDENT.search(path)


@dataclass(frozen=True)
class Traceback:
    """One traceback: the thread it ended (if any), its student-only text and its last line."""

    thread: str          # "Exception in thread Thread-2 (handle):" or ""
    text: str            # from "Traceback (most recent call last):" to the exception line, cleaned
    exception: str       # "ValueError: ..." : the line that explains

    @property
    def shown(self):
        return f"{self.thread}\n{self.text}" if self.thread else self.text


def clean_traceback(lines):
    """The lines of one traceback (header to exception line) without the frames that are not the student's."""
    out, keep = [], True
    for line in lines:
        frame = _FRAME.match(line)
        if frame:
            keep = _is_student(frame["path"])
        elif not line.startswith("  ") or line.strip() == "":
            keep = True  # the header, a chain sentence, the exception line
        if keep:
            out.append(short_paths(line))
    # A "Traceback" heading whose frames were all the grader's says nothing: the exception line does.
    # Unless there is none: a traceback cut short (the program ended, or its output was, in the middle
    # of writing it) keeps its heading, or nothing would say what it is.
    explained = any(line.strip() and not line.startswith(" ") and line != HEAD and line not in _CHAINS
                    for line in out)
    cleaned = []
    for index, line in enumerate(out):
        following = out[index + 1] if index + 1 < len(out) else ""
        if line == HEAD and not following.startswith("  ") and explained:
            continue
        cleaned.append(line)
    return cleaned


def split(text):
    """``text`` (a program's stderr, or several) as pieces: ``str`` for plain text, ``Traceback`` for each one."""
    lines = str(text if text is not None else "").replace("\r\n", "\n").split("\n")
    pieces, plain, index = [], [], 0
    while index < len(lines):
        line = lines[index]
        starts = line == HEAD or (_THREAD.match(line) and index + 1 < len(lines) and lines[index + 1] == HEAD)
        if not starts:
            plain.append(line)
            index += 1
            continue
        thread = ""
        if line != HEAD:
            thread, index = line, index + 1
        block, index = _block(lines, index)
        if plain:
            pieces.append("\n".join(plain))
            plain = []
        cleaned = clean_traceback(block)
        last = next((item for item in reversed(cleaned) if item.strip() and not item.startswith(" ") and item != HEAD),
                    "")
        pieces.append(Traceback(thread, "\n".join(cleaned), last))
    if plain:
        pieces.append("\n".join(plain))
    return pieces


def _block(lines, index):
    """The lines of the traceback starting at ``lines[index]`` (its heading), and the index after it."""
    block, chained = [], False
    while index < len(lines):
        line = lines[index]
        if line == HEAD or line.startswith(" ") or line in _CHAINS:
            chained = chained or line in _CHAINS
            block.append(line)
            index += 1
            continue
        if line == "" and _next_line(lines, index) in (_CHAINS + (HEAD,) if chained else _CHAINS):
            block.append(line)
            index += 1
            continue
        block.append(line)  # the exception line
        index += 1
        if _next_line(lines, index) not in _CHAINS:
            break
        chained = False
    return block, index


def _next_line(lines, index):
    """The next non-blank line from ``index`` on (within two lines), or ''."""
    for line in lines[index:index + 2]:
        if line.strip():
            return line
    return ""


def tracebacks_in(text):
    """The Traceback pieces of ``text``."""
    return [piece for piece in split(text) if isinstance(piece, Traceback)]


def exception_line(text):
    """The line that explains an error output: the last traceback's exception line, else its last line."""
    found = tracebacks_in(text)
    if found:
        return found[-1].exception
    lines = [line.strip() for line in short_paths(text).splitlines() if line.strip()]
    return lines[-1] if lines else ""


def clean_text(text):
    """``text`` with each traceback in it cleaned (student frames, short paths), the rest as it was."""
    return "\n".join(piece.shown if isinstance(piece, Traceback) else short_paths(piece) for piece in split(text))


@dataclass
class Errors:
    """What a report shows of a check's errors, each traceback once.

    ``received``: the received text, its tracebacks cleaned (they are shown there);
    ``tracebacks``: the other distinct tracebacks, with the threads that raised them;
    ``output``: the program output, each traceback replaced by its exception line and a pointer;
    ``stderr``: the transcript's error-output text -> what to show instead (the exception line).
    """

    received: str = ""
    tracebacks: list = field(default_factory=list)   # (Traceback, [thread headings])
    output: str = ""
    stderr: dict = field(default_factory=dict)


def check_errors(check, pointer="{exception} ↑"):
    """The ``Errors`` view of ``check`` (a CheckResult); ``pointer`` formats a traceback shown elsewhere."""
    details = check.details or {}
    errors = Errors()
    seen = {}

    def add(traceback):
        if traceback.text in seen:
            threads = seen[traceback.text]
            if traceback.thread and traceback.thread not in threads:
                threads.append(traceback.thread)
            return
        seen[traceback.text] = [traceback.thread] if traceback.thread else []
        errors.tracebacks.append((traceback, seen[traceback.text]))

    received = details.get("received")
    if received:
        for piece in tracebacks_in(received):
            seen.setdefault(piece.text, [])
        errors.received = clean_text(received)
    for raw in details.get("tracebacks") or []:
        for piece in tracebacks_in(raw) or [Traceback("", clean_text(raw).strip(), exception_line(raw))]:
            add(piece)
    output = []
    for piece in split(check.output or ""):
        if isinstance(piece, Traceback):
            add(piece)
            output.append(pointer.format(exception=piece.exception))
        else:
            output.append(short_paths(piece))
    errors.output = "\n".join(output)
    for event in check.transcript or []:
        kind = event.get("kind") if isinstance(event, dict) else getattr(event, "kind", "")
        text = event.get("text") if isinstance(event, dict) else getattr(event, "text", "")
        if kind == "stderr" and text and text not in errors.stderr:
            found = tracebacks_in(text)
            for piece in found:
                add(piece)
            errors.stderr[text] = (pointer.format(exception=found[-1].exception) if found
                                   else short_paths(text))
    # Tracebacks already inside the received text are shown there, not twice.
    errors.tracebacks = [(tb, threads) for tb, threads in errors.tracebacks
                         if not (received and tb.text in {p.text for p in tracebacks_in(received)})]
    return errors
