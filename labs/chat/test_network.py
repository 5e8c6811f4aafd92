"""Server checks of the chat lab, part 2: what real networks do.

TCP delivers a byte stream, not messages: two lines may come in one
segment and one line in several.  A member may stop reading; thirty may
come at once; the person running the server presses Ctrl-C.  The robots
here do these things on purpose (see ``network.py``), without sleeping:
each piece of a split line is sent once the server has read the one before.
"""

import os
import re
import time

import pytest

from grader.drive.quiescence import Stillness
from grader.engine.diagnose import stuck_frames
from grader.engine.plugin import check
from grader.i18n import lazy as _
from grader.model.failure import CheckFailed
from grader.model.text import Text

from .conftest import member_mode, skip_if_not_applicable
from .matching import normalize, trim
from .network import Flooder, NetworkChat, decoration, flood_lines, framed_line, send_buffer_limit

SHUTDOWN_TIMEOUT = 2.0  # seconds the server may take to end after Ctrl-C (the catalogue says 2 s)
SLOW_READER_TIMEOUT = 2.0  # seconds a message between the others may take while one member does not read
FLOOD_SECONDS = 10.0  # the most the flood may take to send (a server that reads nothing stops it sooner)
MEMBERS = 30


@pytest.fixture
def chat(server, pod, transcript, grading, peer_names, graded_by, request):
    """The ``chat`` of conftest.py, with the members of ``network.py`` (robots: these checks need their sockets)."""
    # A server with its own protocol (graded through its client): only server.shutdown runs here,
    # and it needs no members (the others do not apply).
    robots_talk = member_mode(grading)[0] == "robots" if server.kind == "tcp" else False
    skip_if_not_applicable(request, grading)
    session = NetworkChat(server, pod, transcript, grading.lab.timeouts)
    session.names_by_port = peer_names
    session.robots_talk = robots_talk
    if server.kind == "udp":
        graded_by(_("datagram robots"))
    else:
        graded_by(_("robots") if session.robots_talk else _("your client"))
    yield session
    session.dispose()
    grading.observe(server.program)


def _source_line(program, where):
    relative, _sep, number = where.rpartition(":")
    try:
        return (program.root / relative).read_text("utf-8", "replace").splitlines()[int(number) - 1].strip()
    except (OSError, ValueError, IndexError):
        return ""


def _places(program, frames, only=None):
    """'broadcast() at server.py:12 (`c.send(msg)`)' for each thread, optionally only lines matching ``only``."""
    found, seen = [], set()
    for frame in frames:
        line = _source_line(program, frame["where"])
        if (only is None or re.search(only, line)) and frame["where"] not in seen:
            seen.add(frame["where"])  # many threads waiting at one line: name it once
            found.append(_("{func}() at {where}").format(func=frame["func"], where=frame["where"])
                         + (f" (`{line}`)" if line else ""))
    return found


def _expect_framed(chat, robot, messages, shape, what, hint):
    """``robot`` must receive each of ``messages`` on a line of its own, decorated as ``shape``."""
    names = [r.name for r in chat.robots]

    def missing(text, segmented):
        return [m for m in messages
                if not (framed_line(text, m, shape, names) or framed_line(segmented, m, shape, names))]

    outcome = robot.wait_for(lambda text, segmented: not missing(text, segmented), chat.timeouts["expect"],
                             segmented=True, settled=chat.settled_check())
    expected = "\n".join(shape.replace("\0", m) for m in messages)
    if not outcome:
        chat._fail(robot, expected, outcome, chat._summary(robot, what, outcome), hint)
    chat.transcript.add(robot.name, "ok", _("received {text!r}").format(text=expected))


HINT_MERGED = _("TCP has no message boundaries: one recv() may hold several lines. Keep a buffer, split it at "
                "'\\n' and handle each complete line (sock.makefile('r').readline() does this for you).")
HINT_SPLIT = _("TCP has no message boundaries: one recv() may hold part of a line. Keep the bytes until the "
               "'\\n' arrives, then decode the whole line (sock.makefile('r', encoding='utf-8').readline() "
               "does this for you).")


