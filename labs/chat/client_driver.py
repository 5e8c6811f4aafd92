"""The student's client in a chat: started, named, typed into and read, as a person at a terminal would.

A robot already in the chat sends what the client must show and checks
what it sends; ``grader.drive.console.Terminal`` is the keyboard and screen.
"""

import contextlib
import re

from grader.drive.console import Terminal
from grader.drive.quiescence import Quiescence, Stillness
from grader.drive.wait import Deadline, poll_until
from grader.engine import diagnose
from grader.i18n import lazy as _
from grader.model.failure import CheckFailed, trim

QUIT_WORDS = ("/quit", "/exit", "quit", "exit", "/q", "bye", "выход", "/выход")


def quit_words(source, screen):
    """The quit command the client names (in its code or on its screen), most specific first."""
    found = []
    for word in QUIT_WORDS:
        quoted = re.compile(r"""['"]""" + re.escape(word) + r"""['"]""", re.IGNORECASE)
        if quoted.search(source or "") or quoted.search(screen or ""):
            found.append(word)
    return found


class ClientSession:
    """A robot already in the chat, the student's client joining it, and the checks' steps."""

    def __init__(self, chat, start_client, timeouts, server_label, name="Dora"):
        self.chat = chat
        self.start_client = start_client
        self.timeouts = timeouts
        self.server_label = server_label
        self.name = name
        self.terminal = None
        self.program = None
        self.line_server = False  # the server reads whole lines (the reference does)
        self.server_announces_names = True
        self.client_spinners = set()  # client threads found in a busy loop: left out of its settles
        self.client_never_settles = False

    @property
    def transcript(self):
        return self.chat.transcript

    def start(self):
        """Start the client; it must connect (typing the name if it asks first)."""
        self.program = self.start_client()
        self.terminal = Terminal(self.program, self.transcript)
        deadline = Deadline(self.timeouts["startup"])
        typed_name = False

        def connected_or_asking(events):
            kinds = {event.get("ev") for event in events}
            return "connected" in kinds or (not typed_name and "input" in kinds)

        while not self.program.events_of("connected"):
            if self.program.exit_code is not None:
                raise self._crashed(_("The client ended before it connected"))
            if not typed_name and self.terminal.inputs() > 0:
                # Some clients ask for the name before they connect.
                self.terminal.type(self.name)
                typed_name = True
            if deadline.expired():
                raise CheckFailed(
                    _("The client did not connect to the server within {s} s.").format(s=self.timeouts["startup"]),
                    expected=_("a connection to the chat server"), received=trim(self.terminal.screen(False)),
                    hint=_("The client must connect() at start-up (any address: the grader redirects it)."))
            self.program.wait_until(connected_or_asking, deadline.remaining())
        self.typed_name = typed_name
        self.transcript.add("grader", "note", _("the client connected to {server}").format(server=self.server_label))
        return self

    def login(self):
        """Start, and type the name at the first prompt, as a person would."""
        self.start()
        if not self.typed_name:
            if not self.terminal.wait_input(0, self.timeouts["expect"], settled=self.settled_check()):
                self._check_alive(_("The client never asked for input"))
            self.terminal.type(self.name)
        self.settle()
        return self

    def settled_check(self):
        """A ``settled`` callback: True once client and server are both blocked for good, nothing in flight.

        Then the client will neither print nor ask for input before our
        next keystroke, at any load: a wait for either is decided now.
        """
        return Stillness([(self.program, ()), (self.chat.server.program, self.chat.spinners)],
                         also=lambda: self.program.output_pending() == 0 and not self.chat.on_the_wire())

    def settle(self):
        """Wait until the client and the server are both idle, and the client waits at its keyboard again.

        An idle server alone says nothing of the client: on a loaded machine
        the client may not have been scheduled yet to read the line typed
        into it, and a server killed then would find the name still unsent
        (the client's recv() then fails with a reset, a verdict of the
        machine's load).  A client that reacts to what the server sent (a
        lockstep client printing the welcome) makes another round.
        """
        asked = self.terminal.inputs()
        for _round in range(4):  # bounded: client, server, client again settle in two rounds
            self._settle_client()
            ran = self._client_ran()
            self.chat.settle()
            if self._client_ran() == ran:
                break
        self.terminal.wait_input(asked - 1 if asked else 0, self.timeouts["settle"], settled=self.settled_check())
        self.chat.settle()

    def _settle_client(self):
        if not self.program.alive():
            return
        # A client that never went idle within a whole bound costs that bound once (as a server does).
        timeout = 0.2 if self.client_never_settles else self.timeouts["settle"]
        quiescence = Quiescence(self.program, self.client_spinners)
        if not poll_until(quiescence, timeout) and quiescence.outcome is None:
            self.client_never_settles = True

    def _client_ran(self):
        """Nanoseconds the client's threads have run so far (not those found spinning)."""
        return sum(ran for tid, (_running, ran, _held) in self.program.threads().items()
                   if tid not in self.client_spinners)

    def say(self, line):
        """Type a chat line into the client (waiting for its prompt first).

        Returns whether the client came back to its prompt afterwards, as
        a threaded client does at once; a lockstep client first waits for
        an answer from the server.
        """
        # At its prompt: it has asked for one line more than it was given.  Counted from the lines
        # typed, not from the prompts seen so far: the prompt that takes this line may still be an
        # event in the pipe, and counted after the typing it would pass for the client coming back
        # to its prompt (a lockstep client, blocked in recv(), then showed Alice's message: a false
        # pass under a batch's load).  The settled check counts what is in the pipe first.
        self.terminal.wait_input(self.terminal.typed, self.timeouts["settle"], settled=self.settled_check())
        self.chat._mark_all()
        self.chat.last_action = _("{name} typed {line!r} into the client").format(name=self.name, line=line)
        self.chat.last_actor = "client"
        asked = self.terminal.inputs()
        self.terminal.type(line)
        self.chat.settle()
        back = self.terminal.wait_input(asked, self.timeouts["expect"], settled=self.settled_check())
        self.chat.settle()
        return back

    @contextlib.contextmanager
    def explained(self):
        """Add what the client sent to a failure, when that explains it."""
        try:
            yield
        except CheckFailed as failure:
            note = self.protocol_note()
            if note and note not in failure.message:
                failure.message += " " + note
            raise

    def protocol_note(self):
        """Why a line-based server may never have seen the client's lines."""
        if self.program is None or not self.line_server:
            return ""
        sends = self.program.events_of("send")
        unended = [e.get("text", "") for e in sends if not e.get("text", "").endswith("\n")]
        if sends and len(unended) == len(sends):
            return _("The client sends lines without a newline (for example {text!r}); {server} reads whole "
                     "lines, as the recommended protocol says, so it is still waiting for the end of the "
                     "line.").format(text=unended[0], server=self.server_label)
        return ""

    def expect_screen(self, text, hint=None):
        ok, screen, waited = self.terminal.wait_screen(lambda s: text in s, self.timeouts["expect"],
                                                       settled=self.settled_check())
        if not ok:
            self.transcript.add("client", "miss", text)
            raise CheckFailed(
                _("After {action}, the client's screen did not show {text!r} within {s:.1f} s.").format(
                    action=self.chat.last_action, text=text, s=waited),
                who="client", sender=self.chat.last_actor, action=self.chat.last_action, expected=text,
                received=trim(screen) or None, waited_s=waited, hint=hint)
        self.transcript.add("client", "ok", _("shows {text!r}").format(text=text))

    def _check_alive(self, what):
        if self.program.exit_code is not None:
            raise self._crashed(what)

    def _crashed(self, what):
        # Its exit can be seen before its readers took its last words (the shim's crash event, the
        # traceback): under load the ImportError of msvcrt was missed once.  They end with the pipes.
        self.program.wait_output_done(1.0)
        crash = (self.program.events_of("crash") or [None])[-1]
        why_not = diagnose.cannot_run_here(self.program, crash, crash.get("where") or "?") if crash else None
        if why_not is not None:  # Python 2, a Windows-only module...: say that, in the student's terms
            return CheckFailed(why_not[0], received=trim(self.program.stderr.tail_text(1500)) or None,
                               hint=why_not[1], complete=True)
        if crash:
            detail = _("{type}: {error} at {where}").format(type=crash.get("type"), error=crash.get("message"),
                                                            where=crash.get("where") or "?")
        else:
            detail = _("exit code {code}").format(code=self.program.exit_code)
        return CheckFailed(what + " (" + detail + ").", received=trim(self.program.stderr.tail_text(1500)) or None,
                           complete=True)
