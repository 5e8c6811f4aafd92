"""Datagram robots: members of a UDP chat, with the interface of the TCP robots.

A UDP chat (the assignment allows one: "для реализации с помощью UDP") has
no connections.  A member is an address: a datagram socket of its own in
the pod.  It joins with its first datagram (its name), says something with
a datagram, and leaves with the quit command the chat understands (a
member that just stops sending cannot be seen to go).  What it received is
the stream of datagrams that reached it, one line per datagram, so the
matching rules of the TCP robots read it unchanged, and so do most
scenarios.

What a UDP chat cannot show: a reset (there is no connection to reset:
``server.leave_reset``), a server that goes away (``client.server_gone``:
nothing tells a UDP client), and a thread per client (one socket serves
everyone: ``static.threading`` of the server).  Those checks do not apply;
``lab.toml``'s ``[udp]`` section gives the points of those that do, and the
client's receiver thread is what the threading requirement asks for.
"""

import codecs
import fcntl
import socket
import struct
import termios
import threading

from grader.drive.stream import Stream
from grader.errors import LabError
from grader.i18n import lazy as _
from grader.intake.roles import transport
from grader.model.failure import CheckFailed

from .client_driver import quit_words
from .members import Chat

DEFAULT_QUIT = "/quit"
MAX_DATAGRAM = 65535


def is_udp(submission):
    """Whether the submission is a UDP chat: its server speaks datagrams (or, with no server, its client)."""
    source = submission.source("server") if submission.server is not None else submission.source("client")
    return source is not None and transport(source) == "udp"


# Why each check the [udp] section leaves out does not apply: shown as the reason it is skipped.
NOT_APPLICABLE = {
    "server.leave_reset": _("does not apply to a UDP chat: without a connection there is nothing to reset "
                            "(a killed UDP client simply stops sending)"),
    "client.server_gone": _("does not apply to a UDP chat: nothing tells a UDP client that the server has gone"),
    "static.threading": _("does not apply to a UDP chat: one datagram socket serves every member (the "
                          "client's receiver thread is the threading asked for)"),
    "server.framing": _("does not apply to a UDP chat: every datagram is a message of its own"),
    "server.slow_reader": _("does not apply to a UDP chat: a member that does not read holds up no one's "
                            "connection (the kernel drops its datagrams)"),
    "server.many_members": _("is not graded for UDP chats (thirty datagram members: not in this lab's UDP "
                             "profile)"),
    "server.shutdown": _("is not graded for UDP chats (not in this lab's UDP profile)"),
}


def udp_profile(lab):
    """(points, reasons) of a UDP chat, from lab.toml's ``[udp]`` section (None if the lab has none)."""
    section = lab.section("udp")
    points = section.get("points")
    if not isinstance(points, dict):
        return None
    for check_id, value in points.items():
        if check_id not in lab.points:
            raise LabError(f"{lab.path / 'lab.toml'}: [udp.points] names {check_id!r}, which is not in [points]")
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
            raise LabError(f"{lab.path / 'lab.toml'}: [udp.points] {check_id!r} must be a number >= 0, not {value!r}")
    return points, {check_id: NOT_APPLICABLE.get(check_id, _("does not apply to a UDP chat"))
                    for check_id in lab.points if check_id not in points}


def quit_word(submission):
    """The quit command a member of this chat sends to leave: the one the server's code (or the client's) names."""
    for role in ("server", "client"):
        words = quit_words(submission.source(role) or "", "")
        if words:
            return words[0]
    return DEFAULT_QUIT


def _udp_queues(pid, ports):
    """Bytes queued in the pod's UDP sockets bound to ``ports`` (/proc/PID/net/udp), or None if unreadable."""
    total, seen = 0, False
    for table in ("udp", "udp6"):
        try:
            with open(f"/proc/{pid}/net/{table}") as f:
                next(f, None)
                for line in f:
                    parts = line.split()
                    if len(parts) < 5:
                        continue
                    seen = True
                    if int(parts[1].rsplit(":", 1)[1], 16) in ports:
                        tx, rx = parts[4].split(":")
                        total += int(tx, 16) + int(rx, 16)
        except (OSError, ValueError, IndexError):
            continue
    return total if seen else None


