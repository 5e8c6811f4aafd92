"""`grader watch`: the loop with fakes (grader.engine.watch), then the real command on a copy of a fixture."""

import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time

import psutil

from conftest import ROOT, SUBMISSIONS
from grader.engine.watch import Graded, Grading, NotGraded, Stopped, Watch, changed_files, compare, scan
from grader.model.results import CheckResult, GradingResult


class FakeTime:
    """A clock that moves only when the watch sleeps; ``at`` runs a callback once the time has come."""

    def __init__(self):
        self.now = 0.0
        self.plans = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds
        for plan in list(self.plans):
            if self.now >= plan[0]:
                self.plans.remove(plan)
                plan[1]()

    def at(self, t, action):
        self.plans.append((t, action))


def result(**statuses):
    checks = [CheckResult(check_id.replace("_", "."), check_id, status, 1.0 if status == "passed" else 0.0, 1.0)
              for check_id, status in statuses.items()]
    return GradingResult("chat", "s", checks)


def make_watch(files, results, fake, **options):
    graded = []

    def grade(root):
        graded.append(dict(files))
        outcome = results.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    watch = Watch("sol", grade, errors=(ValueError,), scan=lambda: dict(files), clock=fake.clock, sleep=fake.sleep,
                  **options)
    return watch, graded


def test_compare_names_each_check_that_changed():
    delta = compare(result(server_a="failed", server_b="passed"), result(server_a="passed", server_b="passed",
                                                                         server_c="failed"))
    assert [(c.id, c.before, c.after) for c in delta.changes] == [("server.a", "failed", "passed"),
                                                                  ("server.c", "", "failed")]
    assert (delta.score_before, delta.score_after, delta.first) == (1.0, 2.0, False)
    assert compare(None, result(server_a="failed")).first


def test_a_burst_of_saves_is_graded_once_and_what_changed_is_said():
    fake, files = FakeTime(), {"server.py": (10, 1)}
    watch, graded = make_watch(files, [result(server_a="failed"), result(server_a="passed")], fake, max_runs=2)
    # The editor writes server.py three times in 0.2 s, then client.py.
    for t, name, stamp in ((1.0, "server.py", 2), (1.1, "server.py", 3), (1.2, "server.py", 4), (1.25, "client.py", 1)):
        fake.at(t, lambda name=name, stamp=stamp: files.__setitem__(name, (10, stamp)))
    events = list(watch.events())
    assert [type(e) for e in events] == [Grading, Graded, Grading, Graded]
    assert events[2].files == ("client.py", "server.py")
    assert graded[1] == {"server.py": (10, 4), "client.py": (10, 1)}  # graded after the burst, once
    assert [(c.id, c.before, c.after) for c in events[3].delta.changes] == [("server.a", "failed", "passed")]
    # Within a second of the last write: the poll interval plus the quiet time.
    assert fake.now - 1.25 <= watch.interval_s + watch.quiet_s + watch.interval_s


def test_a_save_during_a_grading_is_graded_next():
    fake, files = FakeTime(), {"server.py": (1, 1)}
    results = [result(server_a="failed"), result(server_a="passed")]
    watch, graded = make_watch(files, results, fake, max_runs=2)
    original = watch.grade

    def slow_grade(root):
        outcome = original(root)
        if len(graded) == 1:
            files["server.py"] = (1, 2)  # saved while the first grading ran
        return outcome

    watch.grade = slow_grade
    events = list(watch.events())
    assert len(graded) == 2 and events[2].files == ("server.py",)
    assert fake.now < 1.0  # no wait for a save that already happened


def test_a_change_undone_is_not_graded_and_the_idle_limit_ends_the_watch():
    fake, files = FakeTime(), {"server.py": (1, 1)}
    watch, graded = make_watch(files, [result(server_a="failed")], fake, idle_limit_s=30)
    fake.at(1.0, lambda: files.__setitem__("server.py", (1, 2)))
    fake.at(1.1, lambda: files.__setitem__("server.py", (1, 1)))  # undone before the quiet time was over
    events = list(watch.events())
    assert [type(e) for e in events] == [Grading, Graded, Stopped]
    assert len(graded) == 1 and 30 <= fake.now <= 31


