"""Take the server and the client out of a Markdown (or plain-text) lab report.

Students hand in the report they wrote: headings such as "Сервер" or
"### Код task4_server.py", a bold "**client.py**", then the code in a fenced
or an indented block.  The report is parsed with a real Markdown parser
(markdown-it-py), each code block gets the text that introduces it, and the
blocks are written out as files so that they can be graded like a folder.
"""

import re
from dataclasses import dataclass
from pathlib import Path

from grader.errors import SubmissionError
from grader.i18n import lazy as _
from grader.intake.roles import role_score
from grader.model.submission import Submission

_FILENAME = re.compile(r"([\w\-.]+\.py)\b", re.UNICODE)
_PYTHON_LANGS = {"", "python", "py", "python3", "py3", "ipython", "pycon"}
_SERVER_WORDS = ("server", "сервер", "серв")
_CLIENT_WORDS = ("client", "клиент")


@dataclass(frozen=True)
class CodeBlock:
    code: str
    context: str      # the heading or paragraph just before the block
    line: int         # 1-based line of the report where the code starts
    lang: str

    def filename(self):
        match = _FILENAME.search(self.context)
        return match.group(1) if match else None


def code_blocks(text):
    """Every code block of a Markdown text, with the text that introduces it."""
    # Imported here: 17 ms at the start of every `grader check`, and most submissions are folders.
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").parse(text)
    blocks = []
    context = ""
    for index, token in enumerate(tokens):
        if token.type == "inline" and index > 0 and tokens[index - 1].type in ("heading_open", "paragraph_open"):
            context = re.sub(r"[*`]+", "", token.content).strip()
        elif token.type in ("fence", "code_block"):
            words = (token.info or "").split() if token.type == "fence" else []
            lang = words[0].lower() if words else ""
            start = token.map[0] + (2 if token.type == "fence" else 1) if token.map else 0
            blocks.append(CodeBlock(token.content, context, start, lang))
    return blocks


def _looks_like_python(code):
    return bool(re.search(r"^\s*(import|from|def|class|while|if)\b", code, re.MULTILINE))


def _role_score(block, role):

    name = block.filename() or ""
    context = block.context.lower()
    score = role_score(  # the same content rules as for folders
        Path(name or "block.py"), block.code, role)
    words, others = (_SERVER_WORDS, _CLIENT_WORDS) if role == "server" else (_CLIENT_WORDS, _SERVER_WORDS)
    if not name:  # "### Сервер", "**client**": the heading names the role
        score += 3 * any(word in context for word in words) - 3 * any(word in context for word in others)
    return score


def extract_programs(path, text, workdir, server=None, client=None):
    """Write the report's server (and client) into ``workdir``; return a Submission."""
    if workdir is None:
        raise SubmissionError(_("{path}: a lab report needs a folder to extract its code into").format(path=path))
    blocks = [b for b in code_blocks(text) if b.lang in _PYTHON_LANGS and _looks_like_python(b.code)]
    if not blocks:
        raise SubmissionError(_("{path}: no Python code blocks found in this report").format(path=path))
    chosen = {}
    for role, wanted in (("server", server), ("client", client)):
        candidates = [b for b in blocks if b not in chosen.values()]
        if wanted:
            named = [b for b in candidates if b.filename() == Path(wanted).name]
            if not named:
                raise SubmissionError(
                    _("{path}: no code block named {name} in this report").format(path=path, name=wanted))
            chosen[role] = named[0]
            continue
        ranked = sorted(candidates, key=lambda b: -_role_score(b, role))
        if ranked and _role_score(ranked[0], role) >= 4:
            chosen[role] = ranked[0]
    if not chosen:  # a report with only a client is graded like a folder with only a client
        raise SubmissionError(
            _("{path}: the report's code has neither a server (nothing calls bind/listen/accept) nor a client "
              "(nothing calls connect)").format(path=path))
    root = Path(workdir)
    root.mkdir(parents=True, exist_ok=True)
    files, notes = {}, []
    for role, block in chosen.items():
        name = block.filename() or f"{role}.py"
        if name in {f.name for f in files.values()}:
            name = f"{role}.py"
        target = root / name
        target.write_text(block.code, encoding="utf-8")
        files[role] = target
        notes.append(_extraction_note(role, name, block))
    return Submission(Path(path), root, files.get("server"), files.get("client"), "report", tuple(notes))


def _extraction_note(role, name, block):
    """Where the report's server (or client) was found, for the notes of the report."""
    if role == "server":
        note = _("The server ({name}) is the code block at line {line} of the report")
    else:
        note = _("The client ({name}) is the code block at line {line} of the report")
    note = note.format(name=name, line=block.line)
    context = " ".join(block.context.split())[:60]
    return note + (" " + _("(under \u201c{heading}\u201d)").format(heading=context) if context else "") + "."
