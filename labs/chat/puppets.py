"""Puppets: instances of the student's own client as chat members, driven through keyboard and screen.

For servers that speak a protocol of their own (JSON objects, length
prefixes, two connections, command words), the grader's robots cannot
talk; the student's client can.  A TA with three terminals grades such a
chat by typing into each client and reading its screen; a ``PuppetChat``
does the same, behind the interface the server checks use on robots
(``members.Chat``), so every scenario runs unchanged on either:

* a member joins by starting a client and typing its name at the client's
  first prompt; it says a line by typing it when the client asks for input;
  it leaves by typing the quit command or closing the keyboard (graceful),
  or by being killed (a reset);
* what a member "received" is what its screen shows since the mark, less
  the lines that only repeat what that member typed itself (a client's own
  echo "You: hi" is not the server's doing);
* pacing is the robots': after every action, wait until the server and
  every client are idle, and expectations end at quiescence (every thread
  of every program blocked for good, nothing in flight).
"""

import codecs
import time

from grader.drive.connection import Robot
from grader.drive.quiescence import Quiescence, Stillness
from grader.drive.stream import Outcome, Stream
from grader.drive.wait import Deadline, poll_until
from grader.i18n import lazy as _
from grader.model.failure import CheckFailed, trim

from .members import Chat


def own_lines(text, typed):
    """``text`` without the lines that hold a chat line the member typed itself (its client's echo)."""
    if not typed:
        return text
    kept = [line for line in text.split("\n") if not any(t in line for t in typed)]
    return "\n".join(kept)


class Puppet:
    """One chat member played by an instance of the student's client."""

    def __init__(self, name, program, transcript):
        self.name = name
        self.program = program
        self.transcript = transcript
        self.stream = Stream()
        self.typed = []  # chat lines typed (not the name): their echo is not the server's
        self.lines_typed = 0
        self.named = False
        self.closed_by_us = False
        self.spinners = set()
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        program.on_output = self._on_output

    def _on_output(self, stream, chunk):
        if stream == "stdout":
            self.stream.append(chunk)
            self.transcript.add(self.name, "recv", self._decoder.decode(chunk[:4096]))
        else:
            self.transcript.add(self.name, "stderr", chunk[:4096].decode("utf-8", "replace"))

    # -------------------------------------------------------------- the screen
    def mark(self):
        """Expectations from now on look only at what the screen shows after this point."""
        self.stream.mark()

    def received(self, since_mark=True):
        """What the screen shows (since the mark), without the member's own echoes."""
        return own_lines(self.stream.text(since_mark), self.typed)

    def segmented(self):
        return own_lines(self.stream.segmented(), self.typed)

    def pending(self):
        """Bytes the client printed that have not reached the screen yet."""
        return self.program.output_pending()

    @property
    def ending(self):
        """None while the client runs, "closed" once we ended it, "exit" if it ended by itself."""
        if self.closed_by_us:
            return "closed"
        if self.program.exit_code is not None and self.program.output_done():
            return "exit"
        return None

    @property
    def local_ports(self):
        """The client's end of each connection it made (a two-connection client has two)."""
        return [int(e["local"]) for e in self.program.events_of("connected") if e.get("local")]

    def wait_for(self, predicate, timeout, segmented=False, settled=None):
        """As ``Robot.wait_for``, on the screen: ends early when the client ended or nothing more can come."""
        typed = self.typed

        def on_screen(text, *more):
            return predicate(own_lines(text, typed), *(own_lines(m, typed) for m in more))

        def done():
            if self.ending == "exit":
                return "exit"
            return settled() if settled is not None else None

        outcome = self.stream.wait_for(on_screen, timeout, segmented=segmented, settled=done)
        return Outcome(outcome.ok, outcome.ending, outcome.waited_s, own_lines(outcome.received, typed))

    def wait_text(self, text, timeout, settled=None):
        return self.wait_for(lambda received: text in received, timeout, settled=settled)

    # ------------------------------------------------------------ the keyboard
    def asked(self):
        """How many times the client has asked for a line."""
        return len(self.program.events_of("input"))

    def wait_prompt(self, timeout):
        """Wait until the client asks for the next line (once more than lines typed so far)."""
        return self.program.wait_count("input", self.lines_typed, timeout)

    def type(self, line, chat_line=True):
        """Type ``line`` and Enter; False if the client no longer reads its keyboard."""
        self.transcript.add(self.name, "send", line + "\n")
        if chat_line and line.strip():
            self.typed.append(line.strip())
        self.lines_typed += 1
        try:
            self.program.proc.stdin.write((line + "\n").encode("utf-8"))
            self.program.proc.stdin.flush()
            return True
        except (BrokenPipeError, OSError, ValueError):
            self.transcript.add("grader", "note", _("{name}'s client no longer reads its keyboard").format(
                name=self.name))
            return False

    def close_keyboard(self):
        self.transcript.add(self.name, "close", _("closes the keyboard (Ctrl-D)"))
        try:
            self.program.proc.stdin.close()
        except OSError:
            pass

    def dispose(self):
        self.closed_by_us = True
        self.program.stop(grace=0.2)


