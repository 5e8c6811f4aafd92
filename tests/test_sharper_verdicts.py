"""Fixtures of issue 16: real code the line rules used to misjudge, and their negative twins.

Each fixture gets exactly the statuses listed (every server check not
listed must pass; client checks are skipped where there is no client).
"""

import re

import pytest

from conftest import SUBMISSIONS, grade
from test_fixture_verdicts import SERVER_CHECKS

F, S = "failed", "skipped"

# The checks for what real networks do (issue 15) judge these student-style servers too: none
# handles Ctrl-C quietly (server.shutdown), each sends in the speaker's thread (server.slow_reader),
# and some relay each recv() chunk as a message (server.framing).
BLOCKING = {"server.slow_reader": F, "server.shutdown": F}
CHUNKS = {"server.framing": F, **BLOCKING}

EXPECTED = {
    # 1. A relayed name is not a notice: "[1] Anonymous: Bob" is how this server relays anything.
    "anonymous_relay": {**CHUNKS, "server.join_notice": F, "server.attribution": F, "server.leave_notice": F,
                        "server.leave_reset": F},
    # ... and "Bob says: " again and again after Bob left is no leave notice either (twin of 2 as well).
    "empty_relays_after_leave": {**CHUNKS, "server.leave_notice": F, "server.leave_reset": F,
                                 "server.survives_leave": F, "server.no_spin": F},
    # Negative twin: notices that end with the name, relayed messages shaped differently.
    "prefixed_notice": {**BLOCKING},
    # 2. A leave must not cost a message: removing inside the loop skips the member after Bob.
    "removes_during_iteration": {**CHUNKS, "server.leave_notice": F, "server.leave_reset": F,
                                 "server.survives_leave": F},
    # Negative twin: iterate over a copy, remove after the loop.
    "safe_removal": {**CHUNKS},
    # 3. A client that sends its name, with a server that announces none: credited, not skipped.
    "sends_name_plain_server": {**BLOCKING, "server.join_notice": F, "server.attribution": F, "server.leave_notice": F,
                                "server.leave_reset": F},
    # Negative twin: the same, but the client keeps the name to itself.
    "keeps_name_plain_server": {**BLOCKING, "server.join_notice": F, "server.attribution": F, "server.leave_notice": F,
                                "server.leave_reset": F, "client.sends_name": F},
    # 4. Colours, erase-line, clear screen and \r on both sides: a terminal shows plain text; all pass.
    "coloured": {**BLOCKING},
    # 5. The server's main thread reads input() for an operator: its stdin stays open and silent.
    "operator_console": {**CHUNKS},
}

MESSAGES = {
    ("anonymous_relay", "server.join_notice"): [r"how the server relays", r"Anonymous: Bob"],
    ("empty_relays_after_leave", "server.survives_leave"): [r"relays of nothing from Bob", r"b''"],
    ("removes_during_iteration", "server.survives_leave"): [r"Carol did not receive", r"inside the loop"],
    ("keeps_name_plain_server", "client.sends_name"): [r"never sent it \('Dora'\)", r"'hello everyone\\n'"],
}


def test_messages_refer_to_listed_failures():
    for name, check_id in MESSAGES:
        assert EXPECTED[name].get(check_id) == F, (name, check_id)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sharper_verdicts(name, tmp_path):
    graded = grade(SUBMISSIONS / name, tmp_path)
    assert graded.result is not None, graded.stdout + graded.stderr
    statuses = graded.statuses()
    messages = {c["id"]: c["message"] for c in graded.result["checks"]}
    has_client = (SUBMISSIONS / name / "client.py").is_file()
    expected = {check: EXPECTED[name].get(check, "passed" if check in SERVER_CHECKS or has_client else S)
                for check in statuses}
    differing = {check: (statuses[check], expected[check], messages[check])
                 for check in statuses if statuses[check] != expected[check]}
    assert not differing, f"{name}: check -> (got, expected, message): {differing}"
    for (fixture, check), patterns in MESSAGES.items():
        if fixture == name:
            for pattern in patterns:
                assert re.search(pattern, messages[check], re.S), (check, pattern, messages[check])
