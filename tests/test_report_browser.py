"""The HTML report in a real browser (headless Chromium): diagram drawn, missing delivery shown, nothing too wide.

A copy of the report gets a small probe script that measures the laid-out
page and writes the results into data attributes of <html>; Chromium's
--dump-dom hands the DOM back.  The report itself has no script.  A
screenshot goes to reports/screenshots/ for CI to keep.
"""

import html
import json
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import psutil
import pytest

from conftest import ROOT, SUBMISSIONS, grade
from grader.i18n import set_language
from grader.report.html import render_html
from hostile import hostile_result

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed "
                                                          "(apt-get install chromium)")
SCREENSHOTS = ROOT / "reports" / "screenshots"

PROBE = """<script>
addEventListener("load", () => {
  const root = document.documentElement, width = window.innerWidth;
  const shown = (e) => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const tooWide = [...document.querySelectorAll("body *")].filter(
    (e) => shown(e) && e.getBoundingClientRect().right > width + 1 && !e.closest("pre, table.transcript"));
  const misses = [...document.querySelectorAll("svg.sequence g.arrow.miss")].filter(shown);
  root.dataset.innerWidth = width;
  root.dataset.scrollWidth = root.scrollWidth;
  root.dataset.diagrams = [...document.querySelectorAll("svg.sequence")].filter(shown).length;
  root.dataset.misses = misses.length;
  root.dataset.missText = misses.map((g) => g.textContent).join(" | ");
  root.dataset.tooWide = tooWide.slice(0, 5).map((e) => e.tagName + "." + (e.getAttribute("class") || "")).join(",");
  root.dataset.probed = "yes";
});
</script>"""


def chromium(url, profile, *extra, width=1200, height=2000):
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-crash-reporter",
               "--hide-scrollbars", f"--user-data-dir={profile}", f"--window-size={width},{height}", *extra, url]
    # A session of its own: when the browser returns, its helper processes
    # (zygotes, crash handler) go with it instead of lingering.
    started = time.time()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=90)
    finally:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()
        _wait_group_gone(process.pid)
        _kill_escaped(started)
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def _kill_escaped(started):
    """Chromium's crash handler leaves the browser's session (it comes to us, the subreaper): end it by PID."""
    for child in psutil.Process().children(recursive=True):
        try:
            if child.create_time() >= started - 1 and child.name().startswith("chrome"):
                child.kill()
                child.wait(5)
        except psutil.Error:
            continue


