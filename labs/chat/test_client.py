"""Client checks of the chat lab: the student's client, driven through its keyboard and screen.

A robot (Alice) is in the chat; the student's client is started, the name
"Dora" is typed at its first prompt, and lines are typed only when the
client asks for them.  The client talks to the student's own server when
that server passed server.accepts, else to the reference server.
"""

import pytest

from grader.diagnose import source_static, stuck_frames
from grader.failures import CheckFailed
from grader.i18n import _
from grader.matching import notice_line
from grader.plugin import check
from grader.terminal import quit_words

QUIT_TIMEOUT = 2.0  # seconds a client may take to end (the catalogue says 2 s)


@check("client.starts", hint=_("The client must connect to the server as soon as it starts (or right after "
                              "asking for the name)."))
def test_client_starts(client_session):
    """The client starts and connects"""
    client_session.start()


@check("client.sends_name", depends="client.starts",
       hint=_("Send the name the user typed to the server as the first message, before any chat line."))
def test_client_sends_name(client_session):
    """The name typed at the prompt reaches the server"""
    session = client_session
    if not session.server_announces_names:
        pytest.skip(_("this chat server does not announce names, so there is no name to check"))
    alice = session.chat.join("Alice")
    session.chat._mark_all()
    session.chat.last_action = _("the client started and 'Dora' was typed at its first prompt")
    session.login()
    try:
        session.chat.expect_notice(alice, session.name, what=_("a notice that Dora joined"))
    except CheckFailed as failure:
        session.say("hello everyone")
        stream = alice.received(since_mark=False)
        if notice_line(stream, "hello everyone"):
            failure.message = _("The client asked for a name but never sent it: the server took the first chat "
                                "line, 'hello everyone', as the name.")
        raise


@check("client.sends_lines", depends="client.starts",
       hint=_("Read lines with input() in a loop and send each one to the server."))
def test_client_sends_lines(client_session):
    """Lines typed on the keyboard reach the other members"""
    session = client_session
    alice = session.chat.join("Alice")
    session.login()
    session.say("hello from the keyboard")
    session.chat.expect_text(alice, "hello from the keyboard")


@check("client.shows_incoming", depends="client.starts",
       hint=_("input() blocks the thread that calls it. Receive in a second thread (threading.Thread running a "
              "recv() loop that prints), so messages appear while the user is still typing."))
def test_client_shows_incoming(client_session):
    """Messages from others appear while the client sits idle at its prompt"""
    session = client_session
    alice = session.chat.join("Alice")
    session.login()
    session.terminal.mark()
    session.chat.say(alice, "a message for Dora")
    try:
        session.expect_screen("a message for Dora")
    except CheckFailed as failure:
        if session.program.alive():
            failure.message += " " + _("The client was waiting for keyboard input meanwhile: without a receiver "
                                       "thread, nothing is shown until the user presses Enter.")
        raise


@check("client.unicode", depends="client.starts",
       hint=_("Encode what you send and decode what you receive with UTF-8."))
def test_client_unicode(client_session):
    """Cyrillic travels both ways"""
    session = client_session
    alice = session.chat.join("Alice")
    session.login()
    session.say("Привет всем, это Дора")
    session.chat.expect_text(alice, "Привет всем, это Дора")
    session.terminal.mark()
    session.chat.say(alice, "Привет, Дора! Ёлка зелёная")
    session.expect_screen("Привет, Дора! Ёлка зелёная")


