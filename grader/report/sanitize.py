"""Make student-controlled text safe to show: no terminal control sequences."""

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def for_terminal(text):
    """Replace control characters (ANSI escapes, bidi overrides...) with visible placeholders."""
    return _CONTROL.sub(lambda m: "\N{REPLACEMENT CHARACTER}" if m.group() != "\x1b" else "^[", str(text))


def one_line(text, limit=100):
    text = " ".join(for_terminal(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
