"""Each fixture submission models one student mistake; the grader must give the verdicts a teacher would.

The fixtures are servers only.  ``EXPECTED`` lists, for every fixture in
``tests/submissions/``, each server check (``server.*`` and ``static.threading``)
that is *not* passed; every other server check must pass.  Checks of the
client part of the lab, if the lab has one, must be skipped: there is no
client to run.  ``MESSAGES`` adds the few failure messages whose wording
matters: they must name the real cause (the student's ``file:line``, the
exception, what arrived instead).
"""

import re
import tomllib

import pytest

from conftest import ROOT, SUBMISSIONS, grade, isolations


def _server_checks():
    points = tomllib.loads((ROOT / "labs" / "chat" / "lab.toml").read_text(encoding="utf-8"))["points"]
    return sorted(check for check in points if check.startswith("server.") or check == "static.threading")


SERVER_CHECKS = _server_checks()

F, S = "failed", "skipped"

BROADCAST_DEPENDENTS = {"server.attribution": S, "server.multi_user": S, "server.concurrency": S,
                        "server.survives_leave": S, "server.unicode": S,
                        "server.framing": S, "server.slow_reader": S, "server.many_members": S}
# The network checks (issue 15) against the usual student server: it sends to
# the others with a blocking send() in the speaker's thread (slow_reader), and
# Ctrl-C ends it with a KeyboardInterrupt traceback (shutdown).  CHUNKS: it
# also takes each recv() as one message and puts the name before it, so two
# lines in one segment reach the others under one name (framing).
BLOCKING = {"server.slow_reader": F, "server.shutdown": F}
CHUNKS = {"server.framing": F, **BLOCKING}


def never_started(static_threading="passed"):
    """No listening server: server.starts fails and every other server check is skipped."""
    verdicts = {check: S for check in SERVER_CHECKS if check.startswith("server.")}
    verdicts["server.starts"] = F
    if static_threading != "passed":
        verdicts["static.threading"] = static_threading
    return verdicts


