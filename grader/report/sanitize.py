"""Make student-controlled text safe to show: no terminal control sequences, no invalid characters.

Every renderer passes what the student's programs produced through one of
these first; each output format then applies its own escaping (HTML, XML,
Markdown) on top.
"""

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
# XML 1.0 forbids these even as character references: a JUnit file that holds
# one is rejected whole by the CI that reads it.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
REPLACEMENT = "\N{REPLACEMENT CHARACTER}"


_SURROGATE = re.compile("[\ud800-\udfff]")


def valid_unicode(text):
    """``text`` as a string that encodes to UTF-8: lone surrogates become U+FFFD, NUL too."""
    text = str(text if text is not None else "")
    return _SURROGATE.sub(REPLACEMENT, text).replace("\x00", REPLACEMENT)


def for_terminal(text):
    """Replace control characters (ANSI escapes, bidi overrides...) with visible placeholders."""
    return _CONTROL.sub(lambda m: REPLACEMENT if m.group() != "\x1b" else "^[", valid_unicode(text))


def for_xml(text):
    """Text every XML 1.0 parser accepts; tabs and line breaks are kept, ESC shows as ^[."""
    return _NOT_XML.sub(lambda m: "^[" if m.group() == "\x1b" else REPLACEMENT, valid_unicode(text))


def one_line(text, limit=100):
    """``text`` cleaned, on one line, cut at ``limit`` characters with an ellipsis."""
    text = " ".join(for_terminal(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def clean_data(value):
    """A JSON-able structure with every string made valid Unicode (lone surrogates cannot be written)."""
    if isinstance(value, str):
        return valid_unicode(value)
    if isinstance(value, dict):
        return {clean_data(key): clean_data(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean_data(item) for item in value]
    return value
