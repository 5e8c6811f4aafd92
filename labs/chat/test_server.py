"""Server checks of the chat lab.

Each test is one graded check: ``@check`` gives its stable id and what it
depends on, the docstring's first line is the title students see, and the
points are in lab.toml.  Robots are the grader's own socket clients; see
``members.py`` for how they join, talk and leave.
"""

import re

from grader.drive.quiescence import Stillness
from grader.engine.diagnose import creates_threads, where_stuck
from grader.engine.plugin import check, skip
from grader.i18n import lazy as _
from grader.model.failure import CheckFailed

HINT_BROADCAST = _(
    "Keep a list of connected clients (guarded by a threading.Lock) and send each received "
    "message to every client except the sender.")


@check("server.starts", hint=_("The server must start and call listen() without waiting for anything."))
def test_starts(server):
    """The server starts and listens"""
    assert server.port > 0


@check("server.accepts", depends="server.starts")
def test_accepts(chat):
    """A client connects and completes the handshake"""
    alice = chat.join("Alice")
    if "Alice" in chat.unread_names:
        raise CheckFailed(
            _("Alice connected and sent her name, but the server never read it within {s} s.").format(
                s=chat.timeouts["handshake"]) + where_stuck(chat.server.program),
            who="Alice", action=chat.last_action, received=alice.received(),
            hint=_("After accept(), read from the new client (in its own thread)."))
    chat.expect_open(alice)


@check("server.join_notice", depends="server.accepts",
       hint=_("When a client has sent its name, send the others a line such as '* Bob joined the chat'."))
def test_join_notice(chat):
    """Members already in the chat are told, by name, that someone joined"""
    alice, bob = chat.join("Alice", "Bob")
    chat.expect_notice(alice, "Bob", what=_("a notice that Bob joined"), speaker=bob)


@check("server.broadcast", depends="server.accepts", hint=HINT_BROADCAST)
def test_broadcast(chat):
    """A message reaches every other member"""
    alice, bob = chat.join("Alice", "Bob")
    chat.say(alice, "hello everyone")
    chat.expect_text(bob, "hello everyone")
    chat.say(bob, "nice to meet you")
    chat.expect_text(alice, "nice to meet you")


@check("server.attribution", depends="server.broadcast",
       hint=_("Prefix every relayed message with its sender's name on the server, e.g. 'Alice: hello', "
              "so that any client shows who is speaking."))
def test_attribution(chat):
    """Receivers can tell who sent a message"""
    alice, bob = chat.join("Alice", "Bob")
    chat.say(alice, "the weather is fine today")
    chat.expect_attribution(bob, "the weather is fine today", alice)
    chat.say(bob, "indeed it is")
    chat.expect_attribution(alice, "indeed it is", bob)


@check("server.multi_user", depends="server.broadcast",
       hint=_("Keep every client in one shared list and relay to all of them, not just to one partner."))
def test_multi_user(chat):
    """Five members all talk; everyone receives everyone else's messages"""
    members = chat.join("Alice", "Bob", "Carol", "Dave", "Erin")
    for number, speaker in enumerate(members, start=1):
        line = f"message number {number} of five"
        chat.say(speaker, line)
        for listener in members:
            if listener is not speaker:
                chat.expect_text(listener, line)


@check("server.concurrency", depends="server.broadcast",
       hint=_("Do the name handshake in the client's own thread, not in the accept loop: while the accept "
              "loop waits for one client's name, nobody else can join."))
def test_concurrency(chat):
    """A silent client blocks neither joins nor messages of the others"""
    chat.silent("Silent")
    alice = chat.join("Alice")
    if chat.unread_names:  # blocked already: no need to wait on every later step
        raise CheckFailed(
            _("While a silent client was connected, the server never read Alice's name: it waits for the "
              "silent client in one place for everyone (the name handshake is done in the accept loop).")
            + where_stuck(chat.server.program),
            who="Alice", action=chat.last_action, expected=_("the server reads Alice's name"),
            received=alice.received())
    bob = chat.join("Bob")
    chat.say(alice, "can anyone hear me")
    chat.expect_text(bob, "can anyone hear me")


