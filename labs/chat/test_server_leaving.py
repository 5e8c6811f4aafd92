"""Server checks of the chat lab, part 2: members leaving.

These run in a pytest session of their own, in parallel with the other
server checks (lab.toml's ``parallel``); their prerequisites (server.accepts,
server.broadcast) are applied when the sessions' results are merged.
"""

from grader.failures import CheckFailed
from grader.i18n import _
from grader.plugin import check


def _leave_check(chat, how):
    alice, bob = chat.join("Alice", "Bob")
    chat.leave(bob, how)
    try:
        chat.expect_notice(alice, "Bob", timeout=chat.timeouts["leave"], what=_("a notice that Bob left"))
    except CheckFailed as failure:
        # Is the notice merely late?  Servers that ignore recv() == b'' notice
        # a departure only when a later send to the departed client fails.
        chat.say(alice, "is anybody still here")
        try:  # say() returns once the server is idle: a late notice is there by now
            chat.expect_notice(alice, "Bob", timeout=chat.timeouts["silence"])
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
    alice, bob, carol = chat.join("Alice", "Bob", "Carol")
    chat.leave(bob)
    script = [(alice, "is the chat still working", carol), (carol, "yes it is", alice),
              (alice, "good to hear that", carol), (carol, "still here too", alice)]
    try:
        for speaker, line, listener in script:
            chat.say(speaker, line)
            chat.expect_text(listener, line)
            chat.expect_open(alice)
            chat.expect_open(carol)
        dave = chat.join("Dave")
        chat.say(dave, "hi all, I am new here")
        chat.expect_text(alice, "hi all, I am new here")
        chat.expect_text(carol, "hi all, I am new here")
        chat.say(alice, "welcome Dave")
        chat.expect_text(dave, "welcome Dave")
    except CheckFailed as failure:
        dropped = [r.name for r in (alice, carol) if r.ending in ("eof", "reset")]
        died = [e for e in chat.server.program.events_of("thread_exception")
                if e.get("type") in ("BrokenPipeError", "ConnectionResetError", "ConnectionAbortedError", "OSError")
                and chat.names_by_port.get(e.get("peer")) in ("Alice", "Carol")]
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


@check("server.no_spin", depends="server.accepts",
       hint=_("recv() returns b'' forever once the client has closed: break out of the loop when it does, "
              "instead of calling recv() again."))
def test_no_spin(chat, lab):
    """The server does not burn CPU after a member leaves"""
    alice, bob = chat.join("Alice", "Bob")
    chat.leave(bob)
    window = float(lab.spin["window"])
    used = chat.server.program.cpu_over(window)
    if used / window > float(lab.spin["cpu_fraction"]):
        raise CheckFailed(
            _("After Bob left, the idle server used {cpu:.2f} s of CPU in {s:.1f} s ({pct:.0f}% of a core): "
              "a loop keeps running, most likely calling recv() that returns b'' forever.").format(
                cpu=used, s=window, pct=100 * used / window),
            action=chat.last_action, expected=_("under {pct:.0f}% of a core while idle").format(
                pct=100 * float(lab.spin["cpu_fraction"])))
