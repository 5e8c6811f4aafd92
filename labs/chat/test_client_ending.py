"""Client checks of the chat lab, part 2: how the client ends.

Each check waits up to 2 s for the client to end, so these run in a
pytest session of their own, in parallel with the other checks (lab.toml's
``parallel``).  The setting is the same as in test_client.py: a robot
(Alice) in the chat, the student's client started and "Dora" typed at its
first prompt.
"""

import time

from grader.drive.quiescence import Spinning, Stillness
from grader.engine.diagnose import stuck_frames
from grader.engine.plugin import check
from grader.i18n import lazy as _
from grader.model.failure import CheckFailed
from grader.model.text import Text

from .client_driver import quit_words

QUIT_TIMEOUT = 2.0  # seconds a client may take to end (the catalogue says 2 s)


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
