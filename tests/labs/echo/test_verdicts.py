"""The echo lab grades what a teacher would: the reference and a correct variant get full marks,
each fixture modelled on a real mistake fails exactly the checks about that mistake.

These run the real ``grader check --lab echo`` (a built-in lab, named) in a subprocess.
"""

import tomllib

import pytest

from conftest import ROOT, SUBMISSIONS, grade

FIXTURES = SUBMISSIONS / "echo"
REFERENCE = ROOT / "reference" / "echo"
CHECKS = list(tomllib.loads((ROOT / "labs" / "echo" / "lab.toml").read_text(encoding="utf-8"))["points"])
F, S = "failed", "skipped"
AFTER_ECHOES = {"echo.many_clients": S, "echo.unicode": S, "echo.client_leaves": S}

# Every check not named here must pass.
EXPECTED = {
    "good_socketserver": {},
    "serial": {"echo.many_clients": F, "static.threading": F},
    "spins_on_empty": {"echo.client_leaves": F},
    "first_only": {"echo.echoes": F, **AFTER_ECHOES},
    "ascii_crash": {"echo.unicode": F},
}

# The words a failure must contain: it names the real cause.
MESSAGES = {
    ("serial", "echo.many_clients"): "one client at a time",
    ("spins_on_empty", "echo.client_leaves"): "recv() that returns b'' forever",
    ("first_only", "echo.echoes"): "nothing came back",
    ("ascii_crash", "echo.unicode"): "UnicodeDecodeError",
}


def test_every_fixture_is_listed_and_on_disk():
    on_disk = {path.parent.name for path in FIXTURES.glob("*/server.py")}
    assert on_disk == set(EXPECTED)


@pytest.mark.slow
def test_reference_gets_full_marks(tmp_path):
    graded = grade(REFERENCE / "server.py", tmp_path, "--lab", "echo")
    assert graded.code == 0, graded.stdout + graded.stderr
    assert graded.statuses() == dict.fromkeys(CHECKS, "passed")
    assert graded.result["score"] == graded.result["max_score"] == 9


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_verdicts(name, tmp_path):
    graded = grade(FIXTURES / name, tmp_path, "--lab", "echo")
    assert graded.result is not None, graded.stdout + graded.stderr
    expected = {check: EXPECTED[name].get(check, "passed") for check in CHECKS}
    assert graded.statuses() == expected, graded.stdout
    assert graded.code == (0 if not EXPECTED[name] else 1)
    for (fixture, check_id), words in MESSAGES.items():
        if fixture == name:
            assert words in graded.check(check_id)["message"], graded.check(check_id)


@pytest.mark.slow
def test_the_lab_can_be_named_by_its_folder(tmp_path):
    """--lab DIR works as well as --lab NAME: a lab need not be built in."""
    graded = grade(FIXTURES / "serial", tmp_path, "--lab", ROOT / "labs" / "echo")
    assert graded.statuses()["echo.many_clients"] == F
