"""Servers without a thread per client, and submissions with one role only, get a teacher's verdicts.

asyncio (streams, a Protocol class), selectors and socketserver servers are
found and graded on what they do; only ``static.threading`` judges the
concurrency model (a ThreadingTCPServer *is* threaded).  A client alone is
graded against the reference server, its server checks skipped for want of
a server; a server alone has its client checks skipped.  ``EXPECTED`` lists,
for each fixture, every check that is not passed; all others must pass.
"""

import json
import tomllib

import pytest

from conftest import ROOT, SUBMISSIONS, grade, isolations
from grader.intake.discover import discover

F, S = "failed", "skipped"

POINTS = tomllib.loads((ROOT / "labs" / "chat" / "lab.toml").read_text(encoding="utf-8"))["points"]
SERVER_CHECKS = sorted(c for c in POINTS if c.startswith("server.") or c == "static.threading")
CLIENT_CHECKS = sorted(c for c in POINTS if c not in SERVER_CHECKS)

NO_CLIENT = {check: S for check in CLIENT_CHECKS}
NO_SERVER = {check: S for check in SERVER_CHECKS}

# None of these servers handles Ctrl-C (a KeyboardInterrupt traceback: server.shutdown fails), and
# those that send in the speaker's thread (sendall / a stream writer's drain) let a member that stops
# reading stop the others (server.slow_reader).
SHUTDOWN = {"server.shutdown": F}
BLOCKING = {"server.slow_reader": F, **SHUTDOWN}

EXPECTED = {
    "asyncio_streams": {"static.threading": F, **BLOCKING, **NO_CLIENT},
    "asyncio_protocol": {"static.threading": F, **SHUTDOWN, **NO_CLIENT},
    "selectors_loop": {"static.threading": F, **SHUTDOWN, **NO_CLIENT},
    "socketserver_threading": {**BLOCKING, **NO_CLIENT},
    # Plain TCPServer serves one connection at a time: as the hand-written serial server.
    "socketserver_serial": {"server.join_notice": F, "server.broadcast": F, "server.attribution": S,
                            "server.multi_user": S, "server.concurrency": S, "server.survives_leave": S,
                            "server.unicode": S, "server.leave_notice": F, "server.leave_reset": F,
                            "server.framing": S, "server.slow_reader": S, "server.many_members": S,
                            "static.threading": F, **SHUTDOWN, **NO_CLIENT},
    "server_only": {**BLOCKING, **NO_CLIENT},
    "client_only": NO_SERVER,
    "asyncio_client": {**NO_SERVER, "static.client_threading": F},
}

# The reason every skipped check of a fixture gives.
SKIP_REASONS = {"client_only": "there is no server in the submission",
                "asyncio_client": "there is no server in the submission",
                "server_only": "no client was found in the submission"}

ROLES = {"asyncio_streams": ("server.py", None), "asyncio_protocol": ("server.py", None),
         "selectors_loop": ("server.py", None), "socketserver_threading": ("server.py", None),
         "socketserver_serial": ("server.py", None), "server_only": ("chat_server.py", None),
         "client_only": (None, "client.py"), "asyncio_client": (None, "client.py")}


@pytest.mark.parametrize("name", sorted(ROLES))
def test_each_shape_is_found_in_its_role(name):
    submission = discover(SUBMISSIONS / name)
    found = tuple(path.name if path else None for path in (submission.server, submission.client))
    assert found == ROLES[name]


def test_every_fixture_is_listed():
    assert sorted(EXPECTED) == sorted(ROLES)
    assert all((SUBMISSIONS / name).is_dir() for name in EXPECTED)


@pytest.mark.slow
@pytest.mark.parametrize("isolation", isolations())
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_shape_verdicts(name, isolation, tmp_path):
    graded = grade(SUBMISSIONS / name, tmp_path, "--isolation", isolation)
    assert graded.result is not None, graded.stdout + graded.stderr
    statuses = graded.statuses()
    messages = {c["id"]: c["message"] for c in graded.result["checks"]}
    assert sorted(statuses) == sorted(POINTS)
    expected = {check: EXPECTED[name].get(check, "passed") for check in POINTS}
    differing = {check: (statuses[check], expected[check], messages[check])
                 for check in POINTS if statuses[check] != expected[check]}
    assert not differing, f"{name}: check -> (got, expected, message): {differing}"
    # Graded, never refused: exit 1 because some points are not earned, never 2 or 3.
    assert graded.code == 1, graded.stdout + graded.stderr

    if name in SKIP_REASONS:
        skipped = [check for check, status in expected.items() if status == S]
        assert {messages[check] for check in skipped} == {SKIP_REASONS[name]}, messages
    if expected["static.threading"] == F and ("asyncio" in name or "selectors" in name):
        assert "event loop" in messages["static.threading"]
    if name == "socketserver_threading":
        # serve_forever() polls every 0.5 s: decided once it has woken with nothing else moving
        # (the relay blocked sending to Sleepy), not when the wait's 2 s bound ran out.
        assert "nothing more could arrive" in messages["server.slow_reader"], messages["server.slow_reader"]
    if name in ("client_only", "asyncio_client"):
        # The client is graded against the reference server, and the report says so.
        assert "the reference server (the submission has no server)" in json.dumps(graded.full())