EXPECTED = {
    # Set A: basic mistakes
    # Correct for the first checks, but "[name] chunk" per recv(), sendall() in
    # the speaker's thread, no KeyboardInterrupt handling.
    "good_chunks": {**CHUNKS},
    "no_broadcast": {"server.broadcast": F, **BROADCAST_DEPENDENTS, "server.shutdown": F},
    # The same, with a heartbeat thread: it never settles, so its failure is decided once the
    # heartbeat has woken twice and nothing else moved (counts: not graded again).
    "ticking_no_broadcast": {"server.broadcast": F, **BROADCAST_DEPENDENTS, "server.shutdown": F},
    # Correct, but every relay is sent by a thread that wakes every 50 ms: a ticker whose wakes do
    # the work must not be judged idle before it has woken.  It sends to all in turn (slow_reader).
    "polling_relay": {"server.slow_reader": F},
    # Correct, but slow to start: a printed countdown, then three silent sleeps in its accept thread
    # while the main thread ticks every 20 ms.  Listens after 0.3 s: no "never listens" before that.
    "slow_start": {"server.slow_reader": F},
    # One thread in select() with a 0.2 s timeout: never still, it wakes to look again.  Correct but
    # for its one thread and blocking sends; the variant sends no leave notice, decided after wakes.
    "select_timeout": {"server.slow_reader": F, "static.threading": F},
    "select_timeout_no_leave": {"server.leave_notice": F, "server.leave_reset": F, "server.slow_reader": F,
                                "static.threading": F},
    "reply_to_sender": {"server.broadcast": F, **BROADCAST_DEPENDENTS, "server.shutdown": F},
    # Two users only: Sleepy and Flood take both places, Bob is never served;
    # after Ctrl-C its two non-daemon threads keep it running.
    "two_users": {"server.multi_user": F, "server.concurrency": F, "server.survives_leave": F,
                  "server.many_members": S, **CHUNKS},
    "serial": {"server.join_notice": F, "server.broadcast": F, **BROADCAST_DEPENDENTS,
               "server.leave_notice": F, "server.leave_reset": F, "static.threading": F, "server.shutdown": F},
    # Lines split properly, but each recv() is decoded alone (strict UTF-8):
    # a character split between two pieces raises UnicodeDecodeError.
    "no_leave_notice": {"server.leave_notice": F, "server.leave_reset": F, "server.framing": F, **BLOCKING},
    # Sleeps before announcing a newcomer, and never announces a leave: the late
    # join notice must not count as a leave notice (the grader settles past sleeps).
    "sleepy_join_notice": {"server.leave_notice": F, "server.leave_reset": F, "server.framing": F,
                           "server.slow_reader": F, "server.shutdown": F},
    "crash_on_disconnect": {"server.leave_notice": F, "server.leave_reset": F, "server.survives_leave": F,
                            **CHUNKS},
    "never_listens": never_started(),
    "bind_no_listen": never_started(static_threading=F),  # its code never creates a thread at all
    "syntax_error": never_started(),  # Thread( is found in the text of a file that does not compile
    # Set B: odd protocols and precise diagnoses
    "nick_prompt": {**CHUNKS},
    # Announced by address, not by name: neither the join nor the leave notice names Bob.
    # It relays the bytes unchanged: lines arrive as sent however TCP cut them.
    "no_names": {"server.join_notice": F, "server.attribution": F, "server.leave_notice": F,
                 "server.leave_reset": F, **BLOCKING},
    # splitlines() per recv(): two lines in one segment are fine, a line in pieces is not.
    "name_in_accept_loop": {"server.concurrency": F, **CHUNKS},
    # The name is read (and decoded as ASCII) in the accept loop: a silent client blocks it too.
    "ascii_names": {"server.concurrency": F, "server.unicode": F, **CHUNKS},
    "drops_speaker": {"server.leave_notice": F, "server.survives_leave": F, "server.no_spin": F, **CHUNKS},
    "late_leave_notice": {"server.leave_notice": F, "server.no_spin": F, **CHUNKS},
    "gethostbyname": {**CHUNKS},
    # Set C: the network checks, one mistake each (issue 15)
    "chunk_messages": {"server.framing": F},
    "blocking_broadcast": {"server.slow_reader": F},
    "traceback_on_ctrl_c": {"server.shutdown": F},
}

# Races in the student's code itself, not in the grader: either verdict is what that run did.
# late_leave_notice never checks recv() == b'': Bob's handler spins sending b'' after he leaves, and
# removes Bob (mutating the list) only when a send fails.  Whether that happens while another
# member's broadcast is iterating the same list (skipping the member after Bob) is decided by
# CPython's GIL hand-offs; when it does, the failure and its message are right.
RACY = {("late_leave_notice", "server.survives_leave"): {"passed", F}}

# (fixture, check) -> regular expressions the check's message must match.
MESSAGES = {
    ("syntax_error", "server.starts"): [r"SyntaxError", r"server\.py:\d+"],
    # The server's stdin is open and silent (a TA's terminal): it waits in input(), named with its line.
    ("never_listens", "server.starts"): [r"never listen\(\)", r"server\.py:\d+ in <module>\(\): input\(",
                                        r"and never would"],  # decided on evidence, not at the deadline
    # Its `while True: time.sleep(0.5)` is judged once it has woken and slept again, not at the 5 s bound.
    ("bind_no_listen", "server.starts"): [r"never\b.*\blisten\(\)", r"wake from a sleep", r"time\.sleep\(0\.5\)"],
    ("crash_on_disconnect", "server.leave_reset"): [r"(ConnectionResetError|BrokenPipeError).*server\.py:\d+"],
    ("crash_on_disconnect", "server.survives_leave"): [r"(ConnectionResetError|BrokenPipeError).*server\.py:\d+"],
    ("name_in_accept_loop", "server.concurrency"): [r"accept loop"],
    ("ascii_names", "server.unicode"): [r"UnicodeDecodeError"],
    ("late_leave_notice", "server.leave_notice"): [r"only after\b.*\b(another|next|later)\b.*message"],
    ("drops_speaker", "server.survives_leave"): [r"\bdropped\b"],
    ("no_names", "server.join_notice"): [r"has entered the room"],
    ("chunk_messages", "server.framing"): [r"two lines in one TCP segment", r"second of two lines"],
    ("blocking_broadcast", "server.slow_reader"): [r"Sleepy", r"stuck sending to Sleepy at .*server\.py:\d+"],
    ("traceback_on_ctrl_c", "server.shutdown"): [r"traceback", r"KeyboardInterrupt at server\.py:\d+"],
    ("crash_on_disconnect", "server.shutdown"): [r"still running", r"not a daemon"],
}


