"""Servers that speak a protocol of their own are graded through the student's own client (puppets).

Each fixture in ``tests/submissions/protocols/`` is a chat whose server and
client speak one protocol the grader's robots do not (JSON objects, 4-byte
length prefixes, two connections per client, command words), and each has a
twin with one real bug the puppets must catch.  ``EXPECTED`` lists, per
fixture, every check that is not passed; every other check must pass, and
every behaviour check must say it was graded through the student's client.
"""

import tomllib

import pytest

from conftest import ROOT, SUBMISSIONS, grade

PROTOCOLS = SUBMISSIONS / "protocols"
POINTS = tomllib.loads((ROOT / "labs" / "chat" / "lab.toml").read_text(encoding="utf-8"))["points"]
STATIC = {"static.threading", "static.client_threading"}
F, S = "failed", "skipped"
# Through the student's client, the checks that need the grader's own sockets do not apply (0 points).
ROBOTS_ONLY = {"server.framing": S, "server.slow_reader": S, "server.many_members": S}

EXPECTED = {
    "json_chat": {**ROBOTS_ONLY},
    # Acceptance: the same chat with no leave notice fails exactly these two, through puppets.
    "json_no_leave": {"server.leave_notice": F, "server.leave_reset": F, **ROBOTS_ONLY},
    "length_prefixed": {**ROBOTS_ONLY},
    # Relays each message to one member only: two-member checks pass, five members do not.
    "length_one_receiver": {"server.multi_user": F, "server.survives_leave": F, **ROBOTS_ONLY},
    "two_connections": {**ROBOTS_ONLY},
    # Keeps the departed member's receiving socket: the next speaker's thread dies on it.
    "two_connections_stale": {"server.survives_leave": F, **ROBOTS_ONLY},
    "command_words": {**ROBOTS_ONLY},
    # Reads NICK in the accept loop: a silent connection blocks everyone's name.
    "command_words_accept_loop": {"server.concurrency": F, **ROBOTS_ONLY},
    # A JSON server with a client of another protocol: neither robots nor puppets can talk; robots grade it.
    "json_plain_client": {"server.join_notice": F, "server.broadcast": F, "server.attribution": S,
                          "server.multi_user": S, "server.concurrency": S, "server.leave_notice": F,
                          "server.leave_reset": F, "server.survives_leave": S, "server.unicode": S,
                          "server.framing": S, "server.slow_reader": S, "server.many_members": S,
                          "client.sends_lines": F, "client.shows_incoming": F, "client.unicode": F,
                          "client.quits": F, "client.server_gone": F},
}
ROBOTS_MODE = {"json_plain_client"}

# (fixture, check) -> words its message must contain.
MESSAGES = {
    ("json_no_leave", "server.leave_notice"): ["notice that Bob left", "into your client"],
    ("json_no_leave", "server.leave_reset"): ["client process was killed"],
    ("two_connections_stale", "server.survives_leave"): ["BrokenPipeError", "server.py:"],
    ("command_words_accept_loop", "server.concurrency"): ["accept loop", "server.py:"],
    # Neither works: what the robots sent, what the server did with it, why the client could not be used.
    ("json_plain_client", "server.broadcast"): ["robots sent 'Alice', 'Bob'", "JSONDecodeError", "server.py:28",
                                                "Your client could not be used instead",
                                                "Bob's client did not show Alice's line"],
}


def test_every_fixture_is_listed():
    assert sorted(p.name for p in PROTOCOLS.iterdir() if p.is_dir()) == sorted(EXPECTED)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_protocol_verdicts(name, tmp_path):
    graded = grade(PROTOCOLS / name, tmp_path, timeout=180)
    assert graded.result is not None, graded.stdout + graded.stderr
    statuses = graded.statuses()
    messages = {c["id"]: c["message"] for c in graded.result["checks"]}
    expected = {check: EXPECTED[name].get(check, "passed") for check in POINTS}
    differing = {check: (statuses.get(check), expected[check], messages.get(check))
                 for check in POINTS if statuses.get(check) != expected[check]}
    assert not differing, f"{name}: check -> (got, expected, message): {differing}"
    # Every behaviour check was graded through the student's client; starts and the static ones by no member.
    full = graded.full()
    by = {c["id"]: c.get("graded_by", "") for c in full["checks"]}
    mode = "robots" if name in ROBOTS_MODE else "your client"
    graded_checks = [c for c in POINTS if c not in STATIC and c != "server.starts" and expected[c] != S]
    assert {c: by[c] for c in graded_checks} == {c: mode for c in graded_checks}
    assert all(not by[c] for c in STATIC | {"server.starts"})
    puppets_note = "Graded through your own client: your server speaks its own protocol."
    assert (puppets_note in full["notes"]) == (mode == "your client")
    assert f"Checks graded through: {mode}." in graded.stdout
    for (fixture, check), words in MESSAGES.items():
        if fixture == name:
            for word in words:
                assert word in messages[check], messages[check]
    # Exit 0 when every check that applies passed (a check that does not apply is worth 0 and fails no one).
    assert graded.code == (1 if F in EXPECTED[name].values() else 0)


@pytest.mark.slow
def test_a_json_chat_that_works_scores_what_the_reference_scores(tmp_path):
    """Acceptance: full marks on every check that applies, as the reference (which gets them all)."""
    graded = grade(PROTOCOLS / "json_chat", tmp_path, timeout=180)
    reference = grade(ROOT / "reference" / "chat", tmp_path / "reference")
    failing = {c["id"]: c["message"] for c in graded.result["checks"] if c["status"] not in ("passed", "skipped")}
    assert graded.result["score"] == graded.result["max_score"] and graded.code == 0, failing
    assert reference.result["score"] == reference.result["max_score"]
    lost = {c["id"] for c in reference.result["checks"]} - {c["id"] for c in graded.result["checks"] if c["max_score"]}
    assert lost == set(ROBOTS_ONLY)  # what does not apply through a client, and nothing else


@pytest.mark.slow
def test_reference_stays_with_robots(tmp_path):
    graded = grade(ROOT / "reference" / "chat", tmp_path)
    assert graded.code == 0, graded.stdout
    by = {c["id"]: c.get("graded_by", "") for c in graded.full()["checks"]}
    assert by["server.broadcast"] == "robots" and by["client.sends_lines"] == "robots"
    assert "your client" not in by.values()
    assert "Checks graded through: robots." in graded.stdout


@pytest.mark.slow
def test_report_shows_how_each_check_was_graded(tmp_path):
    graded = grade(PROTOCOLS / "json_no_leave", tmp_path, timeout=180)
    html = (graded.report_dir / "report.html").read_text(encoding="utf-8")
    assert "Checks graded through: your client." in html
    applies = [c for c in POINTS if c not in STATIC and c != "server.starts" and c not in ROBOTS_ONLY]
    assert html.count('class="graded-by"') == len(applies)
    ru = grade(PROTOCOLS / "json_no_leave", tmp_path / "ru", "--lang", "ru", timeout=180)
    assert "Проверено через ваш собственный клиент: ваш сервер говорит на своём протоколе." in ru.stdout
    assert "Проверки выполнены через: ваш клиент." in ru.stdout