def _ended_cleanly(session, how):
    """Fail unless the client ended within QUIT_TIMEOUT, with no traceback."""
    program = session.program
    code = program.wait_exit(QUIT_TIMEOUT)
    errors = program.events_of("crash") + program.events_of("thread_exception")
    if errors:
        error = errors[0]
        detail = _("{type} at {where}").format(type=error.get("type"), where=error.get("where") or "?")
    else:
        detail = None
    if code is None:
        message = _("After {how}, the client was still running {s:.0f} s later.").format(how=how, s=QUIT_TIMEOUT)
        if detail:
            message += " " + _("It printed a traceback ({detail}).").format(detail=detail)
        threads = [t for t in stuck_frames(program.stacks(), program.root) if t["where"]]
        if threads:
            message += " " + _("Still running: {places}; a non-daemon thread keeps the program alive "
                               "(Thread(..., daemon=True), or end the program when input ends).").format(
                places=", ".join(f"{t['func']}() at {t['where']}" for t in threads[:2]))
        raise CheckFailed(message, action=how, received=program.stderr.tail_text(1500).strip() or None,
                          complete=True)
    if detail:
        raise CheckFailed(_("After {how}, the client ended with a traceback: {detail}.").format(how=how, detail=detail),
                          action=how, received=program.stderr.tail_text(1500).strip() or None, complete=True)


@check("client.quits", depends="client.starts",
       hint=_("Catch EOFError around input() (Ctrl-D) and leave cleanly; make the receiver thread a daemon "
              "(or close the socket) so that nothing keeps the program alive."))
def test_client_quits(client_session, submission):
    """Closing the keyboard or typing the quit command ends the client within 2 s, without a traceback"""
    session = client_session
    session.chat.join("Alice")
    session.login()
    session.terminal.close_keyboard()
    _ended_cleanly(session, _("its keyboard was closed (Ctrl-D)"))
    words = quit_words(submission.source("client"), session.terminal.screen(since_mark=False)) or ["/quit"]
    session.program.stop()
    session.login()
    session.say(words[0])
    _ended_cleanly(session, _("{word!r} was typed").format(word=words[0]))


@check("client.server_gone", depends="client.starts",
       hint=_("When recv() returns b'' the server has closed the connection: say so, stop the receiver loop "
              "and end the program."))
def test_client_server_gone(client_session):
    """When the server goes away, the client says so and ends: no traceback, no busy loop"""
    session = client_session
    session.chat.join("Alice")
    session.login()
    program = session.program
    session.terminal.mark()
    cpu_before, out_before, empty_before = program.cpu_seconds(), program.stdout.total, program.stdout.empty_lines
    session.chat.server.program.kill()
    session.chat.last_action = _("the server process was killed")
    code = program.wait_exit(QUIT_TIMEOUT)
    if code is None:
        cpu = program.cpu_seconds() - cpu_before
        printed = program.stdout.total - out_before
        empty = program.stdout.empty_lines - empty_before
        message = _("After the server was killed, the client was still running {s:.0f} s later.").format(s=QUIT_TIMEOUT)
        if cpu > 0.25 * QUIT_TIMEOUT:
            message += " " + _("It used {pct:.0f}% of a CPU core: a busy loop (recv() returns b'' forever once "
                               "the server is gone).").format(pct=100 * cpu / QUIT_TIMEOUT)
        if empty > 10:
            message += " " + _("It printed {n} empty lines ({rate:.0f} bytes/s).").format(
                n=empty, rate=printed / QUIT_TIMEOUT)
        raise CheckFailed(message, action=session.chat.last_action,
                          received=session.terminal.screen()[:500] or None, complete=True)
    _ended_cleanly(session, _("the server was killed"))
    if not session.terminal.screen().strip():
        raise CheckFailed(_("After the server was killed, the client ended without a word: tell the user the "
                            "connection was closed."), action=session.chat.last_action, complete=True)


@check("static.client_threading",
       hint=_("Receive in a threading.Thread while the main thread reads the keyboard."))
def test_client_threading(submission):
    """The client uses threading (a receiver thread)"""
    if submission.client is None:
        pytest.skip(_("no client was found in the submission"))
    if not source_static(submission.source("client"), "threading"):
        raise CheckFailed(_("The client's code never creates a threading.Thread, so it cannot receive while it "
                            "waits for the keyboard."), expected=_("a receiver thread"))
