"""Checks of how the chat copes when someone leaves: a member (the server's side), the client, the server.

The server checks: a member who closes or resets its connection is
announced to the others, and the rest still talk.  The client checks: the student's client ends when told to
quit, and when the server goes away (each waits up to 2 s for the client
to end).  The setting of the client checks is test_client.py's: a robot
(Alice) in the chat, the student's client started and "Dora" typed at its
first prompt.

These run in a pytest session of their own, in parallel with the other
files (lab.toml's ``parallel``): the two halves together take about as long
as each of the other sessions, on the reference and on the seeds, whose
failures make the leave checks their slowest (``server.no_spin``, which a
spinning server fails slowly too, runs with test_server.py for that).
"""

import time

from grader.drive.quiescence import Spinning, Stillness
from grader.engine.diagnose import stuck_frames
from grader.engine.plugin import check
from grader.i18n import lazy as _
from grader.model.failure import CheckFailed
from grader.model.text import Text

from .client_driver import quit_words
from .matching import empty_relays, trim

QUIT_TIMEOUT = 2.0  # seconds a client may take to end (the catalogue says 2 s)


# --------------------------------------------------------- a member leaves (the server's side)


def _leave_check(chat, how):
    alice, bob = chat.join("Alice", "Bob")
    if "Bob" not in chat.unread_names:
        # How the server relays Bob's messages: after he left, a line of that
        # shape ("Bob: " for an empty read) is a relay, not a leave notice.
        chat.learn_relay(bob, alice, "see you all later")
    chat.leave(bob, how)
    try:
        chat.expect_notice(alice, "Bob", timeout=chat.timeouts["leave"], what=_("a notice that Bob left"))
    except CheckFailed as failure:
        # Is the notice merely late?  Servers that ignore recv() == b'' notice
        # a departure only when a later send to the departed client fails.
        chat.say(alice, "is anybody still here")
        try:  # say() returns once the server is idle: a late notice is there by now
            chat.expect_notice(alice, "Bob")
        except CheckFailed:
            raise failure from None
        failure.message = _(
            "The notice that Bob left came only after Alice sent another message, not when Bob left: the server "
            "noticed the departure only when sending to Bob failed.")
        failure.hint = _("recv() returning b'' means the client closed the connection: leave the loop, remove "
                         "the client and tell the others right away.")
        raise failure from None


@check("server.leave_notice", depends="server.accepts",
       hint=_("When recv() returns b'' the client has left: remove it and tell the others, e.g. "
              "'* Bob left the chat'."))
def test_leave_notice(chat):
    """When a member disconnects, the others are told promptly, by name"""
    _leave_check(chat, "close")


@check("server.leave_reset", depends="server.accepts",
       hint=_("A killed client resets the connection: recv() raises ConnectionResetError. Catch it "
              "(OSError) and handle it like a normal leave."))
def test_leave_reset(chat):
    """A member whose connection is reset (a killed client) is announced as gone too"""
    _leave_check(chat, "reset")


@check("server.survives_leave", depends="server.broadcast",
       hint=_("When a send to one client fails, remove *that* client; do not let the error end the thread "
              "of the member who is speaking."))
