"""Client checks of the chat lab: the student's client, driven through its keyboard and screen.

A robot (Alice) is in the chat; the student's client is started, the name
"Dora" is typed at its first prompt, and lines are typed only when the
client asks for them.  The client talks to the student's own server when
that server passed server.accepts, else to the reference server.
"""


from grader.engine.diagnose import creates_threads
from grader.engine.plugin import check, skip
from grader.i18n import lazy as _
from grader.model.failure import CheckFailed

from .matching import notice_line, sent_name, trim


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
    alice = session.chat.join("Alice")
    session.chat._mark_all()
    session.chat.last_action = _("the client started and 'Dora' was typed at its first prompt")
    session.chat.last_actor = "client"  # a missing notice is drawn from the client, not from Alice
    session.login()
    # Judged from what the client sent (the shim reports every send), whatever the server does with it.
    # Until it is sent, or the client and the server are blocked for good with nothing in flight.
    if session.program.wait_until(lambda events: sent_name(_sends(events), session.name),
                                  session.timeouts["expect"], settled=session.settled_check()):
        session.transcript.add("grader", "note", _("the client sent the name {name!r}").format(name=session.name))
        return
    line = "hello everyone"
    session.say(line)
    sends = _sends(session.program.events)
    how = sent_name(sends, session.name, line)
    if how:
        session.transcript.add("grader", "note", _("the client sends the name {name!r} with every message").format(
            name=session.name))
        return
    if not sends:  # the shim saw no send at all (not a Python socket): fall back on what the server says
        if not session.server_announces_names:
            skip(_("the client's sends could not be seen and this chat server does not announce names"))
        with session.explained():
            session.chat.expect_notice(alice, session.name, what=_("a notice that Dora joined"))
        return
    message = _("The client asked for a name but never sent it ({name!r}) to the server: it sent only {sent}.").format(
        name=session.name, sent=", ".join(repr(t) for t in sends[:3]))
    # The server is idle by now, but its notice may still sit in Alice's socket, not yet taken by her
    # reader (a fresh-clone run of the suite once lost this sentence so).
    session.chat.drain()
    if notice_line(alice.received(since_mark=False), line):
        message += " " + _("The server took the first chat line, 'hello everyone', as the name.")
    raise CheckFailed(message, who="client", action=session.chat.last_action,
                      expected=_("the name {name!r} sent before the first chat line").format(name=session.name),
                      received=trim(" ".join(sends)), complete=True)


def _sends(events):
    return [e.get("text", "") for e in events if e.get("ev") == "send"]


@check("client.sends_lines", depends="client.starts",
       hint=_("Read lines with input() in a loop and send each one to the server."))
def test_client_sends_lines(client_session):
    """Lines typed on the keyboard reach the other members"""
    session = client_session
    alice = session.chat.join("Alice")
    session.login()
    session.say("hello from the keyboard")
    with session.explained():
        try:
            session.chat.expect_message(alice, "hello from the keyboard", sender=session.name)
        except CheckFailed:
            if "hello from the keyboard" not in alice.received():
                raise
            # Arrived, but inside another line ("* hello from the keyboard joined"): the server took
            # it as the name (client.sends_name says so).  The next line must then come as a message.
            session.say("and a second line")
            session.chat.expect_message(alice, "and a second line", sender=session.name)


@check("client.shows_incoming", depends="client.starts",
       hint=_("input() blocks the thread that calls it. Receive in a second thread (threading.Thread running a "
              "recv() loop that prints), so messages appear while the user is still typing."))
def test_client_shows_incoming(client_session):
    """Messages from others appear while the client sits idle at its prompt"""
    session = client_session
    alice = session.chat.join("Alice")
    session.login()
    # As a person would: say something first (a client whose name never
    # reached the server is in the chat after its first line), then sit idle.
    if not session.say("hi everyone"):
        raise CheckFailed(
            _("After a line was typed and sent, the client did not come back to its prompt within {s} s: it waits "
              "for an answer from the server before the user may type again (send, then receive, in one "
              "loop). Without a receiver thread, messages from others cannot appear while the user "
              "types.").format(s=session.timeouts["expect"]),
            action=session.chat.last_action, received=session.terminal.screen() or None,
            hint=_("Receive in a separate thread, so that sending and receiving do not wait for each other."))
    session.terminal.mark()
    session.chat.say(alice, "a message for Dora")
    with session.explained():
        try:
            session.expect_screen("a message for Dora")
        except CheckFailed as failure:
            if session.program.alive() and session.terminal.inputs():
                failure.message += " " + _("The client was waiting for keyboard input meanwhile: without a "
                                           "receiver thread, nothing is shown until the user presses Enter.")
            raise


@check("client.unicode", depends="client.starts",
       hint=_("Encode what you send and decode what you receive with UTF-8."))
def test_client_unicode(client_session):
    """Cyrillic travels both ways"""
    session = client_session
    alice = session.chat.join("Alice")
    session.login()
    session.say("Привет всем, это Дора")
    with session.explained():
        session.chat.expect_text(alice, "Привет всем, это Дора")
        session.terminal.mark()
        session.chat.say(alice, "Привет, Дора! Ёлка зелёная")
        session.expect_screen("Привет, Дора! Ёлка зелёная")


@check("static.client_threading",
       hint=_("Receive in a threading.Thread while the main thread reads the keyboard."))
def test_client_threading(submission):
    """The client uses threading (a receiver thread)"""
    if submission.client is None:
        skip(_("no client was found in the submission"))
    if not creates_threads(submission.source("client")):
        raise CheckFailed(_("The client's code never creates a threading.Thread, so it cannot receive while it "
                            "waits for the keyboard."), expected=_("a receiver thread"))
