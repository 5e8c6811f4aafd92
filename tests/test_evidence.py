"""Verdicts decided by evidence, not clocks (issue 13): early, and the same at any load.

A failure decided on complete evidence (every program blocked for good,
nothing in flight) is reported at once and never re-run; one that a time
bound decided (a program that never settles) is graded again in a fresh pod
before it counts.  Pacing settles past a server's sleeps, so a late reaction
is not taken for the reaction to the next action.

The fixtures with a heartbeat (``ticking_no_broadcast``: decided once the
heartbeat has woken twice with nothing else moving, a count, so not
graded again; ``polling_relay``, whose ticking thread sends every relay) and
with a sleep before each join notice (``sleepy_join_notice``: its late join
notice is no leave notice) are graded once, by
``tests/test_fixture_verdicts.py`` (its ``CONFIRMED`` and ``EXPECTED``).
"""

import pytest

from conftest import SUBMISSIONS, grade

pytestmark = pytest.mark.slow


def failed_check(submission, check_id, tmp_path):
    """Check ``check_id`` of a grading of ``submission``, which must have failed."""
    check = {c["id"]: c for c in grade(submission, tmp_path).full()["checks"]}[check_id]
    assert check["status"] == "failed", check
    return check


def client_alone(name, tmp_path):
    """A submission holding only the client fixture ``name`` (graded against the reference server)."""
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "client.py").write_bytes((SUBMISSIONS / "clients" / name / "client.py").read_bytes())
    return folder


def test_a_failure_on_evidence_is_decided_early_and_once(tmp_path):
    broadcast = failed_check(SUBMISSIONS / "no_broadcast" / "server.py", "server.broadcast", tmp_path)
    assert not broadcast["details"].get("confirmed")
    # Decided when the server was blocked for good, not when the 2 s bound ran out.
    assert broadcast["details"]["waited_s"] < 1.5, broadcast["details"]


def test_a_failure_beside_a_heartbeat_is_decided_after_its_wakes_and_once(tmp_path):
    # The heartbeat thread wakes every 50 ms: the server is never still, but once the heartbeat has
    # woken twice with nothing else moving, the relay is not coming.  Counted, not timed: no
    # load changes it, so it is not graded again.  Before: each such wait ran out its 2 s bound.
    broadcast = failed_check(SUBMISSIONS / "ticking_no_broadcast" / "server.py", "server.broadcast", tmp_path)
    assert not broadcast["details"].get("confirmed"), broadcast
    assert broadcast["details"]["waited_s"] < 1.0, broadcast["details"]


def test_a_failure_beside_a_select_with_a_timeout_is_decided_after_its_wakes_and_once(tmp_path):
    # The one thread waits in select() with a 0.2 s timeout: never blocked for good.  Once it has
    # woken twice with nothing to do and nothing in flight, the leave notice is not coming.
    leave = failed_check(SUBMISSIONS / "select_timeout_no_leave" / "server.py", "server.leave_notice", tmp_path)
    assert not leave["details"].get("confirmed"), leave
    assert leave["details"]["waited_s"] < 1.5, leave["details"]


def test_a_client_in_a_busy_loop_once_the_server_is_gone_is_failed_without_waiting_out_the_bound(tmp_path):
    # recv() returns b'' forever and the client prints empty lines: found spinning (run share, or
    # running between every two samples), which is what the check forbids, whether or not it would end.
    gone = failed_check(client_alone("spins_when_server_gone", tmp_path), "client.server_gone", tmp_path)
    assert "never stopped running" in gone["message"], gone
    assert gone["details"]["waited_s"] < 1.5, gone["details"]


def test_a_client_that_cannot_end_is_failed_without_waiting_out_the_bound(tmp_path):
    quits = failed_check(client_alone("hangs_on_eof", tmp_path), "client.quits", tmp_path)
    assert "nothing in it could end it" in quits["message"]
