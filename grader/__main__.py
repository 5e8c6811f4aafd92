"""`python -m grader` and the `grader` command both start here.

The CLI's import takes a moment (longer on a busy machine); a Ctrl-C in
that moment must end the command as a Ctrl-C during a grading does, with
exit code 130 and one line, not a traceback from the middle of an import.
"""

import signal
import sys

INTERRUPTED = 130  # grader.errors.Exit.INTERRUPTED, which may not be imported yet


def run():
    try:
        from grader.cli import main
    except KeyboardInterrupt:
        sys.stderr.write("grader: " + _interrupted() + "\n")
        # As in grader.cli._forget_interrupt: CPython 3.11 would otherwise
        # end the process by SIGINT, whatever code is returned.
        exec("")
        return INTERRUPTED
    try:
        code = main()
    except KeyboardInterrupt:  # a Ctrl-C in the instant main() returned: an interrupted run
        code = INTERRUPTED
    # The exit code is decided: a further Ctrl-C (an impatient second one) must not turn the
    # end of the interpreter into a death by SIGINT (exit -2 instead of 130).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if code == INTERRUPTED:
        exec("")  # forget a KeyboardInterrupt that left an exec(), as above
    return code


def _interrupted():
    try:
        from grader.i18n import _

        return _("interrupted")
    except BaseException:  # noqa: BLE001  (a second Ctrl-C, or no catalogue yet: say it in English)
        return "interrupted"


if __name__ == "__main__":
    raise SystemExit(run())
