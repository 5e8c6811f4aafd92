"""Pure functions that read a robot's received stream the way a person would.

Student servers have no common format, so these rules are deliberately
loose about wording (any language, any punctuation) and strict about the
one thing that matters: is the *name* part of a notice or of a message line,
rather than a bare relay of the text a robot typed?
"""

import re

from grader.drive.display import displayed
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
        text = re.sub(re.escape(name) + r"\r?\n(?=" + _GLUE + ")", lambda m, name=name: name, text)
    return text


def _word(name):
    # A name counts only as a whole word: "roomBob" (a notice merged with a
    # relayed name) is not "Bob".
    return re.compile(r"(?<!\w)" + re.escape(name) + r"(?!\w)")


# Words that locate a connection rather than say anything: a server that
# prefixes relays with the peer's address ("localhost:50312 Bob") has not
# announced Bob.  Digits and punctuation carry no letters anyway.
_ADDRESS = re.compile(r"(?i)\blocalhost\b|\b(?:\d{1,3}\.){3}\d{1,3}\b|\[?[0-9a-f]*::[0-9a-f:]*\]?")


def shape(line):
    """A relayed line's form with what varies per message blurred: digit runs (counters, ports) become 0."""
    return re.sub(r"\d+", "0", line.strip())


def relay_prefix(text, message):
    """What the server put before ``message`` when it relayed it, or None if ``message`` is not on a line.

    "Anonymous: hello" gives "Anonymous: "; a raw relay gives "".
    """
    for line in displayed(text).splitlines():
        index = line.find(message)
        if index >= 0 and not line[index + len(message):].strip():
            return line[:index]
    return None


def is_relay(line, name, prefixes):
    """Whether ``line`` is just one of the relay ``prefixes`` followed by ``name`` or by nothing.

    A server without names relays a robot's name line as a chat message, and a
    server that ignores recv() == b'' relays nothing with its prefix: neither
    is a notice, however often the name appears.
    """
    target = shape(line)
    for prefix in prefixes:
        if prefix is None:
            continue
        if target in (shape(prefix + name), shape(prefix)):
            return True
        # "Bob: Bob: Bob: " -- the same empty relay again and again.
        if prefix.strip() and re.fullmatch(r"(?:" + re.escape(shape(prefix)) + r"\s*)+", target):
            return True
    return False


def _strip_runs(text, form):
    text = re.sub(r"(?:" + form + r"[ \t]*)+(?=" + form + ")", "", text)
    return re.sub(form + r"[ \t]*(?=[\r\n]|\Z)", "", text)


def without_empty_relays(text, prefixes):
    """``text`` without the relays of nothing: each prefix of ``prefixes`` followed by no message.

    "Bob says: Bob says: Bob says: hi" keeps only "Bob says: hi".
    """
    for prefix in prefixes:
        if not prefix or not prefix.strip():
            continue
        bare = prefix.strip()
        form = re.escape(bare).replace(r"\ ", r"[ \t]*")
        cleaned = _strip_runs(text, form)
        if cleaned != text:
            # A flood of them: the stream may also begin or end inside one.
            for k in range(len(bare) - 1, 0, -1):
                if text.endswith(bare[:k]):
                    text = text[:-k]
                    break
            for k in range(len(bare) - 1, 0, -1):
                if text.startswith(bare[-k:]):
                    text = text[k:]
                    break
            cleaned = _strip_runs(text, form)
        text = cleaned
    return text


def notice_line(text, name, names=(), relays=()):
    """The first line that announces ``name`` (joined or left), or None.

    A notice names the member *and says something else*: the line holds
    letters besides the name (an address is no word).  A line that is only
    the name is the robot's own name line relayed back as a chat message,
    which a server without names does; it earns no credit.  Nor does a line
    that is one of ``relays`` (the prefixes that server puts before the
    member's ordinary messages) followed by the name or by nothing.
    """
    pattern = _word(name)
    for line in normalize(without_empty_relays(displayed(text), relays), names or (name,)).splitlines():
        if pattern.search(line):
            rest = _ADDRESS.sub(" ", pattern.sub(" ", line))
            if len(re.findall(r"[^\W\d_]", rest)) >= 2 and not is_relay(line, name, relays):
                return line.strip()
    return None


def ends_with_name(line, name):
    """Whether ``line`` ends with ``name``: the shape of a relayed name line ("Anonymous: Bob")."""
    return bool(re.search(r"(?<!\w)" + re.escape(name) + r"\W*$", line.strip()))


def empty_relays(text, name, prefixes=()):
    """How many times ``text`` holds a relay of nothing from ``name``: "Bob: " followed by no message.

    ``prefixes`` are the relay prefixes learnt for that member; without one,
    the name followed by a colon, ">" or "]" is taken as its prefix.
    """
    forms = [re.escape(p.strip()) for p in prefixes if p and p.strip()]
    forms.append(re.escape(name) + r"\s*[:>\]]")
    head = r"(?<!\w)(?:" + "|".join(forms) + r")[ \t]*"
    return len(re.findall(head + r"(?=[\r\n]|\Z|" + head + ")", displayed(text)))


def message_line(text, message, names=()):
    """The first line on which ``message`` arrived as a chat message, or None.

    The message must end its line, alone or after a sender's prefix
    ("Dora: hello", "[Dora] hello", "('127.0.0.1', 5000): hello"); inside
    another sentence ("* hello joined the chat") it is not a message.
    """
    for line in normalize(displayed(text), names).splitlines():
        index = line.rfind(message)
        if index < 0 or line[index + len(message):].strip():
            continue
        before = line[:index].rstrip()
        if not before or before[-1] in ":>])-|" or any(before.endswith(n) for n in names):
            return line.strip()
    return None


def attribution_line(text, message, sender, names=()):
    """The first line carrying ``message`` together with ``sender``'s name, or None."""
    pattern = _word(sender)
    for line in normalize(displayed(text), names or (sender,)).splitlines():
        index = line.find(message)
        if index >= 0:
            outside = line[:index] + " " + line[index + len(message):]
            if pattern.search(outside):
                return line.strip()
    return None


def sent_name(sends, name, chat_line=None):
    """How the client sent ``name``, judged from the texts it sent: "first", "every" or None.

    "first": a send before any chat line holds the name as a word (its first
    line, or a reply to the server's NICK).  "every": the name rides inside
    the chat line the user typed ("Dora: hello").
    """
    word = _word(name)
    for text in sends:
        if chat_line and chat_line in text:
            return "every" if word.search(text.replace(chat_line, " ")) else None
        if word.search(text):
            return "first"
    return None