@check("server.framing", depends="server.broadcast", hint=HINT_MERGED)
def test_framing(chat):
    """Two lines in one TCP segment are two messages; one line in pieces is one"""
    alice, bob = chat.join("Alice", "Bob")
    sample = "hello, how is everyone"
    chat.say(alice, sample)
    chat.expect_text(bob, sample)
    # What the server puts around a message ("Alice: ..." or nothing): each
    # line of the tests below must come decorated the same way.
    lines = normalize(bob.received(), [r.name for r in chat.robots]).splitlines() + bob.segmented().splitlines()
    line = next(x for x in lines if sample in x)
    shape = decoration(line, sample)
    chat.transcript.add("grader", "note", _("a message reaches Bob as {line!r}").format(line=line.strip()))

    first, second = "first of two lines", "second of two lines"
    chat.send_pieces(alice, [f"{first}\n{second}\n".encode()],
                     _("Alice sent two lines in one TCP segment ({data!r})").format(data=f"{first}\n{second}\n"))
    _expect_framed(chat, bob, [first, second], shape, _("two messages, each on a line of its own"), HINT_MERGED)

    whole = "one line sent in three pieces"
    pieces = [b"one line ", b"sent in ", b"three pieces\n"]
    chat.send_pieces(alice, pieces, _("Alice sent one line in three pieces ({pieces}), each once the server "
                                      "had read the one before").format(
        pieces=", ".join(repr(p.decode()) for p in pieces)))
    _expect_framed(chat, bob, [whole], shape, _("one message {text!r}").format(text=whole), HINT_SPLIT)

    text = "ёлка и жёлудь"
    data = (text + "\n").encode("utf-8")
    cut = data.index("ж".encode("utf-8")) + 1  # inside the two bytes of 'ж'
    chat.send_pieces(alice, [data[:cut], data[cut:]],
                     _("Alice sent {text!r} in two pieces, split inside the letter 'ж' (a UTF-8 character of "
                       "two bytes)").format(text=text))
    _expect_framed(chat, bob, [text], shape, _("one message {text!r}").format(text=text), HINT_SPLIT)


@check("server.slow_reader", depends="server.broadcast",
       hint=_("Never send to one client from another client's thread with a plain sendall(): give each client a "
              "queue and a writer thread of its own (or a send timeout after which that client is dropped), so "
              "that a client who stops reading stalls only its own writer."))