def test_a_submission_that_cannot_be_graded_is_reported_and_watched():
    fake, files = FakeTime(), {"server.py": (1, 1)}
    watch, graded = make_watch(files, [ValueError("no server found"), result(server_a="passed")], fake, max_runs=2)
    fake.at(2.0, lambda: files.__setitem__("server.py", (2, 2)))
    events = list(watch.events())
    assert isinstance(events[1], NotGraded) and "no server" in str(events[1].error)
    assert isinstance(events[3], Graded) and events[3].delta.first  # nothing graded before it to compare with


def test_scan_skips_caches_editor_files_and_the_report_folder(tmp_path):
    (tmp_path / "server.py").write_text("x")
    for junk in ("__pycache__/server.cpython-311.pyc", ".server.py.swp", "server.py~", "out/report.html"):
        (tmp_path / junk).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / junk).write_text("y")
    assert set(scan(tmp_path, skip=[tmp_path / "out"])) == {"server.py"}
    assert set(scan(tmp_path / "server.py")) == {"server.py"}
    assert changed_files({"a": (1, 1), "b": (1, 1)}, {"a": (1, 2), "c": (1, 1)}) == ["a", "b", "c"]


# ------------------------------------------------------------------ the real command
class Lines:
    """The lines a process prints, read by a thread; ``wait_for`` waits for one with a deadline."""

    def __init__(self, stream):
        self.lines, self.seen = queue.Queue(), []
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream):
        for line in stream:
            self.lines.put(line)
        self.lines.put(None)

    def wait_for(self, text, seconds):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            try:
                line = self.lines.get(timeout=end - time.monotonic())
            except queue.Empty:
                break
            if line is None:
                break
            self.seen.append(line)
            if text in line:
                return time.monotonic()
        raise AssertionError(f"{text!r} not printed within {seconds} s; printed:\n{''.join(self.seen)}")


FIXED_LEAVE = """                clients.remove(me)
            broadcast(f"<-- {me['name']} left the chat\\n")
"""


def test_grader_watch_regrades_after_a_save_and_leaves_nothing_on_ctrl_c(tmp_path):
    solution = tmp_path / "my_solution"
    shutil.copytree(SUBMISSIONS / "no_leave_notice", solution)
    env = dict(os.environ, PYTHONUNBUFFERED="1", LC_ALL="C.UTF-8", LANG="C.UTF-8")
    watcher = subprocess.Popen([sys.executable, "-m", "grader", "watch", str(solution), "--plain", "--lang", "en",
                                "--out", str(tmp_path / "report")], cwd=ROOT, env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        lines = Lines(watcher.stdout)
        lines.wait_for("Watching", 120)
        assert "server.leave_notice" in "".join(lines.seen) and (tmp_path / "report" / "report.html").is_file()
        server = solution / "server.py"
        server.write_text(server.read_text().replace("                clients.remove(me)\n", FIXED_LEAVE))
        saved = time.monotonic()
        noticed = lines.wait_for("Saved: server.py", 10)
        lines.wait_for("server.leave_notice: failed → passed", 120)
        lines.wait_for("Watching", 30)
        print(f"save noticed after {noticed - saved:.2f} s")
        # A second save, and Ctrl-C while that grading runs: the student's programs must go too.
        server.write_text(server.read_text() + "\n# again\n")
        lines.wait_for("Saved: server.py", 10)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not _students_programs(watcher.pid):
            time.sleep(0.05)  # a bounded poll: no event says "the grading started the server"
        assert _students_programs(watcher.pid), "the second grading never started the student's server"
        watcher.send_signal(signal.SIGINT)
        assert watcher.wait(timeout=30) in (0, 130)
        lines.wait_for("Stopped watching", 5)
        output = "".join(lines.seen)
        assert "Traceback" not in output
    finally:
        if watcher.poll() is None:
            watcher.kill()
            watcher.wait()
    left = [p for p in psutil.process_iter(["cmdline"]) if str(tmp_path) in " ".join(p.info["cmdline"] or [])
            or "grader-" in " ".join(p.info["cmdline"] or []) and _descends_from(p, os.getpid())]
    assert not left, left


def _students_programs(pid):
    """The student's programs below ``pid``: started afresh (server.py on their command line), or forked by a
    pod's init (they keep its command line: the init's children)."""
    found = []
    try:
        for process in psutil.Process(pid).children(recursive=True):
            parent = process.parent()
            if "server.py" in " ".join(process.cmdline()) or (parent and "pod_init" in " ".join(parent.cmdline())):
                found.append(process)
    except psutil.Error:
        pass
    return found


def _descends_from(process, pid):
    try:
        return any(parent.pid == pid for parent in process.parents())
    except psutil.Error:
        return False
