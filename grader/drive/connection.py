"""One robot member on a real socket: the grader's own client, speaking lines.

What it receives goes into a ``grader.drive.stream.Stream`` (a byte stream
with a mark and the one wait primitive: EOF, reset and timeout distinct,
what arrived kept); ``send_line`` never blocks forever.
"""

import codecs
import fcntl
import select
import socket
import struct
import termios
import threading

from grader.drive.stream import Stream
from grader.drive.wait import Deadline
from grader.i18n import lazy as _


def received_by_kernel(sock):
    """Bytes the kernel has received on TCP socket ``sock`` so far (TCP_INFO's bytes_received), or None.

    Read or not: less what a reader has stored, it is what the reader has
    not stored yet, the bytes in the socket and those a reader thread took
    off it but has not stored (preempted between recv() and append(), on a
    loaded machine), which the socket's queue (FIONREAD) no longer shows.
    A mark, or a wait's "nothing more can come", decided in that gap was
    wrong: seed 002's Bob got "Connected to the server!" glued to the next
    message, and server.framing failed in CI.  (Peeking instead, and taking
    the bytes off only once stored, left them unread at a close, and a
    close with unread bytes sends RST, not FIN: a leave became a reset.)
    """
    try:
        info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 256)
    except OSError:
        return None
    return struct.unpack_from("Q", info, 128)[0] if len(info) >= 136 else None


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
        self.sent_bytes = 0
        self.stored = 0  # bytes the reader has put into the stream
        self.closed_by_us = False
        self.stream = Stream()
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
            self.stream.append(chunk)
            self.stored += len(chunk)
            self.transcript.add(self.name, "recv", self._decoder.decode(chunk))
            try:  # acknowledged now, not up to 40 ms later: the server's send queue then says what is on the way
                self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
            except OSError:
                pass
        self.stream.end(ending)

    # ----------------------------------------------------------- the stream
    def pending(self):
        """Bytes that reached this robot's socket and its reader has not stored yet (``received_by_kernel``)."""
        if self.stream.ending is not None:
            return 0  # the reader has ended: nothing more will be stored (a reset drops what was unread)
        received = received_by_kernel(self.sock)
        if received is not None:
            return max(0, received - self.stored)
        try:
            return struct.unpack("i", fcntl.ioctl(self.sock, termios.FIONREAD, b"\0\0\0\0"))[0]
        except (OSError, ValueError):
            return 0

    def mark(self):
        """Expectations from now on look only at what arrives after this point."""
        self.stream.mark()

    def received(self, since_mark=True):
        """The decoded stream (after the mark by default)."""
        return self.stream.text(since_mark)

    @property
    def ending(self):
        """None while the connection is open, else "eof", "reset" or "closed" (by us)."""
        return self.stream.ending

    def segmented(self):
        return self.stream.segmented()

    def wait_for(self, predicate, timeout, segmented=False, settled=None):
        """Wait until ``predicate(text since mark)`` is true, the connection ends, nothing more can come
        (``settled``, see ``Stream.wait_for``), or time runs out."""
        return self.stream.wait_for(predicate, timeout, segmented=segmented, settled=settled)

    def wait_text(self, text, timeout, settled=None):
        return self.wait_for(lambda received: text in received, timeout, settled=settled)

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
