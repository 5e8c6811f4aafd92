"""Clients of the echo server, driven by the grader: say a line, expect it back.

Each client is a ``grader.drive.connection.Robot`` (a real TCP socket, a
reader thread, one received stream with a mark).  Waiting for the echo is
the pacing: every expectation waits for its text with the ``echo`` deadline
of lab.toml, and returns as soon as it arrives.
"""

from grader.drive.connection import Robot
from grader.i18n import lazy as _
from grader.model.failure import CheckFailed, trim


class EchoClients:
    """The grader's clients on the student's echo server, and what each must get back."""

    def __init__(self, server, pod, transcript, timeouts, names_by_port):
        self.server = server
        self.pod = pod
        self.transcript = transcript
        self.timeouts = timeouts
        self.names_by_port = names_by_port  # local port -> name, for "the thread serving Alice"
        self.robots = []
        self.last_action = _("the check started")

    def connect(self, name):
        """A client connected to the server that has not sent anything yet."""
        try:
            sock = self.pod.connect(self.server.host, self.server.port)
        except OSError as exc:
            gone = "" if self.server.alive() else " " + _("The server is no longer running.")
            raise CheckFailed(
                _("{name} could not connect to the server ({error}).").format(name=name, error=exc.strerror or exc)
                + gone, who=name, action=self.last_action) from None
        robot = Robot(name, sock, self.transcript)
        self.robots.append(robot)
        self.names_by_port[robot.local_port] = name
        self.last_action = _("{name} connected").format(name=name)
        return robot

    def say(self, robot, line):
        """``robot`` sends one line; what arrives after it is the answer to it."""
        robot.mark()
        robot.send_line(line)
        self.last_action = _("{name} sent {line!r}").format(name=robot.name, line=line)

    def expect_echo(self, robot, line, hint=None):
        """``line`` must come back to ``robot`` within the echo deadline; else CheckFailed with what did."""
        timeout = self.timeouts["echo"]
        outcome = robot.wait_text(line, timeout)
        if outcome:
            return
        if outcome.received:
            message = _("After {action}, {name} waited {s:.1f} s for the echo but got {got}.").format(
                action=self.last_action, name=robot.name, s=outcome.waited_s, got=repr(trim(outcome.received)))
        else:
            message = _("After {action}, {name} waited {s:.1f} s for the echo, but nothing came back.").format(
                action=self.last_action, name=robot.name, s=outcome.waited_s)
        ending = {"eof": _("Then the server closed the connection."),
                  "reset": _("Then the connection was reset.")}.get(outcome.ending)
        if ending:
            message = message + " " + ending
        raise CheckFailed(message, who=robot.name, action=self.last_action, expected=line,
                          received=outcome.received, waited_s=outcome.waited_s, ending=outcome.ending, hint=hint)

    def echo(self, robot, line, hint=None):
        """Say ``line`` and expect it back."""
        self.say(robot, line)
        self.expect_echo(robot, line, hint=hint)

    def leave(self, robot):
        """``robot`` closes its connection (FIN), as a client program that ends."""
        robot.close()
        self.last_action = _("{name} closed its connection").format(name=robot.name)

    def on_the_wire(self):
        """Bytes (or a FIN) the kernel still delivers over the server's connections (see ``procfs.in_flight``).

        A FIN that a loaded machine has not delivered yet leaves the server's
        thread blocked in recv(), still, though the close is on its way: a
        loop on b'' starts only once it arrives.
        """
        sent = {r.local_port: r.sent_bytes for r in self.robots if r.sent_bytes}
        return self.server.program.bytes_in_flight(self.server.port, sent)

    def dispose(self):
        for robot in self.robots:
            robot.dispose()