def test_survives_leave(chat):
    """After a member leaves, the others still talk and new members can join"""
    # Four members, the leaver second: a server that removes the dead client
    # inside the loop over the list skips the member after it (Carol).
    alice, bob, carol, dave = chat.join("Alice", "Bob", "Carol", "Dave")
    chat.learn_relay(bob, alice, "see you all later")  # the shape of Bob's relays: to spot empty ones later
    staying = [alice, carol, dave]
    # Counted from before the leave: a flood of empty relays can fill the streams while the leave settles.
    offsets = {r.name: len(r.received(since_mark=False)) for r in staying}
    chat.leave(bob)
    lines = ["is the chat still working", "yes it is", "I can hear you both",
             "good to hear that", "still here too", "me as well"]
    speakers = [alice, carol, dave, alice, carol, dave]
    try:
        for speaker, line in zip(speakers, lines, strict=False):
            # Empty relays, once there, decide this check whatever follows (they are looked for first on
            # any failure, and the streams only grow): said as soon as seen, not after rounds in a flood.
            _no_empty_relays(chat, staying, offsets)
            chat.say(speaker, line)
            _everyone_gets(chat, speaker, line, staying)
        erin = chat.join("Erin")
        chat.say(erin, "hi all, I am new here")
        _everyone_gets(chat, erin, "hi all, I am new here", staying)
        chat.say(alice, "welcome Erin")
        chat.expect_text(erin, "welcome Erin")
        _no_empty_relays(chat, staying, offsets)
    except CheckFailed as failure:
        _no_empty_relays(chat, staying, offsets)  # a flood of them explains any message lost after it
        dropped = [r.name for r in staying if r.ending in ("eof", "reset")]
        died = [e for e in chat.server.program.events_of("thread_exception")
                if e.get("type") in ("BrokenPipeError", "ConnectionResetError", "ConnectionAbortedError", "OSError")
                and chat.names_by_port.get(e.get("peer")) in ("Alice", "Carol", "Dave")]
        cause = ""
        if died:
            event = died[0]
            cause = " " + _("({type} at {where})").format(
                type=event.get("origin_type") or event.get("type"),
                where=event.get("origin_where") or event.get("where") or "?")
        if dropped:
            failure.message = _(
                "After Bob left, the server dropped {names}, who did nothing wrong: sending to the departed Bob "
                "failed inside the speaker's thread{cause}, and the server removed the speaker instead of Bob."
            ).format(names=" and ".join(dropped), cause=cause)
            failure.complete = bool(died)
        elif died:
            name = chat.names_by_port[died[0]["peer"]]
            failure.message = _(
                "After Bob left, {name} was dropped though {name} did nothing wrong: the thread serving {name} died "
                "while sending to the departed Bob{cause}, so {name}'s messages reach nobody any more."
            ).format(name=name, cause=cause)
            failure.complete = True
        raise


def _everyone_gets(chat, speaker, line, members):
    """Every member but ``speaker`` must receive ``line``; a member who alone missed it is named as such."""
    listeners = [m for m in members if m is not speaker]
    missed = [m for m in listeners if not m.wait_text(line, chat.timeouts["expect"], settled=chat.settled_check())]
    for member in listeners:
        chat.expect_open(member)
    if not missed:
        for member in listeners:
            chat.expect_text(member, line)
        return
    got = [m.name for m in listeners if m not in missed]
    try:
        chat.expect_text(missed[0], line)
    except CheckFailed as failure:
        if got:
            failure.message = _(
                "After Bob left, {name} did not receive {line!r} from {speaker}, though {others} did: the server "
                "skipped {name}. Removing the departed client from the list inside the loop that iterates over "
                "that list skips the member that comes after it.").format(
                    name=missed[0].name, line=line, speaker=speaker.name, others=", ".join(got))
            failure.hint = _("Iterate over a copy of the list (for c in list(clients)), and remove the dead "
                             "clients after the loop.")
            failure.complete = True
        raise


def _no_empty_relays(chat, members, offsets):
    """After Bob left, nothing but real messages: no relays of Bob's empty reads."""
    for member in members:
        stream = member.received(since_mark=False)[offsets[member.name]:]
        count = empty_relays(stream, "Bob", chat.relays.get("Bob", ()))
        if count >= 2:
            raise CheckFailed(
                _("After Bob left, the server kept sending {name} relays of nothing from Bob ({count} of them): "
                  "recv() returns b'' once Bob has closed the connection, and the server relayed that as a "
                  "message instead of removing Bob.").format(name=member.name, count=count),
                who=member.name, action=_("Bob closed its connection"),
                expected=_("only the messages the members sent"), received=trim(stream),
                hint=_("recv() returning b'' means the client has left: break out of its loop, remove it, and "
                       "relay nothing."), complete=True)


# ------------------------------------------------------------------------- the client ends


def will_not_end(program, also=lambda: True):
    """A ``settled`` callback: True once ``program`` is blocked for good (twice in a row, nothing run between).

    Such a client will not end by itself, at any load: its failure is
    decided then, not when QUIT_TIMEOUT runs out.  ``also``: a further
    condition (the killed server really gone).
    """
    return Stillness([(program, ())], also=lambda: also() and program.output_pending() == 0)