def test_slow_reader(chat):
    """A member who stops reading does not stop the others' chat"""
    program = chat.server.program
    sleepy = chat.silent_member("Sleepy")
    bob = chat.drain_member("Bob")
    flood = chat.drain_member("Flood", kind=Flooder)
    # More than the server's send buffer to Sleepy can hold: a server that
    # sends to Sleepy in Flood's thread gets stuck there, and Bob, who reads
    # everything, stops getting Flood's lines.  (Small messages of others
    # may still squeeze through a full buffer: the flood is the test.)
    data = flood_lines(int(1.5 * send_buffer_limit()) + 1024 * 1024)
    before = bob.received_bytes
    flood.start(data, FLOOD_SECONDS, listener=bob)
    chat.last_action = _("Sleepy stopped reading and Flood sent {n} lines ({kb} KB)").format(
        n=data.count(b"\n"), kb=len(data) // 1024)
    chat.last_actor = "Flood"
    # Bob must get (about) all of it: a relay may add names, or strip line ends.
    wanted = before + int(0.95 * len(data))
    started = time.monotonic()
    # Decided on evidence once nothing more can reach Bob: every server thread blocked for good, or
    # blocked sending to Sleepy (who never reads during this check), Bob's socket empty, and the
    # flood either all sent or refused by a server that reads no more of it.  A thread that wakes
    # by itself (socketserver's serve_forever() polls every 0.5 s) must have woken with nothing
    # else moving, as in every expectation (``timed``), and nothing on its way on the wire.  Else a quiet gap.
    drained = lambda: bob.pending() == 0 and flood.stalled() and not chat.on_the_wire()  # noqa: E731
    settled = Stillness([(program, chat.spinners, chat.tickers)], also=drained,
                        stuck_on={sleepy.local_port}, horizon=SLOW_READER_TIMEOUT, timed=True)
    if bob.wait_received(wanted, SLOW_READER_TIMEOUT, FLOOD_SECONDS, settled=settled):
        chat.transcript.add("Bob", "ok", _("received Flood's {kb} KB").format(kb=len(data) // 1024))
        return
    got = bob.received_bytes - before
    stuck = _places(program, stuck_frames(program.stacks(), program.root), only=r"\bsend")
    if bob.settled:
        message = _("While Sleepy was not reading, Flood's chat stopped reaching Bob: Bob received {got} KB of "
                    "Flood's {kb} KB, and nothing more could arrive: the server was blocked.").format(
            got=got // 1024, kb=len(data) // 1024)
    else:
        message = _("While Sleepy was not reading, Flood's chat stopped reaching Bob: Bob received {got} KB of "
                    "Flood's {kb} KB, then nothing for {s:.0f} s.").format(got=got // 1024, kb=len(data) // 1024,
                                                                          s=SLOW_READER_TIMEOUT)
    if stuck:
        message += " " + _("The server is stuck sending to Sleepy at {places}: one member who does not read "
                           "blocks the thread of whoever speaks.").format(places=Text.joined("; ", stuck[:2]))
    chat.transcript.add("Bob", "miss", _("the rest of Flood's lines"))
    raise CheckFailed(message, who="Bob", sender="Flood", action=chat.last_action,
                      expected=_("all {n} lines of Flood ({kb} KB)").format(n=data.count(b"\n"), kb=len(data) // 1024),
                      received=_("{got} KB, ending with {tail!r}").format(
                          got=got // 1024, tail=bob.last_bytes[-120:].decode("utf-8", "replace")),
                      waited_s=time.monotonic() - started, complete=bob.settled or bool(stuck))


@check("server.many_members", depends="server.multi_user",
       hint=_("Relay each message to every client in the shared list; do not cap the number of clients "
              "(listen() with a backlog, a thread per client)."))
def test_many_members(chat):
    """Thirty members at once: every message reaches all the others"""
    # Joined without a settle between two (what is judged is the messages after): thirty settles
    # would cost more than the rest of the check, and thirty times a server's sleep per newcomer.
    members = chat.join(*[f"member{n:02d}" for n in range(1, MEMBERS + 1)], settle_each=False)
    lines = {robot.name: f"hello from {robot.name}" for robot in members}
    chat.say_all(members, lines)
    for listener in members:
        wanted = [line for name, line in lines.items() if name != listener.name]
        outcome = listener.wait_for(lambda text, wanted=wanted: all(line in text for line in wanted),
                                    chat.timeouts["expect"], settled=chat.settled_check())
        if not outcome:
            absent = [line for line in wanted if line not in outcome.received]
            what = _("the messages of all {n} others").format(n=len(wanted))
            summary = _("With {n} members in the chat, {name} received {got} of the {count} messages of the "
                        "others; missing: {missing}.").format(
                n=MEMBERS, name=listener.name, got=len(wanted) - len(absent), count=len(wanted),
                missing=", ".join(line.removeprefix("hello from ") for line in absent[:5])
                + (" ..." if len(absent) > 5 else ""))
            chat._fail(listener, what, outcome, summary)
    chat.transcript.add("grader", "ok", _("each of {n} members received the messages of all the others").format(
        n=MEMBERS))


@check("server.shutdown", depends="server.accepts",
       hint=_("Ctrl-C raises KeyboardInterrupt in the main thread (usually inside accept()): catch it, close the "
              "listening socket and end; make the client threads daemons (Thread(..., daemon=True)) so that they "
              "do not keep the process alive."))
def test_shutdown(chat):
    """Ctrl-C ends the server within 2 s, without a traceback"""
    if chat.robots_talk:  # a chat going on, as when an operator presses Ctrl-C
        alice, bob = chat.join("Alice", "Bob")
        chat.say(alice, "time to close the chat")
    program = chat.server.program
    pressed = time.monotonic()
    code, stderr, errors = chat.interrupt(SHUTDOWN_TIMEOUT)
    waited = time.monotonic() - pressed
    received = trim(_student_traceback(stderr, program.root).strip(), 1500) or None
    if code is None:
        if waited < SHUTDOWN_TIMEOUT:  # decided early: every thread blocked for good
            message = _("After Ctrl-C, the server was still running, and nothing in it could end it any more: "
                        "every thread of it was blocked, waiting.")
        else:
            message = _("After Ctrl-C, the server was still running {s:.0f} s later.").format(s=SHUTDOWN_TIMEOUT)
        if errors or "Traceback (most recent call last)" in stderr:
            message += " " + _("It printed a traceback ({detail}).").format(detail=_detail(errors, stderr, program))
        places = _places(program, stuck_frames(program.stacks(), program.root))
        if places:
            message += " " + _("Still running: {places}; a thread that is not a daemon keeps the program alive."
                               ).format(places=Text.joined("; ", places[:2]))
        raise CheckFailed(message, action=chat.last_action, expected=_("the server ends within {s:.0f} s").format(
            s=SHUTDOWN_TIMEOUT), received=received, waited_s=waited, complete=True)
    if errors or "Traceback (most recent call last)" in stderr:
        raise CheckFailed(_("After Ctrl-C, the server ended with a traceback: {detail}.").format(
            detail=_detail(errors, stderr, program)), action=chat.last_action,
            expected=_("the server ends quietly"), received=received, complete=True)
    chat.transcript.add("server", "ok", _("ended after Ctrl-C (exit code {code})").format(code=code))


def _student_traceback(stderr, root):
    """``stderr`` with only the student's frames in tracebacks, their paths relative to the submission."""
    root = os.path.realpath(str(root)) + os.sep
    kept, keep = [], True
    for line in stderr.splitlines():
        frame = re.match(r'(\s*)File "([^"]+)"(.*)', line)
        if frame:
            path = os.path.realpath(frame[2])
            keep = path.startswith(root)
            if keep:
                kept.append(f'{frame[1]}File "{os.path.relpath(path, root)}"{frame[3]}')
        elif not line.startswith(" "):
            keep = True  # "Traceback ...", the exception line, the program's own output
            kept.append(line)
        elif keep:
            kept.append(line)  # the source line (and carets) of a kept frame
    return "\n".join(kept)


def _detail(errors, stderr, program):
    """'KeyboardInterrupt at server.py:40' from a crash event or the traceback's last student frame."""
    if errors:
        return _("{type} at {where}").format(type=errors[0].get("type"), where=errors[0].get("where") or "?")
    root = os.path.realpath(str(program.root)) + os.sep
    where = None
    for match in re.finditer(r'File "([^"]+)", line (\d+)', stderr):
        path = os.path.realpath(match[1])
        if path.startswith(root):
            where = f"{os.path.relpath(path, root)}:{match[2]}"
    kind = re.findall(r"^(\w+(?:Error|Interrupt|Exception)\w*)", stderr, re.M)
    return _("{type} at {where}").format(type=kind[-1] if kind else "Traceback", where=where or "?")
