"""One robot member on a real socket: the grader's own client, speaking lines.

A robot keeps everything it received as one byte *stream*: TCP has no
message boundaries, and student servers merge and split messages freely, so
expectations match text anywhere in the stream after the robot's *mark* (the
point where the current action began), never message by message.

A reader thread appends to the stream and wakes waiters; every wait has a
deadline and two distinct endings besides success, as in pexpect: the peer
closed (EOF) and time ran out.  What did arrive is kept for the failure.
"""

import codecs
import fcntl
import select
import socket
import struct
import termios
import threading
import time

from grader.i18n import lazy as _
from grader.drive.wait import Deadline

MAX_STREAM = 1024 * 1024  # bytes a robot keeps; a flood beyond is counted, not stored


class Outcome:
    """How a wait ended: ``ok``, ``eof`` (the server closed), ``reset`` or ``timeout``."""

    def __init__(self, ok, ending, waited_s, received):
        self.ok = ok
        self.ending = ending
        self.waited_s = waited_s
        self.received = received

    def __bool__(self):
        return self.ok


class Robot:
    """A member driven by the grader over a real TCP connection."""

    def __init__(self, name, sock, transcript):
        self.name = name
        self.sock = sock
        try:  # each line leaves at once, as its own segment
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        self.transcript = transcript
        self.local_port = sock.getsockname()[1]
        self.server_port = sock.getpeername()[1]
        self.mark_at = 0
        self.sent_bytes = 0
        self.closed_by_us = False
        self._stream = bytearray()
        self._boundaries = []  # stream offsets where a recv() chunk began
        self._overflow = 0
        self._ending = None  # None while open, else "eof" or "reset"
        self._cond = threading.Condition()
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._reader = threading.Thread(target=self._read, name=f"robot-{name}", daemon=True)
        self._reader.start()
        transcript.add(name, "connect")

    def _read(self):
        while True:
            try:
                chunk = self.sock.recv(65536)
            except OSError as exc:
                ending = "closed" if self.closed_by_us else "reset"
                if not self.closed_by_us:
                    self.transcript.add(self.name, "reset", type(exc).__name__)
                break
            if not chunk:
                ending = "eof"
                if not self.closed_by_us:
                    self.transcript.add(self.name, "eof", _("the server closed the connection"))
                break
            with self._cond:
                room = MAX_STREAM - len(self._stream)
                if room > 0:
                    self._boundaries.append(len(self._stream))
                self._stream += chunk[:max(0, room)]
                self._overflow += max(0, len(chunk) - max(0, room))
                self._cond.notify_all()
            self.transcript.add(self.name, "recv", self._decoder.decode(chunk))
        with self._cond:
            self._ending = ending
            self._cond.notify_all()

    # ----------------------------------------------------------- the stream
    def pending(self):
        """Bytes waiting in this robot's own socket that its reader has not taken yet."""
        try:
            return struct.unpack("i", fcntl.ioctl(self.sock, termios.FIONREAD, b"\0\0\0\0"))[0]
        except (OSError, ValueError):
            return 0

    def mark(self):
        """Expectations from now on look only at what arrives after this point."""
        with self._cond:
            self.mark_at = len(self._stream)

    def received(self, since_mark=True):
        """The decoded stream (after the mark by default)."""
        with self._cond:
            data = bytes(self._stream[self.mark_at if since_mark else 0:])
        return data.decode("utf-8", "replace")

    def received_bytes(self):
        with self._cond:
            return len(self._stream) + self._overflow

    @property
    def ending(self):
        with self._cond:
            return self._ending

    def _segmented(self):
        """The stream since the mark with a line break where each recv() chunk began.

        Servers without framing glue messages together ("...the roomBob
        joined"); a message sent at another moment arrives in another chunk,
        so chunk boundaries are where such messages most likely part.
        """
        parts, previous = [], self.mark_at
        for offset in self._boundaries:
            if offset > previous:
                parts.append(bytes(self._stream[previous:offset]).decode("utf-8", "replace"))
                previous = offset
        parts.append(bytes(self._stream[previous:]).decode("utf-8", "replace"))
        return "\n".join(parts)

    def segmented(self):
        with self._cond:
            return self._segmented()

    def wait_for(self, predicate, timeout, segmented=False):
        """Wait until ``predicate(text since mark)`` is true, the stream ends, or time runs out.

        With ``segmented``, the predicate gets a second argument: the same
        text split at chunk boundaries (see ``_segmented``).
        """
        deadline = Deadline(timeout)
        with self._cond:
            while True:
                text = bytes(self._stream[self.mark_at:]).decode("utf-8", "replace")
                if predicate(text, self._segmented()) if segmented else predicate(text):
                    return Outcome(True, "ok", deadline.elapsed(), text)
                if self._ending is not None:
                    return Outcome(False, self._ending, deadline.elapsed(), text)
                if deadline.expired():
                    return Outcome(False, "timeout", deadline.elapsed(), text)
                self._cond.wait(deadline.remaining())

    def wait_text(self, text, timeout):
        return self.wait_for(lambda received: text in received, timeout)

    def wait_ending(self, timeout):
        """Wait until the server closes this connection; return the ending or None."""
        deadline = Deadline(timeout)
        with self._cond:
            while self._ending is None and not deadline.expired():
                self._cond.wait(deadline.remaining())
            return self._ending

    # -------------------------------------------------------------- actions
    def send_line(self, text, newline="\n"):
        """Send one line as a person's client would; False if the socket is gone."""
        data = (text + newline).encode("utf-8")
        self.transcript.add(self.name, "send", text + newline)
        # A server that never reads can fill the socket buffers: never block
        # forever.  MSG_DONTWAIT rather than settimeout(), which would switch
        # the socket to non-blocking under the reader thread's recv().
        deadline = Deadline(2.0)
        try:
            while data:
                _readable, writable, _errors = select.select([], [self.sock], [], deadline.remaining())
                if not writable:
                    self.transcript.add(self.name, "note", _("send timed out: the server reads nothing"))
                    return False
                try:
                    sent = self.sock.send(data, socket.MSG_DONTWAIT)
                except BlockingIOError:
                    continue
                data = data[sent:]
                self.sent_bytes += sent
            return True
        except (OSError, ValueError) as exc:
            self.transcript.add(self.name, "note", _("send failed: {error}").format(error=type(exc).__name__))
            return False

    def close(self):
        """Leave politely: FIN, as when a client program closes its socket."""
        if self.closed_by_us:
            return
        self.closed_by_us = True
        self.transcript.add(self.name, "close", _("closes its connection (FIN)"))
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()

    def reset(self):
        """Leave abruptly: RST, as when a client process is killed mid-connection."""
        if self.closed_by_us:
            return
        self.closed_by_us = True
        self.transcript.add(self.name, "reset", _("resets its connection (RST, as a killed process)"))
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            # close() does not interrupt our reader's recv(), and the kernel
            # keeps the socket until that call returns; SHUT_RD wakes it
            # without sending anything, so the close below really sends RST.
            self.sock.shutdown(socket.SHUT_RD)
        except OSError:
            pass
        self._reader.join(timeout=1.0)
        self.sock.close()

    def dispose(self):
        """Close without recording anything (end of a check)."""
        if not self.closed_by_us:
            self.closed_by_us = True
            try:
                self.sock.shutdown(socket.SHUT_RDWR)  # wakes our reader's recv()
            except OSError:
                pass
            self.sock.close()
        self._reader.join(timeout=1.0)
