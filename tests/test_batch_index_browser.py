"""The class index in a real browser (headless Chromium): the table and both charts are drawn.

The gradebook is made by hand (40 students, every kind of row, a hostile
name), so this needs no grading.  A copy of the page gets a probe script
that measures the laid-out page into data attributes of <html> (the page
itself has no script); a screenshot goes to reports/screenshots/.
"""

import html
import random
import re

import pytest

from conftest import ROOT
from grader.batch.export import write_outputs
from grader.batch.gradebook import CheckRow, Gradebook, Record
from test_report_browser import CHROMIUM, chromium

pytestmark = pytest.mark.skipif(CHROMIUM is None,
                                reason="headless Chromium is not installed (apt-get install chromium)")
SCREENSHOTS = ROOT / "reports" / "screenshots"
CHECKS = [("server.starts", 1), ("server.accepts", 1), ("server.join_notice", 1), ("server.broadcast", 2),
          ("server.attribution", 1), ("server.multi_user", 2), ("server.concurrency", 2), ("server.leave_notice", 1),
          ("client.starts", 1), ("client.shows_incoming", 2), ("static.threading", 1)]
HOSTILE = "</td></table><script>document.documentElement.dataset.pwned='yes'</script>"

PROBE = """<script>
addEventListener("load", () => {
  const root = document.documentElement;
  const size = (e) => { const r = e.getBoundingClientRect(); return [Math.round(r.width), Math.round(r.height)]; };
  const charts = [...document.querySelectorAll("svg.chart")];
  root.dataset.charts = charts.filter((e) => size(e)[0] > 200 && size(e)[1] > 100).length;
  root.dataset.bins = document.querySelectorAll("svg.histogram rect.bar").length;
  root.dataset.tallBins = [...document.querySelectorAll("svg.histogram rect.bar")].filter((e) => size(e)[1] > 0).length;
  root.dataset.rateBars = [...document.querySelectorAll("svg.rates rect.rate")].filter((e) => size(e)[0] > 0).length;
  root.dataset.rows = [...document.querySelectorAll("table.grades tbody tr")].filter((e) => size(e)[1] > 0).length;
  root.dataset.marks = document.querySelectorAll("table.grades td.mark").length;
  root.dataset.pairs = document.querySelectorAll("table.pairs tr").length - 1;
  root.dataset.probed = "yes";
});
</script>"""


def _class(book):
    rng = random.Random(7)
    for i in range(40):
        name = f"Student {i:02d}" if i != 5 else HOSTILE
        if i in (7, 21):
            book.record(Record(name, name, str(1000 + i), name, "c", "k", ("chat", "1", "h"), ("0.1.0", "b"), {},
                               "ungradable", "2026-01-01T00:00:00+00:00", 0.0,
                               reason=f"{name}: nothing in it (an empty folder)"))
            continue
        skill = rng.random()
        checks = []
        for index, (check, points) in enumerate(CHECKS):
            passed = rng.random() < skill + 0.35 - 0.03 * index
            checks.append(CheckRow(check, check.replace(".", " "), "passed" if passed else "failed",
                                   float(points if passed else 0), float(points), "" if passed else "why " + HOSTILE))
        score = sum(c.score for c in checks)
        book.record(Record(name, name, str(1000 + i), name, "c", "k", ("chat", "1", "h"), ("0.1.0", "b"), {},
                           "graded", "2026-01-01T00:00:00+00:00", 3.0, score=score,
                           max_score=float(sum(p for _c, p in CHECKS)), checks=tuple(checks),
                           report_dir=f"submissions/s{i}", fingerprints=tuple(range(i // 2 * 100, i // 2 * 100 + 30))))


def test_index_shows_the_table_and_both_charts(tmp_path):
    with Gradebook(tmp_path / "gradebook.sqlite") as book:
        _class(book)
        index = write_outputs(book, tmp_path, title="Group 7 <b>x</b>")
    page = index.read_text(encoding="utf-8")
    probed = tmp_path / "probe.html"
    probed.write_text(page.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    done = chromium(probed.as_uri(), tmp_path / "profile", "--virtual-time-budget=5000",
                    "--run-all-compositor-stages-before-draw", "--dump-dom", width=1300)
    match = re.search(r"<html\b[^>]*>", done.stdout)
    assert match, done.stderr[-2000:]
    found = {key: html.unescape(value) for key, value in re.findall(r'data-([\w-]+)="([^"]*)"', match.group())}
    assert found.get("probed") == "yes", done.stderr[-2000:]
    assert "pwned" not in found  # a student's name cannot run script
    assert found["charts"] == "2", found
    assert int(found["tall-bins"]) >= 3 and int(found["bins"]) == 16, found  # 0..15 points, a bar each
    assert int(found["rate-bars"]) >= len(CHECKS) - 1, found
    assert found["rows"] == "40" and found["marks"] == str(38 * len(CHECKS)), found
    assert int(found["pairs"]) == 18, found  # made alike in pairs; two of them not graded
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target = SCREENSHOTS / "batch-index.png"
    chromium(index.as_uri(), tmp_path / "shot", f"--screenshot={target}", width=1300, height=1800)
    assert target.is_file() and target.stat().st_size > 20_000
