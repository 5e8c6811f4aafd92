"""The failure a scenario raises: fields, not a finished sentence.

``message`` is a one-line summary; the report lays out the fields (what the
robots did, what was expected, what arrived, how long it waited) and the
hint.  It subclasses AssertionError so pytest counts it as a failure of the
student's code, never as an error of the grader.
"""

import time


class CheckFailed(AssertionError):
    """The student's program broke an expectation of a check."""

    def __init__(self, message, *, who=None, sender=None, action=None, expected=None, received=None,
                 waited_s=None, ending=None, hint=None, cause=None, complete=False, by_deadline=False,
                 racing=False):
        # pytest's own output (the staff log) shows the English sentence;
        # the result keeps ``message`` itself, to be rendered in any language.
        super().__init__(message.english() if hasattr(message, "english") else message)
        self.message = message
        # When it failed: diagnoses count only what the programs did before
        # (not what a later probe or the teardown caused).
        self.at = time.monotonic()
        # complete: the message already explains what the programs did; the
        # plugin adds no diagnoses of its own.
        self.complete = complete
        # by_deadline: decided because a time bound ran out, not on complete evidence (the
        # programs never settled).  Such a failure could depend on the machine's load: the
        # plugin grades the check once more in a fresh pod before it is reported.
        self.by_deadline = by_deadline
        # racing: decided on complete evidence, but in a program that races itself (a thread in a
        # busy loop beside the others, as seed 001's relay of b'' beside a broadcast that removes
        # from the list it iterates): what happened depended on how the threads interleaved, which
        # load changes.  Graded once more in a fresh pod too.
        self.racing = racing
        self.fields = {
            key: value
            for key, value in {
                "who": who,
                "from": sender,
                "action": action,
                "expected": expected,
                "received": received,
                "waited_s": round(waited_s, 2) if waited_s is not None else None,
                "ending": ending,
                "cause": cause,
            }.items()
            if value is not None
        }
        self.hint = hint


def trim(text, limit=300):
    """Shorten a received stream for a message: keep the start and the end."""
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]} [...{len(text) - limit} more...] {text[-half:]}"