@check("server.no_spin", depends="server.accepts",
       hint=_("recv() returns b'' forever once the client has closed: break out of the loop when it does, "
              "instead of calling recv() again."))
def test_no_spin(chat, lab):
    """The server does not burn CPU after a member leaves"""
    alice, bob = chat.join("Alice", "Bob")
    chat.leave(bob)
    window = float(lab.section("spin").get("window", 0.15))
    program = chat.server.program
    printed_before, empty_before = program.stdout.total + program.stderr.total, program.stdout.empty_lines
    # Every thread blocked for good, twice in a row with nothing run between: no loop can be going,
    # and none can start before something arrives (Bob is gone, Alice is silent).  Decided now.
    # Else the busy samples of that same window decide: a busy loop is measured while watched (one window).
    measured = program.busiest_thread(window, still=Stillness([(program, ())]))
    if measured is None:
        return
    share, used = measured
    if share > float(lab.section("spin").get("busy_share", 0.5)):
        printed = program.stdout.total + program.stderr.total - printed_before
        message = _("After Bob left, a thread of the idle server kept running (busy at {pct:.0f}% of the samples: "
                    "running, waiting for a core or printing; {cpu:.2f} s of CPU in {s:.1f} s).").format(
            pct=100 * share, cpu=used, s=window)
        if printed > 64 * 1024 and program.stdout.empty_lines - empty_before < 10:
            # Text, not empty lines: a loop that prints without end (not the recv() == b'' loop).
            message += " " + _("It printed {mb:.1f} MB meanwhile: a loop prints without end.").format(
                mb=printed / 1e6)
        elif any(program.eof_loops.values()):
            # The shim counted it: one thread read the closed connection over and over, here.
            where = next(where for where in program.eof_loops.values() if where)
            message += " " + _("A loop keeps going: it calls recv() at {where} again and again on the closed "
                               "connection, and gets b'' each time.").format(where=where)
        else:
            message += " " + _("A loop keeps going, most likely calling recv() that returns b'' forever.")
        raise CheckFailed(
            message,
            action=chat.last_action, expected=_("every thread blocked (in recv(), accept()...) while nothing happens"))


@check("server.unicode", depends="server.broadcast",
       hint=_("Decode and encode with UTF-8 everywhere (never 'ascii'): names and messages may be Cyrillic."))
def test_unicode(chat):
    """Cyrillic names and messages arrive intact"""
    alisa, boris = chat.join("Алиса", "Борис")
    chat.say(alisa, "Привет, как дела?")
    chat.expect_text(boris, "Привет, как дела?")
    chat.say(boris, "Всё хорошо, ёлки-палки!")
    chat.expect_text(alisa, "Всё хорошо, ёлки-палки!")


@check("static.threading",
       hint=_("Start a threading.Thread for every client (target=a function that serves that client)."))
def test_threading(submission, grading):
    """The server uses threading (a thread per client)"""
    if submission.server is None:
        skip(_("there is no server in the submission"))
    source = submission.source("server")
    found = creates_threads(source)
    runtime = sum(grading.thread_targets.values())
    if not found and re.search(r"\b(asyncio|selectors|select)\b", source):
        # It may serve everyone well (the behaviour checks say so); only the concurrency model differs.
        raise CheckFailed(
            _("The server serves its clients from one event loop (asyncio, select or selectors), not from a "
              "thread per client: the assignment asks for threading."),
            expected=_("threading.Thread(target=...) started for each client"),
            received=_("threads started at run time: {n}").format(n=runtime))
    if not found:
        raise CheckFailed(
            _("The server's code never creates a threading.Thread: one client at a time is served."),
            expected=_("threading.Thread(target=...) started for each client"),
            received=_("threads started at run time: {n}").format(n=runtime))