def _wait_group_gone(group, seconds=5.0):
    """Until no process of the group is left (they come to us, the subreaper, to be reaped)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            while os.waitpid(-1, os.WNOHANG)[0]:
                pass
        except ChildProcessError:
            pass
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return
        time.sleep(0.02)  # a bounded poll: dying processes send no notice we can wait on


def probe(page, tmp_path, width):
    """Lay ``page`` out at ``width`` px; return the probe's measurements (str -> str)."""
    probed = tmp_path / f"probe-{width}.html"
    probed.write_text(page.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    done = chromium(probed.as_uri(), tmp_path / f"profile-{width}", "--virtual-time-budget=5000",
                    "--run-all-compositor-stages-before-draw", "--dump-dom", width=width)
    match = re.search(r"<html\b[^>]*>", done.stdout)
    assert match, done.stderr[-2000:]
    found = {key: html.unescape(value) for key, value in re.findall(r'data-([\w-]+)="([^"]*)"', match.group())}
    assert found.get("probed") == "yes", done.stderr[-2000:]
    return found


def screenshot(report, tmp_path, name, width=1200, height=2000):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target = SCREENSHOTS / name
    chromium(report.as_uri(), tmp_path / f"shot-{name}", f"--screenshot={target}", width=width, height=height)
    assert target.is_file() and target.stat().st_size > 10_000
    return target


@pytest.mark.parametrize("lang", ["en", "ru"])
@pytest.mark.slow
def test_failing_report_in_chromium(graded_no_broadcast, tmp_path, lang):
    graded = graded_no_broadcast(lang)
    report = graded.report_dir / "report.html"
    page = report.read_text(encoding="utf-8")
    for width in (1200, 480):  # a laptop and a phone
        found = probe(page, tmp_path, width)
        assert int(found["scroll-width"]) <= int(found["inner-width"]), found
        assert found["too-wide"] == "", found
        assert int(found["diagrams"]) >= 1, found  # the failing check is open, its diagram drawn
        assert int(found["misses"]) == 1, found  # Bob never got Alice's message: the red ✗
        assert "hello everyone" in found["miss-text"] and "✗" in found["miss-text"], found
    screenshot(report, tmp_path, f"no_broadcast.{lang}.png")


def test_hostile_report_in_chromium(tmp_path):
    set_language("en")
    page = render_html(hostile_result())
    report = tmp_path / "hostile.html"
    report.write_text(page, encoding="utf-8")
    found = probe(page, tmp_path, 1200)
    assert "pwned" not in found  # the student's </script><script> never ran
    assert int(found["scroll-width"]) <= int(found["inner-width"]), found
    assert found["too-wide"] == "", found
    assert int(found["misses"]) == 1
    screenshot(report, tmp_path, "hostile.en.png", height=3000)


# What a student reads of a failing check, measured in the laid-out page: every
# defect the reports once had (issue 15) is looked for in the DOM.
DEFECTS_PROBE = """<script>
addEventListener("load", () => {
  const root = document.documentElement;
  const checks = [...document.querySelectorAll("details.check")].map((d) => {
    const text = d.textContent;
    const italic = (e) => getComputedStyle(e).fontStyle === "italic";
    return {
      id: d.id,
      tracebacks: (text.match(/Traceback \\(most recent call last\\)/g) || []).length,
      distinct: [...d.querySelectorAll("pre.traceback")].length
        + [...d.querySelectorAll(".received pre")].filter((p) => p.textContent.includes("Traceback (most")).length,
      received: [...d.querySelectorAll(".received h3")].map((h) => h.textContent),
      descriptions: [...d.querySelectorAll(".description")].filter(italic).map((p) => p.textContent),
      literalFont: [...d.querySelectorAll("pre.literal")].map((p) => getComputedStyle(p).fontFamily),
      errorBoxes: [...d.querySelectorAll("svg.sequence g.note.err")].map((g) => g.textContent),
      serverMisses: [...d.querySelectorAll("svg.sequence g.arrow.miss")].map((g) => g.textContent),
      messageText: [...d.querySelectorAll(".message, .hint, .diagnosis")].map((p) => p.textContent).join(" | "),
      messageCode: d.querySelectorAll(".message code").length,
    };
  });
  root.dataset.checks = JSON.stringify(checks);
  root.dataset.summary = [...document.querySelectorAll("table.summary td")].map((t) => t.textContent).join(" | ");
  root.dataset.page = document.body.textContent;
  root.dataset.probed = "yes";
});
</script>"""


def probe_defects(page, tmp_path):
    probed = tmp_path / "defects.html"
    probed.write_text(page.replace("</body>", DEFECTS_PROBE + "</body>"), encoding="utf-8")
    done = chromium(probed.as_uri(), tmp_path / "profile-defects", "--virtual-time-budget=5000", "--dump-dom")
    match = re.search(r"<html\b[^>]*>", done.stdout)
    assert match, done.stderr[-2000:]
    found = {key: html.unescape(value) for key, value in re.findall(r'data-([\w-]+)="([^"]*)"', match.group())}
    assert found.get("probed") == "yes", done.stderr[-2000:]
    return found, {check["id"]: check for check in json.loads(found["checks"])}


GRADER_PATHS = re.compile(r"grader-|bootstrap\.py|threading\.py|/grader/|/tmp/|site-packages")


@pytest.mark.slow
@pytest.mark.parametrize("fixture", ["ascii_names", "crash_on_disconnect"])
def test_report_defects_are_gone_in_chromium(fixture, tmp_path):
    """A failing fixture's report, in Russian: none of issue 15's defects, seen in the browser's DOM."""
    graded = grade(SUBMISSIONS / fixture, tmp_path, "--lang", "ru")
    assert graded.code == 1, graded.stdout + graded.stderr
    raw = json.dumps(graded.full(), ensure_ascii=False)
    report = graded.report_dir / "report.html"
    found, checks = probe_defects(report.read_text(encoding="utf-8"), tmp_path)
    # The submission's own folder is named (in the header): wherever the kit is checked out
    # (~/tmp/, a folder called grader), that path is not one of the grader's.
    page = found["page"].replace(str(SUBMISSIONS / fixture), "<submission>")
    # No grader path (its temporary copies, its shim, the interpreter's threading.py)...
    assert not GRADER_PATHS.search(page), GRADER_PATHS.search(page)
    # ...though the raw results keep them for staff.
    assert GRADER_PATHS.search(raw)
    # Markdown does not leak: no backslash escapes, no backticks; code is code.
    assert "`" not in found["summary"] and "\\*" not in page
    for check in checks.values():
        # No empty wait: "Получено (ожидание 0,75 с)" or just "Получено".
        for heading in check["received"]:
            assert "(" not in heading or re.search(r"\(ожидание \d+(,\d+)? с\)", heading), heading
        # One traceback per check: each shown once, in its own box (or in what was received).
        assert check["tracebacks"] == check["distinct"], check
        # Literal text is monospace; descriptions are italic.
        assert all("mono" in font.lower() for font in check["literalFont"]), check
        assert "`" not in check["messageText"], check
    if fixture == "ascii_names":
        concurrency, unicode = checks["server.concurrency"], checks["server.unicode"]
        assert concurrency["received"] == ["Получено"]  # the check waited no time: no "waited" at all
        assert "сервер читает имя участника Alice" in concurrency["descriptions"]
        assert "ничего" in concurrency["descriptions"]
        assert concurrency["messageCode"] == 1  # `nickname = ...` is code
        # The server never read Alice's name: the ✗ is on the server's lane, not "never arrived at Alice".
        assert any("так и не произошло" in miss for miss in concurrency["serverMisses"]), concurrency
        assert not any("не дошло до Alice" in miss for miss in concurrency["serverMisses"]), concurrency
        assert unicode["tracebacks"] == 1, unicode  # it was in the details, the output and the transcript
        assert any("UnicodeDecodeError: 'ascii' codec can't decode" in box for box in unicode["errorBoxes"])
    else:
        reset, survives = checks["server.leave_reset"], checks["server.survives_leave"]
        assert any("ConnectionResetError: [Errno 104]" in box for box in reset["errorBoxes"]), reset
        assert not any("Traceback" in box or "Exception in thread" in box for box in reset["errorBoxes"])
        assert survives["tracebacks"] == 1, survives  # the same BrokenPipeError in two threads: once
        assert any(re.search(r"\(ожидание 0,\d+ с\)", heading) for heading in reset["received"]), reset
    shot = screenshot(report, tmp_path, f"defects.{fixture}.ru.png", height=3000)
    assert shot.stat().st_size > 10_000