def _places(threads):
    """'recv_loop() at client.py:12, main() at client.py:30' (the first two), as a Text."""
    return Text.joined(", ", [_("{func}() at {where}").format(func=t["func"], where=t["where"]) for t in threads[:2]])


def _ended_cleanly(session, how):
    """Fail unless the client ended within QUIT_TIMEOUT, with no traceback."""
    program = session.program
    started = time.monotonic()
    code = program.wait_exit(QUIT_TIMEOUT, settled=will_not_end(program))
    waited = time.monotonic() - started
    if code is not None:
        program.wait_output_done(1.0)  # its last words may still be in the pipe
    errors = program.events_of("crash") + program.events_of("thread_exception")
    if errors:
        error = errors[0]
        detail = _("{type} at {where}").format(type=error.get("type"), where=error.get("where") or "?")
    else:
        detail = None
    if code is None:
        if waited < QUIT_TIMEOUT:  # decided early: every thread blocked for good
            message = _("After {how}, the client was still running, and nothing in it could end it any more: "
                        "every thread of it was blocked, waiting.").format(how=how)
        else:
            message = _("After {how}, the client was still running {s:.0f} s later.").format(how=how, s=QUIT_TIMEOUT)
        if detail:
            message += " " + _("It printed a traceback ({detail}).").format(detail=detail)
        threads = [t for t in stuck_frames(program.stacks(), program.root) if t["where"]]
        if threads:
            message += " " + _("Still running: {places}; a non-daemon thread keeps the program alive "
                               "(Thread(..., daemon=True), or end the program when input ends).").format(
                places=Text.joined(", ", [_("{func}() at {where}").format(func=t["func"], where=t["where"])
                                          for t in threads[:2]]))
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
    server = session.chat.server.program
    started = time.monotonic()
    # Decided early either way: every thread blocked for good (it will not end by itself), or a
    # thread in a busy loop (recv() returning b'' forever: what this check forbids, ending or not).
    blocked, spinning = will_not_end(program, also=lambda: not server.alive()), Spinning(program)
    code = program.wait_exit(QUIT_TIMEOUT, settled=lambda: blocked() or spinning())
    waited = time.monotonic() - started
    if code is None:
        cpu = program.cpu_seconds() - cpu_before
        printed = program.stdout.total - out_before
        empty = program.stdout.empty_lines - empty_before
        if spinning.found:
            message = _("After the server was killed, the client was still running {s:.1f} s later, and a thread "
                        "of it never stopped running.").format(s=waited)
        elif waited < QUIT_TIMEOUT:  # decided early: every thread blocked for good
            message = _("After the server was killed, the client was still running, and nothing in it could end "
                        "it any more: every thread of it was blocked, waiting.")
        else:
            message = _("After the server was killed, the client was still running {s:.0f} s later.").format(
                s=QUIT_TIMEOUT)
        if spinning.found or cpu > 0.1 * waited or empty > 10:
            # On a loaded machine a busy loop gets less than a core: the empty lines tell it too.
            message += " " + _("It used {pct:.0f}% of a CPU core: a busy loop (recv() returns b'' forever once "
                               "the server is gone).").format(pct=100 * cpu / max(waited, 1e-3))
        if empty > 10:
            message += " " + _("It printed {n} empty lines ({rate:.0f} bytes/s).").format(
                n=empty, rate=printed / max(waited, 1e-3))
        elif cpu <= 0.25 * waited:
            places = [t for t in stuck_frames(program.stacks(), program.root) if t["where"]]
            message += " " + _("Nothing in it noticed: it sat waiting{where}. A receiver thread would see "
                               "recv() return b'' and could end the program.").format(
                where=(" " + _("at {place}").format(place=_places(places))) if places else "")
        raise CheckFailed(message, action=session.chat.last_action,
                          received=session.terminal.screen()[:500] or None, waited_s=waited, complete=True)
    _ended_cleanly(session, _("the server was killed"))
    if not session.terminal.screen().strip():
        raise CheckFailed(_("After the server was killed, the client ended without a word: tell the user the "
                            "connection was closed."), action=session.chat.last_action, complete=True)
