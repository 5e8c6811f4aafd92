"""The reference solution gets full marks, through the real CLI."""

import pytest

from conftest import REFERENCE, grade, isolations

pytestmark = pytest.mark.slow  # every test here grades end to end


@pytest.mark.parametrize("isolation", isolations())
def test_reference_gets_full_marks(isolation, tmp_path):
    graded = grade(REFERENCE, tmp_path, "--isolation", isolation, one_session=False)
    assert graded.code == 0, graded.stdout + graded.stderr
    assert graded.result["isolation"] == ("namespaces" if isolation == "namespaces" else "process-group")
    assert set(graded.statuses().values()) == {"passed"}
    assert graded.result["score"] == graded.result["max_score"] > 0
    assert "Report:" in graded.stdout and (graded.report_dir / "report.html").is_file()


def test_report_shows_every_check_with_transcript(tmp_path):
    graded = grade(REFERENCE, tmp_path, one_session=False)
    html = (graded.report_dir / "report.html").read_text(encoding="utf-8")
    for check in graded.result["checks"]:
        assert f'id="{check["id"]}"' in html
    full = graded.full()
    robots = [c for c in full["checks"] if c["id"].startswith("server.") and c["id"] != "server.starts"]
    assert all(any(e["kind"] == "recv" for e in c["transcript"]) for c in robots)
    clients = [c for c in full["checks"] if c["id"].startswith("client.")]
    assert clients and all(any(e["who"] == "client" and e["kind"] == "stdin" for e in c["transcript"])
                           for c in clients)
    assert html.count('class="transcript"') >= len(robots) + len(clients)


def test_a_single_server_file_is_graded(tmp_path):
    graded = grade(REFERENCE / "server.py", tmp_path, one_session=False)
    assert graded.code == 1, graded.stdout + graded.stderr  # the client part is missing
    statuses = graded.statuses()
    assert all(s == "passed" for c, s in statuses.items() if c.startswith("server.") or c == "static.threading")
    assert all(s == "skipped" for c, s in statuses.items() if c.startswith("client.") or c == "static.client_threading")
    assert graded.result["files"] == {"server": "server.py"}
