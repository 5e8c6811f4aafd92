"""A student program driven through its keyboard (stdin) and screen (stdout).

The grader types only when the client asks for a line (the shim reports
each ``input()`` / ``sys.stdin`` read), the way a person waits for the
prompt, and reads the screen as a stream, like the robots' sockets.
"""

import codecs
import threading

from grader.i18n import lazy as _
from grader.drive.display import displayed
from grader.drive.wait import Deadline

MAX_SCREEN = 256 * 1024


class Terminal:
    """What the client printed (its screen) and a way to type into it."""

    def __init__(self, program, transcript):
        self.program = program
        self.transcript = transcript
        self.mark_at = 0
        self._screen = bytearray()
        self._cond = threading.Condition()
        self._decoders = {name: codecs.getincrementaldecoder("utf-8")("replace") for name in ("stdout", "stderr")}
        self._logged = 0
        program.on_output = self._on_output

    def _on_output(self, stream, chunk):
        if stream == "stdout":
            with self._cond:
                self._screen += chunk[:max(0, MAX_SCREEN - len(self._screen))]
                self._cond.notify_all()
        if self._logged < 16384:  # the transcript keeps the start of a flood, not all of it
            self._logged += len(chunk)
            self.transcript.add("client", stream, self._decoders[stream].decode(chunk[:4096]))

    def mark(self):
        with self._cond:
            self.mark_at = len(self._screen)

    def screen(self, since_mark=True, raw=False):
        """What the screen shows (escape sequences interpreted: see ``displayed``); ``raw`` for the bytes' text."""
        with self._cond:
            text = bytes(self._screen[self.mark_at if since_mark else 0:]).decode("utf-8", "replace")
        return text if raw else displayed(text)

    def wait_screen(self, predicate, timeout):
        """Wait until ``predicate(screen since mark)``; return (ok, screen text, waited seconds)."""
        deadline = Deadline(timeout)
        with self._cond:
            while True:
                text = displayed(bytes(self._screen[self.mark_at:]).decode("utf-8", "replace"))
                if predicate(text):
                    return True, text, deadline.elapsed()
                if deadline.expired():
                    return False, text, deadline.elapsed()
                # Output is notified; an exit is not: re-check it now and then.
                self._cond.wait(min(deadline.remaining(), 0.1))
                if self.program.exit_code is not None and self.program.output_done():
                    text = displayed(bytes(self._screen[self.mark_at:]).decode("utf-8", "replace"))
                    return predicate(text), text, deadline.elapsed()

    def inputs(self):
        """How many times the client has asked for a line so far."""
        return len(self.program.events_of("input"))

    def wait_input(self, since, timeout):
        """Wait until the client asks for a line for the (since+1)-th time."""
        return self.program.wait_count("input", since, timeout)

    def type(self, line):
        """Type ``line`` and Enter."""
        self.transcript.add("client", "stdin", line + "\n")
        try:
            self.program.proc.stdin.write((line + "\n").encode("utf-8"))
            self.program.proc.stdin.flush()
            return True
        except (BrokenPipeError, OSError, ValueError):
            self.transcript.add("grader", "note", _("the client no longer reads its keyboard"))
            return False

    def close_keyboard(self):
        """Close stdin, as Ctrl-D does."""
        self.transcript.add("client", "stdin", _("[end of input: Ctrl-D]"))
        try:
            self.program.proc.stdin.close()
        except OSError:
            pass