class DatagramRobot:
    """A member of a UDP chat: one datagram socket in the pod, talking to the server's address."""

    def __init__(self, name, sock, server_address, transcript):
        self.name = name
        self.sock = sock
        self.server_address = server_address
        self.transcript = transcript
        self.local_port = sock.getsockname()[1]
        self.server_port = server_address[1]
        self.sent_bytes = 0
        self.closed_by_us = False
        self.stream = Stream()
        self._reader = threading.Thread(target=self._read, name=f"datagram-robot-{name}", daemon=True)
        self._reader.start()
        transcript.add(name, "connect", _("a UDP socket of its own (port {port})").format(port=self.local_port))

    def _read(self):
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        while True:
            # Left in the socket until stored, so that pending() (FIONREAD) counts it meanwhile: UDP has no
            # kernel count of bytes received to compare with (connection.received_by_kernel), and a
            # datagram left unread at a close sends nothing, unlike TCP's RST.
            try:
                data, _sender = self.sock.recvfrom(MAX_DATAGRAM, socket.MSG_PEEK)
            except OSError:
                break
            if self.closed_by_us:
                break
            # One line per datagram: the datagram is the message, with or without a newline.
            line = data if data.endswith(b"\n") else data + b"\n"
            self.stream.append(line)
            self.transcript.add(self.name, "recv", decoder.decode(line))
            try:
                self.sock.recvfrom(MAX_DATAGRAM)  # the datagram just stored, off the socket
            except OSError:
                break
        self.stream.end("closed")

    def pending(self):
        """Bytes of the next datagram waiting in this robot's socket that its reader has not taken yet."""
        try:
            return struct.unpack("i", fcntl.ioctl(self.sock, termios.FIONREAD, b"\0\0\0\0"))[0]
        except (OSError, ValueError):
            return 0

    def mark(self):
        """Expectations from now on look only at what arrives after this point."""
        self.stream.mark()

    def received(self, since_mark=True):
        """The datagrams received (after the mark by default), one line each."""
        return self.stream.text(since_mark)

    @property
    def ending(self):
        """None while the member is in the chat, "closed" once it has left: a server cannot close it."""
        return self.stream.ending

    def segmented(self):
        return self.stream.segmented()

    def wait_for(self, predicate, timeout, segmented=False, settled=None):
        """As ``Robot.wait_for``: until the predicate holds, nothing more can come, or time runs out."""
        return self.stream.wait_for(predicate, timeout, segmented=segmented, settled=settled)

    def wait_text(self, text, timeout, settled=None):
        return self.wait_for(lambda received: text in received, timeout, settled=settled)

    def send_line(self, text, newline=""):
        """Send ``text`` as one datagram (no newline: the datagram is the message); False if that failed."""
        data = (text + newline).encode("utf-8")
        self.transcript.add(self.name, "send", text + newline)
        try:
            # A datagram is queued or dropped at once: sendto() does not wait for the server.
            self.sock.sendto(data, socket.MSG_DONTWAIT, self.server_address)
        except (OSError, ValueError) as exc:
            self.transcript.add(self.name, "note", _("send failed: {error}").format(error=type(exc).__name__))
            return False
        self.sent_bytes += len(data)
        return True

    def close(self):
        """Stop being a member: the socket is closed (after the quit command, see ``DatagramChat.leave``)."""
        if self.closed_by_us:
            return
        self.closed_by_us = True
        self.transcript.add(self.name, "close", _("closes its UDP socket"))
        self._stop()

    reset = close  # no connection, nothing to reset: the check that needs one does not apply

    def _stop(self):
        try:
            # Wakes the reader's recvfrom() (Linux raises ENOTCONN for an unconnected socket, but wakes it).
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._reader.join(timeout=1.0)
        self.sock.close()

    def dispose(self):
        """Close without recording anything (end of a check)."""
        if not self.closed_by_us:
            self.closed_by_us = True
            self._stop()
        self._reader.join(timeout=1.0)


class DatagramChat(Chat):
    """A UDP chat on the student's server: datagram robots join, talk and leave with the quit command."""

    def __init__(self, server, pod, transcript, timeouts, quit="/quit"):
        super().__init__(server, pod, transcript, timeouts)
        self.quit = quit

    def connect(self, name):
        """A member's socket in the pod, bound to a free port, that has sent nothing yet."""
        try:
            sock = self.pod.datagram(self.server.host if ":" not in self.server.host else "::1")
        except OSError as exc:
            self.transcript.add(name, "note", _("could not open a UDP socket: {error}").format(error=exc))
            raise CheckFailed(_("{name} could not open a UDP socket in the pod ({error}).").format(
                name=name, error=exc.strerror or exc), who=name, action=self.last_action) from None
        robot = DatagramRobot(name, sock, (self.server.host, self.server.port), self.transcript)
        self.robots.append(robot)
        self.names_by_port[robot.local_port] = name
        return robot

    def silent(self, name="silent"):
        """A member that sends nothing at all, as a client still waiting at its name prompt."""
        self._mark_all()
        robot = self.connect(name)
        self.transcript.add("grader", "note", _("{name} has a UDP socket and stays silent").format(name=name))
        self.settle()
        return robot

    def leave(self, robot, how="close"):
        """``robot`` sends the chat's quit command, then closes its socket (UDP has no other way to leave)."""
        self._mark_all()
        self.last_actor = robot.name
        self.last_action = _("{name} sent the quit command {word!r}").format(name=robot.name, word=self.quit)
        robot.send_line(self.quit)
        self.wait_read(robot)
        robot.close()
        # The quit command relayed as an ordinary message ("Bob: /quit") announces nothing.
        relays = self.relays.setdefault(robot.name, [])
        for prefix in list(relays) + [robot.name + ": "]:
            if prefix and prefix + self.quit not in relays:
                relays.append(prefix + self.quit)
        self.settle()

    def _nothing_in_flight(self):
        if any(r.pending() for r in self.robots if not r.closed_by_us):
            return False
        ports = {self.server.port} | {r.local_port for r in self.robots if not r.closed_by_us}
        queued = _udp_queues(self.server.program.pid, ports) if self.server.program.pid else None
        return queued == 0 and self.server.program.socket_queues_empty()