# Whether a failure was graded again in a fresh pod (tests/test_evidence.py says why): one that
# a time bound decided is; one decided on evidence (the server blocked for good) is not, nor one
# decided once a heartbeat or a select() with a timeout had woken twice with nothing else
# moving (counts, not a clock).  And sleepy_join_notice's table above is the late join notice
# that once passed for a leave notice: the grader settles past sleeps.
CONFIRMED = {("ticking_no_broadcast", "server.broadcast"): False, ("no_broadcast", "server.broadcast"): False,
             ("select_timeout_no_leave", "server.leave_notice"): False}


def test_every_fixture_exists():
    missing = [name for name in EXPECTED if not (SUBMISSIONS / name / "server.py").is_file()]
    assert not missing, missing
    assert PROCESS_SAMPLE <= set(EXPECTED)


def test_messages_refer_to_listed_failures():
    for name, check_id in MESSAGES:
        assert EXPECTED[name].get(check_id) == F, (name, check_id)


# Graded under process isolation too (the fallback where namespaces are missing), beside
# namespaces: a fixture of each kind whose path differs there (starting, crashing, stopping,
# signals, binds on the machine's own network, a re-run in a fresh pod).  The verdicts are
# decided by the same code on both paths; every fixture is graded under namespaces here, and
# again by test_batch's class.  Without namespaces, every fixture is graded with process groups.
PROCESS_SAMPLE = {"ascii_names", "bind_no_listen", "crash_on_disconnect", "gethostbyname", "good_chunks",
                  "never_listens", "serial", "syntax_error", "ticking_no_broadcast", "traceback_on_ctrl_c",
                  "two_users"}


def _gradings():
    paths = isolations()
    return [(name, isolation) for name in sorted(EXPECTED) for isolation in paths
            if isolation == paths[0] or name in PROCESS_SAMPLE]


@pytest.mark.parametrize("name, isolation", _gradings())
@pytest.mark.slow
def test_fixture_verdicts(name, isolation, tmp_path):
    graded = grade(SUBMISSIONS / name, tmp_path, "--isolation", isolation)
    assert graded.result is not None, graded.stdout + graded.stderr
    statuses = graded.statuses()
    messages = {c["id"]: c["message"] for c in graded.result["checks"]}
    assert set(SERVER_CHECKS) <= set(statuses)

    expected = {check: EXPECTED[name].get(check, "passed") for check in SERVER_CHECKS}
    expected.update({check: S for check in statuses if check not in expected})  # no client in these fixtures
    differing = {check: (statuses[check], expected[check], messages[check])
                 for check in statuses if statuses[check] != expected[check]
                 and statuses[check] not in RACY.get((name, check), ())}
    assert not differing, f"{name}: check -> (got, expected, message): {differing}"

    not_passed = any(status != "passed" for status in expected.values())
    assert graded.code == (1 if not_passed else 0), graded.stdout + graded.stderr

    for check, status in statuses.items():
        if status == F:
            assert messages[check].strip(), f"{name}: {check} failed without a message"

    for (fixture, check), patterns in MESSAGES.items():
        if fixture != name:
            continue
        for pattern in patterns:
            assert re.search(pattern, messages[check], re.S), f"{name}: {check}: {pattern!r} not in {messages[check]!r}"

    for (fixture, check), confirmed in CONFIRMED.items():
        if fixture == name:
            details = {c["id"]: c for c in graded.full()["checks"]}[check]["details"]
            assert bool(details.get("confirmed")) is confirmed, (name, check, details)
