"""A scripted chat session: robots joining, talking and leaving, paced like people.

Pacing is what makes grading reliable.  After every line a robot sends, the
session waits until the server has *read* it (the shim reports each recv();
``grader.isolation.procfs`` is the fallback) and has *gone idle* (none of its threads
running, twice in a row).  So a server that reads with ``recv(1024)`` sees
each line in its own chunk, and an expectation starts only once the server
has done all it was going to do.  Both are waits on a condition with a
deadline; a server that reads nothing or spins forever just costs the
deadline.
"""

from grader.drive.connection import Robot
from grader.drive.display import displayed
from grader.drive.quiescence import Quiescence, Stillness, end_earliest_sleep, sleepers, sleeping_beyond
from grader.drive.wait import Deadline, poll_until
from grader.i18n import lazy as _
from grader.model.failure import CheckFailed

from .matching import (
    attribution_line,
    empty_relays,
    ends_with_name,
    is_relay,
    message_line,
    notice_line,
    relay_prefix,
    trim,
)

SLEEP_WAIT = 1.0  # seconds a settle waits for a sleeping thread to wake (a "sleep before relaying" is shorter)
# CPU a thread found spinning is given after the others went idle, to react to what the action changed.
SPIN_TURN_NS = 2_000_000


class Chat:
    """Robots in a chat served by the student's server, and the expectations on them."""

    def __init__(self, server, pod, transcript, timeouts):
        self.server = server
        self.pod = pod
        self.transcript = transcript
        self.timeouts = timeouts
        self.robots = []
        self.names_by_port = {}
        self.last_action = _("the session started")
        self.last_actor = None  # who did the last action: a failure's arrow starts there
        self.unread_names = []
        self.spinners = set()  # server threads found in a busy loop
        self.tickers = set()  # server threads that sleep, wake and sleep again (a heartbeat)
        self.never_settles = False  # a settle ran out its whole bound: later ones are short
        self.noted_spin = False
        self.relays = {}  # member name -> prefixes the server put before that member's relayed messages

    # -------------------------------------------------------------- pacing
    def wait_read(self, robot, timeout=None):
        """Wait until the server has read everything ``robot`` sent; False on deadline."""
        timeout = self.timeouts["handshake"] if timeout is None else timeout
        program = self.server.program
        # Blocked for good twice in a row: what it has not read by now, it never will.
        settled = Stillness([(program, self.spinners, self.tickers)], horizon=timeout)

        if program.wait_read(robot.local_port, robot.sent_bytes, timeout, settled=settled):
            return True
        # Not seen by the shim: maybe read some other way; ask the kernel.
        return program.unread_bytes(self.server.port, robot.local_port) in (0, None) and program.alive()

    def settle(self, timeout=None):
        """Wait until the server is idle: none of its threads running, but those found spinning.

        A thread found spinning (a busy loop) is remembered and left out of
        later settles, so a server with a busy loop is still paced properly.
        """
        timeout = self.timeouts["settle"] if timeout is None else timeout
        if self.never_settles:  # it never went idle within a whole bound: it costs that bound once, not each time
            timeout = min(timeout, 0.2)
        deadline = Deadline(timeout)
        program = self.server.program
        asleep = None  # the sleeping threads when the server first went idle, and how long they had run
        while True:
            quiescence = Quiescence(program, self.spinners)
            poll_until(quiescence, deadline.remaining())
            if quiescence.outcome != "idle" or deadline.expired():
                break
            # A thread in time.sleep() will act when it wakes (a server that sleeps before it relays,
            # "so that messages do not merge"): wait until each has woken once.  One that wakes and
            # sleeps again, over and over, is a ticker (a heartbeat): it is not waited for again.
            now = sleepers(program, self.spinners | self.tickers)
            asleep = now if asleep is None else asleep
            unwoken = [tid for tid, ran in now.items() if asleep.get(tid, ran) == ran]
            self.tickers.update(tid for tid, ran in now.items() if asleep.get(tid, ran) != ran)
            # One whose deadline can be read, and is further than this wait and the next expectation
            # together (a child that lingers a minute, a long timer), is not waited for at all: what it
            # does on waking could not be seen in time anyway, so the verdicts are those of a wait.
            far = sleeping_beyond(program, unwoken, SLEEP_WAIT + self.timeouts["expect"])
            self.tickers.update(far)
            unwoken = [tid for tid in unwoken if tid not in far]
            if not unwoken:
                break
            bound = Deadline(min(deadline.remaining(), SLEEP_WAIT))
            skipped = [0.0]

            def woke(unwoken=unwoken, asleep=asleep, bound=bound, skipped=skipped):
                now = sleepers(program, self.spinners | self.tickers)
                if any(now.get(tid) != asleep[tid] for tid in unwoken):
                    return True
                # Nothing else of the server can act before its earliest sleep ends: end it now,
                # counted against this wait's bound as if waited out (see quiescence.warpable).
                if not self.on_the_wire():
                    skipped[0] += end_earliest_sleep(program, self.spinners,
                                                     bound.remaining() - skipped[0])
                return False

            if not poll_until(woke, bound.remaining()):
                # A long sleeper (a timer, a child process that lingers) is not a reaction to our
                # action: once waited for, it is not waited for again.
                self.tickers.update(unwoken)
        if quiescence.outcome == "idle" and self.spinners:
            self._spinners_take_a_turn(program, deadline)
        if quiescence.outcome is None and deadline.expired():
            self.never_settles = True
        if quiescence.outcome == "spinning" and not self.noted_spin:
            self.noted_spin = True
            self.transcript.add("grader", "note", _("a thread of the server keeps running (a busy loop?)"))
        return quiescence.outcome == "idle"

    def _spinners_take_a_turn(self, program, deadline):
        """Let each thread found spinning run ``SPIN_TURN_NS`` of CPU after the others went idle.

        A spinner is left out of idleness, yet it reacts to what the action
        changed: seed 001's spins on b'' sending b'' to everyone, and once a
        relay to the departed Bob drew a reset, its next send fails and its
        except removes Bob.  On a loaded machine it may not have run at all
        by the time the others are idle; the next member's relay to Bob then
        failed first and the server dropped that member (2 flips in 20 of
        server.survives_leave).  CPU time, not wall time: the same share of
        its loop at any load, and about 2 ms on a quiet machine.  A spinner
        that stopped (blocked, or ended) has had its turn.
        """
        def run_times():
            return {tid: (running, ran) for tid, (running, ran, _held) in program.threads().items()
                    if tid in self.spinners}

        start = run_times()
        seen = dict(start)

        def turned():
            now = run_times()
            done = all(tid not in now or now[tid][1] - ran >= SPIN_TURN_NS
                       or (not now[tid][0] and now[tid][1] == seen[tid][1]) for tid, (_running, ran) in start.items())
            seen.update(now)
            return done

        poll_until(turned, deadline.remaining())

    def settled_check(self):
        """A ``settled`` callback for the robots' waits: "quiet" once nothing can arrive any more.

        That is: every server thread (but those found spinning) is blocked
        in a wait without a timeout, nothing waits unread in the server's
        sockets or in any robot's, twice in a row.  Then the outcome of an
        expectation cannot change before our next action, at any load: a
        failure is decided now, not when the deadline runs out.

        A server thread the settles found ticking (a heartbeat, a poll
        loop), or one in a wait with a timeout (select() or accept() with a
        timeout, to look again), may wait meanwhile, once it has woken
        twice with nothing else moving: "ticking".  A failure decided so is
        not graded again (see ``Stillness``): no load changes it.
        """
        stillness = Stillness([(self.server.program, self.spinners, self.tickers)], also=self._nothing_unread,
                              horizon=self.timeouts["expect"], timed=True)
        return lambda: stillness.reason if stillness() else None

    def _nothing_unread(self):
        """No robot's reader has bytes left to take from its socket, and none are on their way to or from the server.

        Then what the server sent is in the streams.  Bytes on the wire (the
        kernel's, moved without any thread of either end running) are asked
        last: reading the connection table costs more than the rest.
        """
        return not any(r.pending() for r in self.robots if not r.closed_by_us) and not self.on_the_wire()

    def on_the_wire(self):
        """Bytes the kernel still delivers over the server's connections (see ``procfs.in_flight``)."""
        return self.server.program.bytes_in_flight(self.server.port, self.sent_counts())

    def sent_counts(self):
        """{member's port: bytes it sent}: what the server's own read counts are compared with."""
        return {r.local_port: r.sent_bytes for r in self.robots if r.sent_bytes}

    def drain(self):
        """Wait until every open robot's reader has taken what reached its socket (bounded by the settle)."""
        open_robots = [r for r in self.robots if not r.closed_by_us]
        poll_until(lambda: all(r.pending() == 0 for r in open_robots), self.timeouts["settle"])

    def _mark_all(self):
        # What the server sent for earlier actions may still sit in a robot's
        # socket (its reader not scheduled yet, on a loaded machine): let the
        # readers take it first, so it is not mistaken for a reaction to the
        # next action.
        self.drain()
        for robot in self.robots:
            robot.mark()

    # ------------------------------------------------------------- actions
    def connect(self, name):
        """A robot connected to the server that has not said anything yet."""
        self._unless_no_one_accepts(name)
        try:
            sock = self.pod.connect(self.server.host, self.server.port)
        except OSError as exc:
            # Timed out (the pod's init reports it as refused): the same words as when known before.
            self._unless_no_one_accepts(name)
            self.transcript.add(name, "note", _("could not connect: {error}").format(error=exc))
            if isinstance(exc, ConnectionRefusedError) and self.server.alive():
                # Refused by a server that still runs: most often one on its way out (its main
                # thread died, and the exit has not reached us yet).  Its end, and its traceback,
                # explain the refusal: wait for that end, or for the server to be still.
                program = self.server.program
                program.wait_exit(self.timeouts["expect"], settled=Stillness([(program, self.spinners)]))
            gone = "" if self.server.alive() else " " + _("The server is no longer running.")
            raise CheckFailed(
                _("{name} could not connect to the server ({error}).").format(name=name, error=exc.strerror or exc)
                + gone,
                who=name, action=self.last_action) from None
        robot = Robot(name, sock, self.transcript)
        self.robots.append(robot)
        self.names_by_port[robot.local_port] = name
        return robot

    def _unless_no_one_accepts(self, name):
        """Fail now if a connect() could only wait: the accept queue is full and no thread can take from it.

        Past the backlog the kernel drops every new handshake until the
        server accepts one; a server whose every thread is blocked for good
        (still twice in a row, none in accept(), or it would have taken
        one) never will, at any load.  A server not found still in a short
        look is left to the connect's own timeout, which then ends with the
        same words if the queue is still full.
        """
        program = self.server.program
        if not program.accept_queue_full(self.server.port):
            return
        if not poll_until(Stillness([(program, self.spinners)]), self.timeouts["settle"]):
            return
        if program.alive() and not program.accept_queue_full(self.server.port):
            return  # taken from meanwhile (or the server ended: its own failure says more)
        self.transcript.add(name, "note", _("could not connect: the server's accept queue is full"))
        raise CheckFailed(
            _("{name} could not connect: the server no longer accepts connections (the ones waiting for "
              "accept() fill its listen() backlog, and no thread of it calls accept()).").format(name=name),
            who=name, action=self.last_action)

    def join(self, *names, settle_each=True):
        """Connect robots one by one, each sending its name as its first line.

        Sending the name at once suits all three handshakes seen in real
        servers: name first, a prompt (NICK, "Enter your name:") then a
        read, or no names at all (the line is then just a first message).
        Each join settles before the next (the order of the notices is part
        of what checks judge); with ``settle_each=False`` only the last
        does: each name is still read before the next member connects, and
        a server that sleeps before announcing a newcomer sleeps for all of
        them at once.  Returns one robot for one name, else a list.
        """
        joined = []
        for index, name in enumerate(names):
            self._mark_all()
            robot = self.connect(name)
            robot.mark()
            self.last_action = _("{name} connected and sent the name {name!r}").format(name=name)
            self.last_actor = name
            robot.send_line(name)
            if not self.wait_read(robot):
                self.unread_names.append(name)
                self.transcript.add("grader", "note",
                                    _("the server did not read {name}'s name within {s} s").format(
                                        name=name, s=self.timeouts["handshake"]))
            if settle_each or index == len(names) - 1:  # by position: two members may share a name
                self.settle()
            joined.append(robot)
        return joined[0] if len(joined) == 1 else joined

    def silent(self, name="silent"):
        """A client that connects and then says nothing at all."""
        self._mark_all()
        robot = self.connect(name)
        self.transcript.add("grader", "note", _("{name} connects and stays silent").format(name=name))
        self.settle()
        return robot

    def say(self, robot, text):
        """``robot`` sends one chat line; returns once the server has handled it."""
        self._mark_all()
        self.last_action = _("{name} sent {text!r}").format(name=robot.name, text=text)
        self.last_actor = robot.name
        robot.send_line(text)
        self.wait_read(robot)
        self.settle()

    def leave(self, robot, how="close"):
        """``robot`` disconnects: 'close' (FIN) or 'reset' (RST, a killed client)."""
        self._mark_all()
        self.last_actor = robot.name
        if how == "reset":
            self.last_action = _("{name}'s connection was reset (as when the client process is killed)").format(
                name=robot.name)
            robot.reset()
        else:
            self.last_action = _("{name} closed its connection").format(name=robot.name)
            robot.close()
        self.settle()

    # -------------------------------------------------------- expectations
    def _fail(self, robot, expected, outcome, summary, hint=None):
        # When the robot gave up, in the transcript's timeline: the report's
        # diagram draws the missing delivery there.
        self.transcript.add(robot.name, "miss", expected)
        received = trim(outcome.received)
        ending = {
            "eof": _("then the server closed {name}'s connection").format(name=robot.name),
            "reset": _("then {name}'s connection was reset by the server").format(name=robot.name),
        }.get(outcome.ending)
        raise CheckFailed(
            summary,
            who=robot.name,
            sender=self.last_actor,
            action=self.last_action,
            expected=expected,
            received=received,
            waited_s=outcome.waited_s,
            ending=ending,
            hint=hint,
            # Only a deadline's verdict is confirmed.  A ticker's ("ticking") is decided by counts,
            # not by a clock: Stillness, in grader/drive/quiescence.py, says why no load changes it.
            by_deadline=outcome.ending == "timeout",
            racing=bool(self.spinners),
        )

    def _summary(self, robot, what, outcome):
        if outcome.received.strip():
            got = _("received only {text!r}").format(text=trim(outcome.received, 80))
        else:
            got = _("received nothing")
        if outcome.ending == "eof":
            got += _(", then the server closed the connection")
        elif outcome.ending == "reset":
            got += _(", then the connection was reset")
        summary = _("After {action}, {name} waited {s:.1f} s for {what} but {got}.").format(
            action=self.last_action, name=robot.name, s=outcome.waited_s, what=what, got=got)
        if self.unread_names:
            summary += " " + _("The server never read the name of {names}: it does not seem to serve them.").format(
                names=", ".join(self.unread_names))
        return summary

    def expect_text(self, robot, text, timeout=None, hint=None):
        """``robot`` must receive ``text`` (anywhere in its stream since the action)."""
        outcome = robot.wait_for(lambda received: text in displayed(received),
                                 self.timeouts["expect"] if timeout is None else timeout,
                                 settled=self.settled_check())
        if not outcome:
            self._fail(robot, text, outcome, self._summary(robot, repr(text), outcome), hint)
        self.transcript.add(robot.name, "ok", _("received {text!r}").format(text=text))
        return outcome

    def learn_relay(self, speaker, listener, text="just checking in"):
        """``speaker`` says ``text``; returns the prefix the server put before it for ``listener`` (or None).

        That prefix is the shape of the server's ordinary relays of
        ``speaker``'s messages: a later line of the same shape that holds
        only the name, or nothing, is a relay and not a notice.
        """
        self.say(speaker, text)
        if not listener.received().count(text):
            listener.wait_text(text, self.timeouts["expect"], settled=self.settled_check())
        prefix = relay_prefix(listener.received(), text)
        if prefix is not None:
            self.relays.setdefault(speaker.name, []).append(prefix)
            self.transcript.add("grader", "note", _("the server relays {name}'s messages as {form!r}").format(
                name=speaker.name, form=prefix + "…"))
        return prefix

    def expect_message(self, robot, text, sender=None, timeout=None, hint=None):
        """``robot`` must receive ``text`` as a message: a line of its own, or after a sender's prefix."""
        names = [r.name for r in self.robots] + ([sender] if sender else [])
        outcome = robot.wait_for(lambda received: message_line(received, text, names),
                                 self.timeouts["expect"] if timeout is None else timeout,
                                 settled=self.settled_check())
        if not outcome:
            what = _("{text!r} as a message of its own").format(text=text)
            summary = self._summary(robot, what, outcome)
            if text in displayed(outcome.received):
                summary += " " + _("The text arrived only inside another line, not as a message.")
            self._fail(robot, what, outcome, summary, hint)
        self.transcript.add(robot.name, "ok", _("received {text!r}").format(text=text))
        return outcome

    def expect_notice(self, robot, name, timeout=None, hint=None, what=None, speaker=None):
        """``robot`` must be told about ``name`` in a line that says more than the name.

        A line that ends with the name ("Anonymous: Bob") may be the server
        relaying the member's name line as a chat message.  When the member
        (``speaker``) is still there, it says something, and the line counts
        only if it differs from how the server relays that member's messages.
        """
        names = [r.name for r in self.robots]

        def found(text, segmented):
            relays = self.relays.get(name, ())
            if relays and empty_relays(text, name, relays):
                # A flood of empty relays is cut anywhere by recv(): chunk
                # boundaries mean nothing there ("Bob sa" + "ys: ").
                return notice_line(text, name, names, relays)
            return (notice_line(text, name, names, relays) or notice_line(segmented, name, names, relays))

        outcome = robot.wait_for(found, self.timeouts["expect"] if timeout is None else timeout, segmented=True,
                                 settled=self.settled_check())
        what = what or _("a notice naming {name}").format(name=name)
        if not outcome:
            self._fail(robot, what, outcome, self._summary(robot, what, outcome), hint)
        line = found(outcome.received, robot.segmented())
        if speaker is not None and speaker.ending is None and ends_with_name(line, name) and name not in self.relays:
            line = self._unless_relay(robot, name, line, what, hint, speaker)
        self.transcript.add(robot.name, "ok", _("notice: {line!r}").format(line=line))
        return line

    def _unless_relay(self, robot, name, line, what, hint, speaker):
        # What arrived since the expectation's mark, kept across the probe's own mark.
        offset = len(robot.received(since_mark=False)) - len(robot.received())
        action, actor = self.last_action, self.last_actor
        probe = "just checking in"
        prefix = self.learn_relay(speaker, robot, probe)
        if prefix is None or not is_relay(line, name, [prefix]):
            self.last_action, self.last_actor = action, actor
            return line
        stream = robot.received(since_mark=False)[offset:]
        other = notice_line(stream, name, [r.name for r in self.robots], self.relays[name])
        self.last_action, self.last_actor = action, actor
        if other:
            return other
        self.transcript.add(robot.name, "miss", what)
        raise CheckFailed(
            _("After {action}, {listener} received {line!r}, but that is how the server relays whatever {name} "
              "sends (it relayed {name}'s {probe!r} as {relayed!r}): {name}'s name line relayed as a chat "
              "message, not a notice.").format(action=action, listener=robot.name, line=line, name=name,
                                                probe=probe, relayed=prefix + probe),
            who=robot.name, sender=actor, action=action, expected=what, received=trim(stream),
            hint=hint or _("Read the first line as the client's name, and send the others a line of its own "
                           "about it, such as '* Bob joined the chat'."))

    def expect_attribution(self, robot, message, sender, timeout=None, hint=None):
        """``robot`` must receive ``message`` on a line that also names ``sender``."""
        names = [r.name for r in self.robots]

        def found(text, segmented):
            return (attribution_line(text, message, sender.name, names)
                    or attribution_line(segmented, message, sender.name, names))

        outcome = robot.wait_for(found, self.timeouts["expect"] if timeout is None else timeout, segmented=True,
                                 settled=self.settled_check())
        what = _("{message!r} with the sender's name {name}").format(message=message, name=sender.name)
        if not outcome:
            self._fail(robot, what, outcome, self._summary(robot, what, outcome), hint)
        return found(outcome.received, robot.segmented())

    def expect_open(self, robot):
        """The server must not have closed ``robot``'s connection."""
        if robot.ending in ("eof", "reset"):
            raise CheckFailed(
                _("After {action}, the server closed {name}'s connection, though {name} did nothing wrong.").format(
                    action=self.last_action, name=robot.name),
                who=robot.name, action=self.last_action, received=trim(robot.received()))

    # ------------------------------------------------------------ teardown
    def dispose(self):
        for robot in self.robots:
            robot.dispose()
