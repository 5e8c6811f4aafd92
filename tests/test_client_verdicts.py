"""Each client fixture models one student mistake; the grader must give the verdicts a teacher would.

The fixtures in ``tests/submissions/clients/<name>/client.py`` are clients
only.  Each is graded together with a copy of the reference server (so the
client meets a correct server speaking its protocol, and every server check
must pass).  ``EXPECTED`` lists, for every fixture, each client check
(``client.*`` and ``static.client_threading``) that is *not* passed; every
other check must pass.  ``MESSAGES`` lists what the failure messages (and,
where noted, hints) must say: the real cause, as a teacher would name it.

A submission without a client (the reference server alone) must have every
client check skipped, saying that no client was found, and score 0 for them.
"""

import ast
import re
import shutil
import sys
import tomllib

import pytest

from conftest import REFERENCE, ROOT, SUBMISSIONS, grade

CLIENTS = SUBMISSIONS / "clients"


def _points():
    return tomllib.loads((ROOT / "labs" / "chat" / "lab.toml").read_text(encoding="utf-8"))["points"]


POINTS = _points()
CLIENT_CHECKS = sorted(c for c in POINTS if c.startswith("client.") or c == "static.client_threading")
SERVER_CHECKS = sorted(c for c in POINTS if c not in CLIENT_CHECKS)

F, S = "failed", "skipped"

EXPECTED = {
    "good_threaded": {},
    # No receiver thread: after sending, it blocks in recv() until someone else talks, so the
    # user cannot type and nothing arrives unprompted.  Idle at input(), it also never notices
    # that the server is gone (same root cause, but a real, separate behaviour of the check).
    "lockstep": {"client.shows_incoming": F, "client.server_gone": F, "static.client_threading": F},
    # The server takes the first chat line as the name.  The lines typed later are still sent
    # (UTF-8 too), so sends_lines and unicode pass: one mistake, one check.
    "never_sends_name": {"client.sends_name": F},
    # EOFError traceback on Ctrl-D, and the non-daemon receiver keeps the process alive.
    "hangs_on_eof": {"client.quits": F},
    # recv() == b'' is never checked: empty lines at full speed once the server is gone.
    "spins_when_server_gone": {"client.server_gone": F},
    # .decode('ascii') in the receiver: the thread dies on the first Cyrillic message.
    "crashes_on_unicode": {"client.unicode": F},
}

# (fixture, check) -> regular expressions the check's message must match.
MESSAGES = {
    ("lockstep", "client.shows_incoming"): [r"did not come back to its prompt",
                                            r"waits for an answer from the server before the user may type again",
                                            r"send, then receive, in one loop"],
    ("lockstep", "client.server_gone"): [r"After the server was killed, the client was still running"],
    ("lockstep", "static.client_threading"): [r"never creates a threading\.Thread",
                                              r"cannot receive while it waits for the keyboard"],
    ("never_sends_name", "client.sends_name"): [r"asked for a name but never sent it",
                                                r"took the first chat line, 'hello everyone', as the name"],
    ("hangs_on_eof", "client.quits"): [r"keyboard was closed \(Ctrl-D\)", r"still running",
                                       r"EOFError at client\.py:\d+",
                                       r"recv_loop\(\) at client\.py:\d+", r"non-daemon thread"],
    ("spins_when_server_gone", "client.server_gone"): [r"still running", r"\b\d+% of a CPU core",
                                                       r"busy loop", r"recv\(\) returns b''",
                                                       r"\b\d+ empty lines \(\d+ bytes/s\)"],
    ("crashes_on_unicode", "client.unicode"): [r"did not show 'Привет, Дора! Ёлка зелёная'",
                                               r"UnicodeDecodeError", r"'ascii' codec",
                                               r"client\.py:\d+"],
}

# (fixture, check) -> regular expressions the check's hint must match.
HINTS = {
    # Why a receiver thread is needed is said by the hint; the message says what went wrong.
    ("lockstep", "client.shows_incoming"): [r"separate thread"],
}


# (fixture, check) -> regular expressions the client's screen in that check's transcript must match:
# the fixture really behaved as intended (the checks read the screen, not a particular wording).
SCREENS = {
    ("good_threaded", "client.server_gone"): [r"Server closed the connection"],
    ("never_sends_name", "client.sends_name"): [r"Welcome, hello everyone!"],
    ("spins_when_server_gone", "client.server_gone"): [r"\n\n\n\n\n\n\n\n"],
}


def _submission(name, folder):
    """The fixture's client.py next to a copy of the reference server."""
    folder.mkdir()
    shutil.copyfile(CLIENTS / name / "client.py", folder / "client.py")
    shutil.copyfile(REFERENCE / "server.py", folder / "server.py")
    return folder


