"""The five real lab reports in ../shared/seeds/, graded exactly as handed in.

Expected verdicts were measured by hand (issue "Grade real submissions as
they are"); the messages must name each diagnosis.
"""

import pytest

from conftest import SEEDS, grade

pytestmark = pytest.mark.slow  # every test here grades end to end

P, F, S = "passed", "failed", "skipped"
CHECKS = ["server.starts", "server.accepts", "server.join_notice", "server.broadcast", "server.attribution",
          "server.multi_user", "server.concurrency", "server.leave_notice", "server.leave_reset",
          "server.survives_leave", "server.no_spin", "server.unicode",
          "server.framing", "server.slow_reader", "server.many_members", "server.shutdown", "static.threading",
          "client.starts", "client.sends_name", "client.sends_lines", "client.shows_incoming", "client.unicode",
          "client.quits", "client.server_gone", "static.client_threading"]
EXPECTED = {
    #       server checks                 | network checks | static | client checks (each with its own server)
    # Network checks (measured by hand, issue 15): every seed server sends to
    # the others with a blocking send() in the speaker's thread (slow_reader
    # fails), and none catches KeyboardInterrupt: Ctrl-C prints a traceback
    # and its non-daemon client threads keep it running (shutdown fails).
    # Thirty members are no problem for any of them.
    # 000 relays each recv() chunk as "name: chunk", so two lines in one
    # segment reach the others as one message with one name (framing fails).
    "000": [P, P, P, P, P, P, P, P, P, P, P, P] + [F, F, P, F] + [P] + [P, P, P, P, P, F, F, P],
    # 001's chat has no names: there is no name to check (the issue allows P or S).
    # 001 and 002 relay the bytes unchanged (the client shows them), so lines
    # arrive as they were sent however TCP cut them: framing passes.
    # Its client sends the name typed at its prompt: credited from what it sent (issue 16).
    "001": [P, P, F, P, F, P, P, F, F, P, F, P] + [P, F, P, F] + [P] + [P, P, P, P, P, F, F, P],
    "002": [P, P, P, P, F, P, F, F, P, P, F, F] + [P, F, P, F] + [P] + [P, P, P, P, P, F, F, P],
    # 003's server does not compile, so its client is graded against the
    # reference server, which reads whole lines (the recommended protocol).
    # The client sends its lines without a newline, so the server never sees
    # the end of the name or of any line: the name, the lines, incoming
    # messages (it never joined) and Cyrillic all fail; like the other seed
    # clients it also hangs after EOF and spins when the server dies.
    # Its name does leave the client (without a newline): credited from what it sent (issue 16).
    "003": [F, S, S, S, S, S, S, S, S, S, S, S] + [S, S, S, S] + [P] + [P, P, F, F, F, F, F, P],
    # 004's client asks for a name and never sends it.  Its server prefixes
    # each recv() chunk with the name (framing fails, as for 000).
    "004": [P, P, P, P, P, P, F, F, P, F, F, P] + [F, F, P, F] + [P] + [P, F, P, P, P, F, F, P],
}
# Races in the seeds' own code (see RACY in test_fixture_verdicts.py): 001's and 002's servers are
# the tutorial pattern of late_leave_notice.  recv() == b'' is not checked, so Bob's thread spins
# relaying b'' after he leaves, and whichever thread's send to Bob fails first removes *its own*
# client, sometimes while another member's broadcast iterates the list: the member after Bob misses
# the message, or the speaker is dropped instead of Bob (failed, correctly; 001 failed 3 of 16
# quiet runs, either way).  Otherwise the chat goes on (passed).
RACY = {("001", "server.survives_leave"): {P, F}, ("002", "server.survives_leave"): {P, F}}

# (check, words its message must contain): the diagnosis, named.
DIAGNOSES = {
    "001": [("server.join_notice", "has entered the room"), ("server.no_spin", "b''"),
            ("server.slow_reader", "server.py:17")],
    "002": [("server.concurrency", "accept loop"), ("server.concurrency", "server.py:40"),
            ("server.leave_notice", "only after"), ("server.unicode", "UnicodeDecodeError")],
    "003": [("server.starts", "SyntaxError"), ("server.starts", "server.py:17")],
    "004": [("server.concurrency", "accept loop"), ("server.survives_leave", "BrokenPipeError"),
            ("server.survives_leave", "dropped"), ("server.no_spin", "% of the samples"),
            ("client.sends_name", "never sent it"), ("server.framing", "two lines in one TCP segment"),
            ("server.slow_reader", "stuck sending to Sleepy")],
}
for _prefix in ("000", "001", "002", "004"):
    DIAGNOSES.setdefault(_prefix, []).extend([("server.shutdown", "still running"),
                                              ("server.shutdown", "KeyboardInterrupt")])
# Every seed client hangs after EOF (a non-daemon receiver thread) and prints
# empty lines in a busy loop once the server is gone.
for _prefix in EXPECTED:
    DIAGNOSES.setdefault(_prefix, []).extend([
        ("client.quits", "EOFError"), ("client.quits", "still running"),
        ("client.server_gone", "% of a CPU core"), ("client.server_gone", "empty lines"),
        ("client.server_gone", "bytes/s")])
DIAGNOSES["003"] += [("client.sends_lines", "without a newline")]


def _seed(prefix):
    if not SEEDS.is_dir():
        pytest.skip(f"no seed reports at {SEEDS}")
    found = sorted(SEEDS.glob(f"{prefix}_*"))
    if not found:
        pytest.skip(f"seed {prefix} not found in {SEEDS}")
    return found[0]


@pytest.mark.parametrize("prefix", sorted(EXPECTED))
def test_seed_report_graded_as_is(prefix, tmp_path):
    graded = grade(_seed(prefix), tmp_path, one_session=False)
    assert graded.result is not None, graded.stderr
    statuses = graded.statuses()
    got = [statuses.get(check) for check in CHECKS]
    for index, check in enumerate(CHECKS):
        if got[index] in RACY.get((prefix, check), ()):
            got[index] = EXPECTED[prefix][index]
    assert got == EXPECTED[prefix], graded.stdout
    assert graded.code == (0 if set(EXPECTED[prefix]) == {P} else 1)
    for check_id, words in DIAGNOSES.get(prefix, []):
        assert words in graded.check(check_id)["message"], graded.check(check_id)["message"]
    assert graded.result["duration_s"] < 30  # bounded; the wall-time figure comes from bench/
