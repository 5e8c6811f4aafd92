"""A student program driven through its keyboard (stdin) and screen (stdout).

The grader types only when the client asks for a line (the shim reports
each ``input()`` / ``sys.stdin`` read), the way a person waits for the
prompt, and reads the screen as a stream, like the robots' sockets.
"""

import codecs

from grader.drive.display import displayed
from grader.drive.stream import Stream
from grader.i18n import lazy as _

MAX_SCREEN = 256 * 1024


class Terminal:
    """What the client printed (its screen, a ``Stream``) and a way to type into it."""

    def __init__(self, program, transcript):
        self.program = program
        self.transcript = transcript
        self.stream = Stream(limit=MAX_SCREEN)
        self._decoders = {name: codecs.getincrementaldecoder("utf-8")("replace") for name in ("stdout", "stderr")}
        self._logged = 0
        self.typed = 0  # lines typed so far (Enter pressed): a client at its prompt has asked for one more
        program.on_output = self._on_output

    def _on_output(self, stream, chunk):
        if stream == "stdout":
            self.stream.append(chunk)
        if self._logged < 16384:  # the transcript keeps the start of a flood, not all of it
            self._logged += len(chunk)
            self.transcript.add("client", stream, self._decoders[stream].decode(chunk[:4096]))

    def mark(self):
        self.stream.mark()

    def screen(self, since_mark=True, raw=False):
        """What the screen shows (escape sequences interpreted: see ``displayed``); ``raw`` for the bytes' text."""
        text = self.stream.text(since_mark)
        return text if raw else displayed(text)

    def wait_screen(self, predicate, timeout, settled=None):
        """Wait until ``predicate(what the screen shows since the mark)``; return (ok, screen text, waited seconds).

        The wait also ends when the program has exited and all it printed
        was read, or when ``settled`` says nothing more can appear.
        """
        program = self.program

        def ended():
            if program.exit_code is not None and program.output_done():
                return "exit"
            return "quiet" if settled is not None and settled() else None

        outcome = self.stream.wait_for(lambda text: predicate(displayed(text)), timeout, settled=ended, recheck=0.02)
        return outcome.ok, displayed(outcome.received), outcome.waited_s

    def inputs(self):
        """How many times the client has asked for a line so far."""
        return len(self.program.events_of("input"))

    def wait_input(self, since, timeout, settled=None):
        """Wait until the client asks for a line for the (since+1)-th time (``settled``: or will not any more)."""
        return self.program.wait_count("input", since, timeout, settled=settled)

    def type(self, line):
        """Type ``line`` and Enter."""
        self.transcript.add("client", "stdin", line + "\n")
        try:
            self.program.proc.stdin.write((line + "\n").encode("utf-8"))
            self.program.proc.stdin.flush()
            self.typed += 1
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
