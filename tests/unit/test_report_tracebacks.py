"""Tracebacks as a student reads them: their own frames, relative paths, each once (grader.report.tracebacks)."""

import random
import re

from grader.model.results import CheckResult, Event
from grader.report.tracebacks import check_errors, clean_text, exception_line, short_paths, split

THREAD_TB = """Exception in thread Thread-2 (handle):
Traceback (most recent call last):
  File "/usr/lib/python3.11/threading.py", line 1045, in _bootstrap_inner
    self.run()
  File "/usr/lib/python3.11/threading.py", line 982, in run
    self._target(*self._args, **self._kwargs)
  File "/tmp/grader-5lg8hm1e/run9/server.py", line 24, in handle
    data = conn.recv(1024)
           ^^^^^^^^^^^^^^^
  File "/home/me/kit/grader/isolation/shim/bootstrap.py", line 198, in wrapper
    result = method(self, *args, **kwargs)
             ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
ConnectionResetError: [Errno 104] Connection reset by peer
"""
PIPE_TB = """Exception in thread Thread-1 (handle):
Traceback (most recent call last):
  File "/tmp/grader-5lg8hm1e/run9/server.py", line 27, in handle
    broadcast(data, conn)
  File "/tmp/grader-5lg8hm1e/run9/lib/util.py", line 15, in broadcast
    c.send(msg)
BrokenPipeError: [Errno 32] Broken pipe
"""
CHAINED = """Traceback (most recent call last):
  File "/tmp/grader-x/run1/server.py", line 3, in <module>
    int("x")
ValueError: invalid literal for int() with base 10: 'x'

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "/tmp/grader-x/run1/server.py", line 5, in <module>
    raise RuntimeError("bad port")
RuntimeError: bad port
"""


def test_only_the_students_frames_with_relative_paths():
    [traceback] = [piece for piece in split(THREAD_TB) if not isinstance(piece, str)]
    assert traceback.thread == "Exception in thread Thread-2 (handle):"
    assert traceback.exception == "ConnectionResetError: [Errno 104] Connection reset by peer"
    assert 'File "server.py", line 24, in handle' in traceback.text
    assert "data = conn.recv(1024)" in traceback.text
    for gone in ("threading.py", "bootstrap.py", "grader-", "self.run()", "method(self"):
        assert gone not in traceback.text


def test_a_traceback_cut_before_the_students_frames_keeps_its_heading():
    # The capture ended while the program was still writing it (a thread dying as its check ends).
    cut = THREAD_TB[:THREAD_TB.index('File "/tmp/grader-')].rstrip(" ")
    [traceback] = [piece for piece in split(cut) if not isinstance(piece, str)]
    assert traceback.text.strip() == "Traceback (most recent call last):" and traceback.exception == ""
    # Whole, the interpreter's frames go and the exception line explains (the heading stays with the frames).
    [whole] = [piece for piece in split(THREAD_TB) if not isinstance(piece, str)]
    assert whole.text.startswith("Traceback (most recent call last):")


def test_subfolders_keep_their_relative_path_and_text_around_stays():
    pieces = split("starting\n" + PIPE_TB + "bye\n")
    assert pieces[0] == "starting"
    assert 'File "lib/util.py", line 15' in pieces[1].text
    assert pieces[2].strip() == "bye"


def test_a_chained_traceback_is_one_and_its_last_line_explains():
    tracebacks = [piece for piece in split(CHAINED) if not isinstance(piece, str)]
    assert len(tracebacks) == 1
    assert "During handling" in tracebacks[0].text and "ValueError" in tracebacks[0].text
    assert exception_line(CHAINED) == "RuntimeError: bad port"


def test_plain_text_and_paths():
    assert exception_line("oops\nsomething broke\n") == "something broke"
    assert short_paths("open('/tmp/grader-ab_c1/run12/names.txt')") == "open('names.txt')"
    assert short_paths(r"C:\Users\x\AppData\Local\Temp\grader-q1\run3\server.py") == "server.py"
    assert clean_text("no traceback here") == "no traceback here"
    assert clean_text(None) == ""


# The one-regex form short_paths had: quadratic in a long run of non-blanks, the same answers.
_LAZY_COPY = re.compile(r"""(?:[A-Za-z]:)?[^\s"'<>()]*?[/\\]grader-[\w.-]+[/\\](?:run\d*[/\\])?""")


def test_short_paths_cuts_what_the_one_regex_cut():
    pieces = ["/tmp/grader-ab_c1/", "run12/", "run/", "grader-x/", "\\grader-q1\\run3\\", "/grader-", "x" * 5,
              "C:", " ", "'", "(", ")", "\n", "server.py", "/", "-", ".", "é"]
    rng = random.Random(13)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        assert short_paths(text) == _LAZY_COPY.sub("", text), text
    flood = ("x" * 1023 + "\n") * 64 + "open('/tmp/grader-a/run3/n.txt')"
    assert short_paths(flood) == ("x" * 1023 + "\n") * 64 + "open('n.txt')"


def test_each_traceback_once_per_check():
    """Before: in the details, in the program output and in the transcript: three times."""
    output = "--- the server's stderr (900 bytes) ---\n" + THREAD_TB + PIPE_TB
    check = CheckResult("server.leave_reset", "t", "failed", 0, 1,
                        details={"received": "", "tracebacks": [THREAD_TB.split("\n", 1)[1]]},
                        output=output,
                        transcript=[Event(0.1, "server", "stderr", THREAD_TB), Event(0.2, "server", "stderr", PIPE_TB)])
    errors = check_errors(check, pointer="{exception} (above)")
    assert [tb.exception for tb, _threads in errors.tracebacks] == [
        "ConnectionResetError: [Errno 104] Connection reset by peer", "BrokenPipeError: [Errno 32] Broken pipe"]
    assert errors.tracebacks[0][1] == ["Exception in thread Thread-2 (handle):"]
    assert "Traceback" not in errors.output and "BrokenPipeError: [Errno 32] Broken pipe (above)" in errors.output
    assert errors.stderr[THREAD_TB] == "ConnectionResetError: [Errno 104] Connection reset by peer (above)"
    # The raw result is untouched: staff still have every frame.
    assert "bootstrap.py" in check.output


def test_the_same_error_in_two_threads_is_shown_once_naming_both():
    other = PIPE_TB.replace("Thread-1", "Thread-3")
    check = CheckResult("server.survives_leave", "t", "failed", 0, 1, output=PIPE_TB + other)
    [(traceback, threads)] = check_errors(check).tracebacks
    assert threads == ["Exception in thread Thread-1 (handle):", "Exception in thread Thread-3 (handle):"]


def test_a_traceback_in_what_was_received_is_not_repeated():
    crash = CHAINED
    check = CheckResult("server.starts", "t", "failed", 0, 1, details={"received": crash}, output=crash)
    errors = check_errors(check)
    assert errors.tracebacks == []
    assert "grader-" not in errors.received and "RuntimeError: bad port" in errors.received