def test_every_fixture_exists():
    on_disk = {path.parent.name for path in CLIENTS.glob("*/client.py")}
    assert on_disk == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_is_a_plain_stdlib_client(name):
    """A docstring saying what it models, stdlib imports only, a hard-coded address."""
    source = (CLIENTS / name / "client.py").read_text(encoding="utf-8")
    tree = ast.parse(source)
    assert (ast.get_docstring(tree) or "").strip(), f"{name}: no docstring"
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])
    assert imported <= set(sys.stdlib_module_names), f"{name}: {imported - set(sys.stdlib_module_names)}"
    assert "9090" in source and "fork" not in source


def test_message_tables_refer_to_listed_failures():
    for name, check_id in [*MESSAGES, *HINTS]:
        assert EXPECTED[name].get(check_id) == F, (name, check_id)


@pytest.mark.parametrize("name", sorted(EXPECTED))
@pytest.mark.slow
def test_client_fixture_verdicts(name, tmp_path):
    graded = grade(_submission(name, tmp_path / name), tmp_path)
    assert graded.result is not None, graded.stdout + graded.stderr
    assert graded.result["files"] == {"server": "server.py", "client": "client.py"}
    statuses = graded.statuses()
    checks = {c["id"]: c for c in graded.result["checks"]}
    assert set(statuses) == set(POINTS)

    expected = {check: EXPECTED[name].get(check, "passed") for check in POINTS}
    differing = {check: (statuses[check], expected[check], checks[check]["message"])
                 for check in POINTS if statuses[check] != expected[check]}
    assert not differing, f"{name}: check -> (got, expected, message): {differing}"

    for check in POINTS:
        want = float(POINTS[check]) if expected[check] == "passed" else 0.0
        assert checks[check]["score"] == want, (name, check, checks[check]["score"])
        if statuses[check] == F:
            assert checks[check]["message"].strip(), f"{name}: {check} failed without a message"
    assert graded.result["score"] == sum(float(POINTS[c]) for c in POINTS if expected[c] == "passed")

    not_passed = any(status != "passed" for status in expected.values())
    assert graded.code == (1 if not_passed else 0), graded.stdout + graded.stderr

    for table, field in ((MESSAGES, "message"), (HINTS, "hint")):
        for (fixture, check), patterns in table.items():
            if fixture != name:
                continue
            text = checks[check][field]
            for pattern in patterns:
                assert re.search(pattern, text, re.S), f"{name}: {check} {field}: {pattern!r} not in {text!r}"

    full = {c["id"]: c for c in graded.full()["checks"]}
    for (fixture, check), patterns in SCREENS.items():
        if fixture != name:
            continue
        screen = "".join(e["text"] for e in full[check]["transcript"]
                         if e["who"] == "client" and e["kind"] == "stdout")
        for pattern in patterns:
            assert re.search(pattern, screen), \
                f"{name}: {check}: the client's screen lacks {pattern!r}: {screen[:300]!r}"


# ---------------------------------------------------------------- no client at all
@pytest.fixture(scope="module")
def server_only(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("server_only")
    folder = tmp_path / "server_only"
    folder.mkdir()
    shutil.copyfile(REFERENCE / "server.py", folder / "server.py")
    return grade(folder, tmp_path)


@pytest.mark.slow
def test_server_only_skips_every_client_check(server_only):
    graded = server_only
    assert graded.result is not None, graded.stdout + graded.stderr
    assert "client" not in graded.result["files"], graded.result["files"]
    checks = {c["id"]: c for c in graded.result["checks"]}
    assert set(checks) == set(POINTS)
    for check in SERVER_CHECKS:
        assert checks[check]["status"] == "passed", (check, checks[check]["message"])
    for check in CLIENT_CHECKS:
        assert checks[check]["status"] == S, (check, checks[check]["status"], checks[check]["message"])
        assert checks[check]["score"] == 0.0, check
    assert graded.result["score"] == sum(float(POINTS[c]) for c in SERVER_CHECKS)
    assert graded.result["max_score"] == sum(float(p) for p in POINTS.values())
    assert graded.code == 1, graded.stdout + graded.stderr  # skipped checks: not full marks
    # The report says why: on the terminal, in the HTML report and in result.json.
    assert "no client was found" in graded.stdout
    assert "no client was found" in (graded.report_dir / "report.html").read_text(encoding="utf-8")
    assert any("no client was found" in c["message"] for c in graded.full()["checks"])


@pytest.mark.slow
def test_server_only_says_no_client_on_every_client_check(server_only):
    """Not "can't check until client.starts passes": there is nothing to pass, the student must be told why."""
    messages = {c["id"]: c["message"] for c in server_only.result["checks"]}
    wrong = {check: messages[check] for check in CLIENT_CHECKS if not re.search(r"no client", messages[check])}
    assert not wrong, f"client checks whose message does not say that no client was found: {wrong}"
