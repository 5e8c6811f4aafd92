"""Pure functions that read a robot's received stream the way a person would.

Student servers have no common format, so these rules are deliberately
loose about wording (any language, any punctuation) and strict about the
one thing that matters: is the *name* part of a notice or of a message line,
rather than a bare relay of the text a robot typed?
"""

import re

from grader.model.failure import trim  # noqa: F401  (re-exported: the lab's modules read it here)

# Characters a server may put right after a name: "Bob: hi", "Bob joined", "[Bob]".
_GLUE = r"[ \t:,>\]\)\-\u2014\u2013!.]"


def normalize(text, names):
    """Undo one artefact of servers that keep the newline of the name line.

    A robot sends its name as "Bob\\n"; a server that does not strip it
    produces "Bob\\n: hi" or "Bob\\n joined the chat".  Gluing the name back
    to what follows lets the line rules below see one line, as a person
    reading the screen would.
    """
    for name in names:
        text = re.sub(re.escape(name) + r"\r?\n(?=" + _GLUE + ")", lambda m: name, text)
    return text


def _word(name):
    # A name counts only as a whole word: "roomBob" (a notice merged with a
    # relayed name) is not "Bob".
    return re.compile(r"(?<!\w)" + re.escape(name) + r"(?!\w)")


def notice_line(text, name, names=()):
    """The first line that announces ``name`` (joined or left), or None.

    A notice names the member *and says something else*: the line holds
    letters besides the name.  A line that is only the name is the robot's
    own name line relayed back as a chat message, which a server without
    names does; it earns no credit.
    """
    pattern = _word(name)
    for line in normalize(text, names or (name,)).splitlines():
        if pattern.search(line):
            rest = pattern.sub(" ", line)
            if len(re.findall(r"[^\W\d_]", rest)) >= 2:
                return line.strip()
    return None


def attribution_line(text, message, sender, names=()):
    """The first line carrying ``message`` together with ``sender``'s name, or None."""
    pattern = _word(sender)
    for line in normalize(text, names or (sender,)).splitlines():
        index = line.find(message)
        if index >= 0:
            outside = line[:index] + " " + line[index + len(message):]
            if pattern.search(outside):
                return line.strip()
    return None
