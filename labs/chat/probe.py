"""Does the student's own server talk to robots?  A short probe with the steps of the first server checks.

The client checks run in sessions of their own, in parallel with the
server checks, so they cannot wait for server.accepts' verdict; this
probe asks the same questions (Alice joins and is read; Bob joins and Alice
is told; Alice says a line and Bob receives it), in a pod of its own.  The
``chat`` fixture asks it too: a server whose robots cannot talk (no
reaction to their lines, or a crash decoding them) is graded through the
student's own client instead, when that works (``puppets.py``).
"""

from dataclasses import dataclass, field

from grader.drive.quiescence import StartupStillness
from grader.drive.transcript import Transcript
from grader.isolation.program import Server, StartupFailed
from grader.model.failure import CheckFailed

from .datagram import DatagramChat
from .members import Chat

PROBE_LINE = "hello from the probe"


@dataclass
class RobotProbe:
    """What the robots' probe saw: each step's answer, what the robots sent, the server's first error."""

    started: bool = False
    accepts: bool = False
    announces: bool = False
    talks: bool = False  # Bob received the line Alice sent
    reacted: bool = False  # any robot received anything at all
    sent: list = field(default_factory=list)
    crash: dict | None = None  # the server's first crash / thread_exception event

    @property
    def own_protocol(self):
        """The robots' lines got no reaction, or crashed the server: it speaks something else."""
        return self.started and not self.talks and (self.crash is not None or not self.reacted)


def probe_robots(pod, lab):
    """A ``RobotProbe`` of the server starting in ``pod``."""
    found = RobotProbe()
    chat = None
    try:
        program = pod.server_program
        listening = program.wait_listening(lab.timeout("startup"),
                                           settled=StartupStillness(program, lab.timeout("startup")))
        found.started = True
        server = Server(pod.server_program, listening)
        chat = (DatagramChat(server, pod, Transcript(), lab.timeouts) if listening.kind == "udp"
                else Chat(server, pod, Transcript(), lab.timeouts))
        found.sent.append("Alice")
        alice = chat.join("Alice")
        found.accepts = not chat.unread_names and alice.ending is None
        found.sent.append("Bob")
        bob = chat.join("Bob")
        try:
            chat.expect_notice(alice, "Bob")
            found.announces = True
        except CheckFailed:
            pass
        if found.accepts:
            found.sent.append(PROBE_LINE)
            chat.say(alice, PROBE_LINE)
            found.talks = bool(bob.wait_text(PROBE_LINE, lab.timeouts["expect"], settled=chat.settled_check()))
    except (StartupFailed, CheckFailed):
        pass
    finally:
        if chat is not None:
            found.reacted = any(r.received(since_mark=False).strip() for r in chat.robots)
            errors = pod.server_program.events_of("crash") + pod.server_program.events_of("thread_exception")
            found.crash = errors[0] if errors else None
            chat.dispose()
    return found


def probe_own_server(pod, lab):
    """(accepts, announces names) of the server starting in ``pod``."""
    found = probe_robots(pod, lab)
    return found.accepts, found.accepts and found.announces
