"""Hand-built results full of hostile text, for the renderers' tests.

Everything a student's program can send or print ends up in a report:
markup, script tags, terminal escapes, lone surrogates, control characters,
backticks and pipes, lines longer than any screen.
"""

from grader.model.results import CheckResult, Event, GradingResult

SCRIPT = "</script><script>document.documentElement.dataset.pwned='yes'</script>"
TAGS = "<b>bold</b> <img src=x onerror=alert(1)> </svg></pre></td>"
ANSI = "\x1b[31mred\x1b[0m \x1b]0;title\x07"
SURROGATE = "bad \ud800 surrogate \udfff and \ufffd replacement"
CONTROL = "nul \x00 bell \x07 bs \x08 vt \x0b ff \x0c del \x7f c1 \x85 \x9b bidi \u202e txet \u2066"
MARKDOWN = "`code` ``double`` ```fence``` | pipe | *em* _u_ [link](http://x) ![img](y) # head $x$ &amp; \\"
LONG = "A" * 3000 + " " + "word " * 400
HOSTILE = [SCRIPT, TAGS, ANSI, SURROGATE, CONTROL, MARKDOWN, LONG]
EVERYTHING = "\n".join(HOSTILE)


def hostile_check(check_id="server.broadcast", status="failed", **extra):
    """A failed broadcast whose transcript and fields are all hostile text."""
    transcript = [Event(0.001, "server", "stdout", EVERYTHING), Event(0.01, "Alice", "connect"),
                  Event(0.011, "Alice", "send", "Alice\n"), Event(0.02, "Bob", "connect"),
                  Event(0.021, "Bob", "send", "Bob\n")]
    transcript += [Event(0.03 + i / 1000, "Alice", "send", text) for i, text in enumerate(HOSTILE)]
    transcript += [Event(0.04 + i / 1000, "Bob", "recv", text) for i, text in enumerate(HOSTILE)]
    transcript.append(Event(0.6, "Bob", "miss", EVERYTHING))
    fields = dict(id=check_id, title="A message reaches every other member " + TAGS, status=status, score=0.0,
                  max_score=2.0, message="Bob waited for " + EVERYTHING, hint="Hint " + MARKDOWN + ANSI,
                  details={"who": "Bob", "from": "Alice", "action": "Alice sent " + SCRIPT,
                           "expected": EVERYTHING, "received": EVERYTHING, "waited_s": 0.5,
                           "ending": ANSI, "cause": MARKDOWN, "diagnosis": [SURROGATE, CONTROL],
                           "tracebacks": [EVERYTHING]},
                  transcript=transcript, output=EVERYTHING, log=[EVERYTHING], duration_s=0.7,
                  depends=["server.accepts"])
    fields.update(extra)
    return CheckResult(**fields)


def hostile_result():
    """A grading with one check of each status, the failed one hostile, plus hostile notes and paths."""
    checks = [
        CheckResult("server.starts", "The server starts and listens", "passed", 1.0, 1.0, duration_s=0.1),
        hostile_check(),
        CheckResult("server.attribution", "Receivers can tell who sent a message", "skipped", 0.0, 1.0,
                    message="can't check until server.broadcast passes | " + MARKDOWN),
        CheckResult("static.threading", "The server uses threading", "error", 0.0, 1.0,
                    message="the grader failed " + SCRIPT + ANSI, log=["Traceback " + CONTROL]),
    ]
    return GradingResult(lab="chat", submission="subs/" + TAGS + SURROGATE, checks=checks, duration_s=1.25,
                         isolation="process-group", lab_version="1", grader_version="0.1.0",
                         files={"server": "server<b>.py"}, notes=["note " + SCRIPT, "note " + MARKDOWN])