class PuppetChat(Chat):
    """A chat whose members are puppets (the student's client), with the robots' expectations.

    ``start_client()`` starts one more instance of the student's client
    (connected to the server being graded) and returns its Program;
    ``quit_word`` is the client's quit command, or None (closing its
    keyboard then says goodbye).
    """

    def __init__(self, server, pod, transcript, timeouts, start_client, quit_word=None):
        super().__init__(server, pod, transcript, timeouts)
        self.start_client = start_client
        self.quit_word = quit_word
        self.bare = []  # connections that say nothing (a silent member whose client asks its name first)
        self.asks_first = None  # learnt from the first puppet: the client asks the name before connecting

    # -------------------------------------------------------------- pacing
    def _programs(self):
        return [p.program for p in self.robots if p.ending is None]

    def sent_counts(self):
        # The student's client sends, not the grader: no count of ours to compare the server's with.
        return {}

    def settled_check(self):
        """"quiet" once the server and every puppet are blocked for good (twice in a row, nothing run between)
        and no puppet's screen has output unread: nothing can happen before the next action."""
        programs = [(self.server.program, self.spinners)]
        programs += [(p.program, p.spinners) for p in self.robots if p.ending is None]
        stillness = Stillness(programs, also=lambda: not any(p.pending() for p in self.robots if p.ending is None)
                              and not self.on_the_wire())
        return lambda: "quiet" if stillness() else None

    def settle(self, timeout=None):
        """Wait until the server and every client are idle (busy loops found are left out from then on)."""
        timeout = self.timeouts["settle"] if timeout is None else timeout
        deadline = Deadline(timeout)
        idle = super().settle(timeout)
        for puppet in self.robots:
            if puppet.ending is None:
                quiescence = Quiescence(puppet.program, puppet.spinners)
                poll_until(quiescence, deadline.remaining())
        poll_until(lambda: not any(p.pending() for p in self.robots if p.ending is None), deadline.remaining())
        return idle

    def _mark_all(self):
        poll_until(lambda: not any(p.pending() for p in self.robots if p.ending is None), self.timeouts["settle"])
        for puppet in self.robots:
            puppet.mark()

    # ------------------------------------------------------------- actions
    def _launch(self, name):
        program = self.start_client()
        puppet = Puppet(name, program, self.transcript)
        self.transcript.add(name, "connect", _("starts your client"))
        return puppet

    def _wait_started(self, puppet):
        """Until the client asks for its first line or has connected; False if it ended or never did."""
        program = puppet.program

        def ready(events):
            return any(e.get("ev") in ("input", "connected") for e in events)

        program.wait_until(ready, self.timeouts["startup"])
        return program.alive() and bool(program.events_of("input") or program.events_of("connected"))

    def _crash(self, puppet, what):
        program = puppet.program
        crash = (program.events_of("crash") or [None])[-1]
        if crash:
            detail = _("{type}: {error} at {where}").format(type=crash.get("type"), error=crash.get("message"),
                                                            where=crash.get("where") or "?")
        elif program.exit_code is not None:
            detail = _("exit code {code}").format(code=program.exit_code)
        else:
            detail = _("no prompt and no connection within {s} s").format(s=self.timeouts["startup"])
        return CheckFailed(what.format(name=puppet.name) + " (" + detail + ").", who=puppet.name,
                           action=self.last_action, received=trim(program.stderr.tail_text(1500)) or None)

    def join(self, *names, settle_each=True):
        """Start a client per name, one after another, typing each name at its first prompt.

        Each join settles, whatever ``settle_each`` says (the robots' chat
        may skip settles): only a settle tells whether the server read what
        a client sent.

        Clients that ask for the name before they connect are started all
        at once (their interpreters start in parallel) and named in order;
        one that connects first is started only when its turn comes, so the
        order of the connections is the order of the names.
        """
        launched = {}
        if self.asks_first:
            launched = {name: self._launch(name) for name in names}
        try:
            return self._join_each(names, launched)
        finally:
            for puppet in launched.values():
                if puppet not in self.robots:
                    puppet.dispose()

    def _join_each(self, names, launched):
        joined = []
        for name in names:
            self._mark_all()
            puppet = launched.get(name) or self._launch(name)
            self.robots.append(puppet)
            self.last_action = _("{name} started your client and typed the name {name!r}").format(name=name)
            self.last_actor = name
            if not self._wait_started(puppet):
                raise self._crash(puppet, _("{name}'s client ended before it asked for a name"))
            if self.asks_first is None:
                self.asks_first = not puppet.program.events_of("connected")
            if not puppet.wait_prompt(self.timeouts["expect"]):
                raise self._crash(puppet, _("{name}'s client never asked for the name"))
            puppet.type(name, chat_line=False)
            puppet.named = True
            connected = puppet.program.wait_until(lambda events: any(e.get("ev") == "connected" for e in events),
                                                  self.timeouts["startup"])
            if not connected:
                raise self._crash(puppet, _("{name}'s client did not connect to the server"))
            self.settle()
            for port in puppet.local_ports:
                self.names_by_port[port] = name
            if any(self.server.program.unread_bytes(self.server.port, port) for port in puppet.local_ports):
                self.unread_names.append(name)
                self.transcript.add("grader", "note", _("the server did not read what {name}'s client sent").format(
                    name=name))
            joined.append(puppet)
        return joined[0] if len(joined) == 1 else joined

    def silent(self, name="silent"):
        """A member that starts its client and types nothing.

        A client that asks for the name before it connects would never
        connect: a bare connection that says nothing stands in for it.
        """
        self._mark_all()
        puppet = member = None
        if not self.asks_first:
            puppet = self._launch(name)
            self._wait_started(puppet)
        if puppet is not None and puppet.program.events_of("connected"):
            self.robots.append(puppet)
            member = puppet
            self.transcript.add("grader", "note", _("{name} starts your client and types nothing").format(name=name))
        else:
            if puppet is not None:
                puppet.dispose()
            member = Robot(name, self.pod.connect(self.server.host, self.server.port), self.transcript)
            self.bare.append(member)
            self.transcript.add("grader", "note", _(
                "{name} connects and stays silent (your client asks for the name before it connects)").format(
                    name=name))
        self.settle()
        return member

    def say(self, member, text):
        """``member`` types one chat line when its client asks for it; returns once all is idle again."""
        member.wait_prompt(self.timeouts["settle"])
        self._mark_all()
        self.last_action = _("{name} typed {text!r} into your client").format(name=member.name, text=text)
        self.last_actor = member.name
        member.type(text)
        self.settle()

    def leave(self, member, how="close"):
        """``member`` leaves: 'close' types the quit command (or closes the keyboard); 'reset' kills the client."""
        self._mark_all()
        self.last_actor = member.name
        program = member.program
        if how == "reset":
            self.last_action = _("{name}'s client process was killed").format(name=member.name)
            member.closed_by_us = True
            self.transcript.add(member.name, "reset", _("the client process is killed"))
            program.kill()
        else:
            # The client ends because we asked it to: no diagnosis of "the client exited" for it.
            if program.stop_requested_at is None:
                program.stop_requested_at = time.monotonic()
            if self.quit_word:
                self.last_action = _("{name} typed {word!r} into your client").format(
                    name=member.name, word=self.quit_word)
                member.wait_prompt(self.timeouts["settle"])
                member.type(self.quit_word, chat_line=False)
            else:
                self.last_action = _("{name} closed your client's keyboard (Ctrl-D)").format(name=member.name)
                member.close_keyboard()
            member.closed_by_us = True
            if program.wait_exit(self.timeouts["leave"], settled=Stillness([(program, ())])) is None:
                # A client that does not end is client.quits' business: here only the server is judged.
                self.transcript.add("grader", "note", _("{name}'s client did not end by itself: it is stopped").format(
                    name=member.name))
                program.stop(grace=0.2)
        program.wait_exit(self.timeouts["leave"])
        self.settle()

    def expect_open(self, member):
        """The member must still be in the chat: its client running (or, for a robot, its connection open)."""
        if isinstance(member, Puppet) and member.ending == "exit":
            raise self._crash(member, _("After the last action, {name}'s client ended by itself, though {name} did "
                                        "nothing wrong"))
        super().expect_open(member)

    def dispose(self):
        for puppet in self.robots:
            puppet.dispose()
        for robot in self.bare:
            robot.dispose()


def probe_puppets(chat):
    """Do two puppets chat on this server?  (ok, why not) — Alice and Bob join, Alice says a line, Bob shows it."""
    line = "hello from the probe"
    try:
        alice, bob = chat.join("Alice", "Bob")
        chat.say(alice, line)
        # No early end at quiescence here: this answer decides how the whole grading is done, and a
        # client that does not chat costs this wait once per session.
        outcome = bob.wait_text(line, chat.timeouts["expect"])
        if outcome:
            return True, None
        shown = outcome.received.strip()
        if shown:
            return False, _("Bob's client did not show Alice's line {line!r}; its screen showed {screen!r}").format(
                line=line, screen=trim(shown, 120))
        return False, _("Bob's client did not show Alice's line {line!r}; its screen stayed empty").format(line=line)
    except CheckFailed as failure:
        return False, failure.message
