"""Hostile and broken code: bounded time, nothing left running, honest grades, safe reports.

Each fixture in tests/submissions/hostile/ is one file that wraps a working
chat server (chatcore.py) with its misbehaviour; the test assembles the
submission folder.  Every fixture bounds itself (time, memory, processes),
so it stays harmless even if isolation were missing.
"""

import ast
import concurrent.futures
import functools
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import tomllib
import uuid
from pathlib import Path

import psutil
import pytest

from conftest import ROOT, SUBMISSIONS, grade, isolations, run_grader
from grader.isolation.namespace import TOOL_VAR, available_tool
from grader.model.text import decode, localized

pytestmark = pytest.mark.slow  # every test here grades end to end

HOSTILE = SUBMISSIONS / "hostile"
SERVER_CHECKS = [c for c in tomllib.loads((ROOT / "labs" / "chat" / "lab.toml").read_text(encoding="utf-8"))["points"]
                 if c.startswith("server.") or c == "static.threading"]
NEVER_STARTS = {"server.starts": "failed", **{c: "skipped" for c in SERVER_CHECKS
                                              if c not in ("server.starts", "static.threading")}}
# Only the non-passed server checks; client checks are skipped (no client).
EXPECTED = {
    "cpu_before_listen": NEVER_STARTS,
    "memory_hog": NEVER_STARTS,
    "fork_storm": {"server.shutdown": "failed"},  # Ctrl-C reaches its 40 children too: tracebacks
    # The same, certain at any load: its children print their tracebacks 1.3 s after the Ctrl-C,
    # when the main process has long ended (the verdict waits for every process the Ctrl-C reached).
    "slow_children": {"server.shutdown": "failed"},
    "double_fork_daemon": {},
    # Its flood goes on while the chat is idle: a thread always running or printing, at any load.
    "output_flood": {"server.no_spin": "failed"},
    "ignores_sigterm": {"server.shutdown": "failed"},  # it ignores SIGINT too: Ctrl-C cannot end it
    "fake_grade": {"server.broadcast": "failed", "server.attribution": "skipped", "server.multi_user": "skipped",
                   "server.concurrency": "skipped", "server.survives_leave": "skipped", "server.unicode": "skipped",
                   "server.join_notice": "failed", "server.leave_notice": "failed", "server.leave_reset": "failed",
                   "static.threading": "passed", "server.framing": "skipped", "server.slow_reader": "skipped",
                   "server.many_members": "skipped", "server.shutdown": "failed"},
    "hostile_text": {},
    "kills_parent": {},
}
MESSAGES = {
    "output_flood": [("server.no_spin", "MB meanwhile: a loop prints without end")],
    "cpu_before_listen": [("server.starts", "did not start listening"), ("server.starts", "CPU")],
    "memory_hog": [("server.starts", "MemoryError")],
    "slow_children": [("server.shutdown", "ended with a traceback")],
}


def assemble(name, folder):
    folder.mkdir()
    shutil.copyfile(HOSTILE / f"{name}.py", folder / "server.py")
    shutil.copyfile(HOSTILE / "chatcore.py", folder / "chatcore.py")
    return folder


@pytest.mark.timeout(400)  # a fork storm is slow to grade: bounded by the grading's own limit
# output_flood is graded once, by test_output_flood_is_capped, which makes the same assertions.
@pytest.mark.parametrize("name", sorted(set(EXPECTED) - {"output_flood"}))
def test_hostile_fixture(name, tmp_path):
    if name == "kills_parent" and not available_tool():
        pytest.skip("without a PID namespace nothing can stop a program from signalling its parent")
    submission = assemble(name, tmp_path / "submission")
    before = {p.name: p.read_bytes() for p in submission.iterdir()}
    # Bounded: the grading ends by itself, well within the lab's submission limit (a timeout here fails).
    graded = grade(submission, tmp_path, timeout=300)
    assert graded.result is not None, graded.stderr
    assert_hostile_verdicts(name, graded.result, submission, before, graded.report_dir, tmp_path)


def assert_hostile_verdicts(name, result, submission, before, report_dir, out):
    statuses = {c["id"]: c["status"] for c in result["checks"]}
    messages = {c["id"]: c["message"] for c in result["checks"]}
    expected = {check: EXPECTED[name].get(check, "passed") for check in SERVER_CHECKS}
    assert {check: statuses[check] for check in SERVER_CHECKS} == expected, messages
    assert all(status == "skipped" for check, status in statuses.items() if check.startswith("client."))
    for check, words in MESSAGES.get(name, []):
        assert words in messages[check]
    # The student's code ran on a copy: its folder is as it was (no planted files).
    assert {p.name: p.read_bytes() for p in submission.iterdir()} == before
    assert not (out / "results.json").exists() and not (out / "result.json").exists()
    assert (report_dir / "report.html").is_file()


def test_fake_grade_changes_nothing(tmp_path):
    graded = grade(assemble("fake_grade", tmp_path / "submission"), tmp_path)
    assert graded.result["score"] < graded.result["max_score"] / 2
    html = (graded.report_dir / "report.html").read_text(encoding="utf-8")
    assert "<h1>25/25 passed</h1>" not in html  # the planted report is not ours
    assert graded.full()["score"] == graded.result["score"]


def test_hostile_text_is_neutralised_in_every_output(tmp_path):
    graded = grade(assemble("hostile_text", tmp_path / "submission"), tmp_path)
    html = (graded.report_dir / "report.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html and "<img src=x" not in html  # never as markup...
    assert "&lt;script&gt;" in html and "&lt;img src=x" in html  # ...but shown, escaped, in the transcript
    assert "\x1b" not in html and "\x1b" not in graded.stdout and "\x07" not in graded.stdout
    assert "\N{REPLACEMENT CHARACTER}" in html  # the invalid UTF-8 bytes


@pytest.mark.timeout(400)  # a 30 s flood: bounded by the grading's own limit
def test_output_flood_is_capped(tmp_path):
    submission = assemble("output_flood", tmp_path / "submission")
    before = {p.name: p.read_bytes() for p in submission.iterdir()}
    command = [sys.executable, "-m", "grader", "check", str(submission), "--out", str(tmp_path / "report"),
               "--plain", "--json", str(tmp_path / "out.json")]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               stdin=subprocess.DEVNULL)
    peak = 0
    deadline = time.monotonic() + 300
    while process.poll() is None and time.monotonic() < deadline:
        try:  # the grader and its parallel sessions, not the student's programs
            tree = [psutil.Process(process.pid)] + psutil.Process(process.pid).children(recursive=True)
            graders = [p for p in tree if "bootstrap.py" not in " ".join(p.cmdline())
                       and "pod_init" not in " ".join(p.cmdline())]
            peak = max(peak, sum(p.memory_info().rss for p in graders))
        except psutil.Error:
            pass
        time.sleep(0.05)  # a sampling interval, not a wait for something
    process.communicate(timeout=30)
    assert process.returncode == 1  # the client checks are skipped: no client
    result = json.loads((tmp_path / "out.json").read_text())
    assert_hostile_verdicts("output_flood", result, submission, before, tmp_path / "report", tmp_path)
    full = localized(decode(json.loads((tmp_path / "report" / "result.json").read_text())))  # Text kept as data
    outputs = [c["output"] for c in full["checks"] if c["output"]]
    assert outputs and max(len(o) for o in outputs) < 200_000
    assert any("bytes not kept" in o for o in outputs)
    assert peak < 400 * 1024 * 1024, f"grader memory peaked at {peak / 2**20:.0f} MiB"


@pytest.mark.parametrize("isolation", isolations())
def test_two_gradings_of_port_9090_at_once(isolation, tmp_path):
    folders = []
    for name in ("a", "b"):
        folder = tmp_path / name
        folder.mkdir()
        shutil.copyfile(ROOT / "reference" / "chat" / "server.py", folder / "server.py")  # binds 9090
        folders.append(folder)

    def run(folder):
        out = folder.parent / f"out-{folder.name}"
        out.mkdir()
        return grade(folder, out, "--isolation", isolation)

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        results = list(pool.map(run, folders))
    for graded in results:
        server = {c: s for c, s in graded.statuses().items() if c.startswith("server.")}
        assert set(server.values()) == {"passed"}, graded.stdout


# ------------------------------------------------------- the file system inside the pod
# Each probe reads, lists, connects or writes a marker, only at the paths the
# test made for it (probe.json), prints what it saw, and serves the chat.
PROBES = ["reads_outside", "lists_batch", "reads_output", "writes_marker", "reads_proc", "unix_socket", "who_am_i"]
TOOLS = ["bwrap", "unshare"]
SECRET_ENV = "GRADER_TEST_SECRET"


@functools.lru_cache(maxsize=None)
def tool_works(tool):
    """Whether ``tool`` opens the namespaces here (the grader would fall back otherwise)."""
    done = subprocess.run([sys.executable, "-c", "from grader.isolation.namespace import available_tool as a; "
                           "print(a())"], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, TOOL_VAR: tool}, timeout=30)
    return done.stdout.strip() == tool


class World:
    """Everything outside the pod that a probe may try to reach, all in the test's own folder."""

    def __init__(self, tmp_path, name):
        self.name = name
        self.secret = f"SECRET-{uuid.uuid4().hex}"
        self.secret_file = tmp_path / "secret.txt"
        self.secret_file.write_text(self.secret)
        self.batch = tmp_path / "batch"
        for student in ("alice", "bob"):
            (self.batch / student).mkdir(parents=True)
            (self.batch / student / "server.py").write_text(f"# {student}'s work: {self.secret}\n")
        self.submission = assemble(name, self.batch / "mallory")
        shutil.copyfile(HOSTILE / "probe.py", self.submission / "probe.py")
        self.out = tmp_path / "out"
        self.out.mkdir()
        (self.out / "gradebook.sqlite").write_text(f"gradebook {self.secret}")
        self.marker = tmp_path / "marker.txt"
        self.socket_dir = Path(tempfile.mkdtemp(prefix="grader-test-"))  # short: a UNIX socket path is < 108 bytes
        self.socket_path = self.socket_dir / "s"
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(str(self.socket_path))
        self.listener.listen()
        self.listener.setblocking(False)
        (self.submission / "probe.json").write_text(json.dumps({
            "secret": str(self.secret_file), "batch": str(self.batch), "out": str(self.out),
            "marker": str(self.marker), "test_pid": os.getpid(), "socket": str(self.socket_path)}))

    def grade(self, tool, isolation="namespaces"):
        env = {**os.environ, SECRET_ENV: self.secret}
        if tool:
            env[TOOL_VAR] = tool
        report = self.out / "mallory"
        done = run_grader("check", self.submission, "--json", self.out / "r.json", "--out", report, "--plain",
                          "--isolation", isolation, env=env)
        result = json.loads((self.out / "r.json").read_text()) if (self.out / "r.json").exists() else None
        return done, result, (report / "result.json").read_text(encoding="utf-8")

    def accepted(self):
        try:
            self.listener.accept()[0].close()
            return True
        except BlockingIOError:
            return False

    def close(self):
        self.listener.close()
        shutil.rmtree(self.socket_dir, ignore_errors=True)


def probed(full_text):
    """{what: seen} from the PROBE lines the server printed (the first of each: every check starts one)."""
    seen = {}
    for check in localized(decode(json.loads(full_text)))["checks"]:  # the output is kept as data (Text)
        for line in (check.get("output") or "").splitlines():
            what, sep, text = line.removeprefix("PROBE ").partition(": ")
            if line.startswith("PROBE ") and sep:
                seen.setdefault(what, text)
    return seen


def outside_uid(seen_uid):
    """The uid outside the pod of the probe's uid, from the uid map it printed."""
    inside, _effective, uid_map = ast.literal_eval(seen_uid)
    for row in range(0, len(uid_map), 3):
        first, outer, count = map(int, uid_map[row:row + 3])
        if first <= inside < first + count:
            return outer + inside - first
    return None


def denied(text):
    return text.startswith("'DENIED")


@pytest.fixture
def world(request, tmp_path):
    made = World(tmp_path, request.param)
    yield made
    made.close()


@pytest.mark.parametrize("tool", TOOLS)
@pytest.mark.parametrize("world", PROBES, indirect=True)
def test_the_pod_shows_nothing_but_the_submission(world, tool):
    if not tool_works(tool):
        pytest.skip(f"{tool} cannot open namespaces here")
    done, result, full = world.grade(tool)
    assert result is not None, done.stderr
    assert result["isolation"] == "namespaces" and "files" in result["protections"], result["isolation"]
    assert result["isolation_tool"] == {"bwrap": "bubblewrap", "unshare": "unshare"}[tool]
    label = {"bwrap": "bubblewrap", "unshare": "unshare"}[tool]
    assert f"Isolation: namespaces ({label}): network, processes, files;" in done.stdout
    assert "files are not isolated" not in done.stdout
    statuses = {c["id"]: c["status"] for c in result["checks"]}
    assert {c: statuses[c] for c in SERVER_CHECKS} == {c: "passed" for c in SERVER_CHECKS}, done.stdout
    seen = probed(full)
    assert set(seen) == EXPECTED_PROBES[world.name], seen  # every probe ran, and said what it saw
    assert world.secret not in full  # nothing of the outside reached the report
    assert not world.marker.exists() and not world.accepted()
    CONCLUSIONS[world.name](seen)


def _no_secret_file(seen):
    assert denied(seen["secret"]), seen


def _no_batch(seen):
    assert denied(seen["batch"]) and denied(seen["neighbour"]), seen
    assert "alice" not in seen["parent"] and "bob" not in seen["parent"], seen  # its own copies at most


def _no_output(seen):
    assert denied(seen["out"]) and denied(seen["gradebook"]), seen


def _no_marker(seen):
    assert denied(seen["marker"]), seen


def _no_grader_processes(seen):
    assert SECRET_ENV not in seen["environ"] and denied(seen["test_cmdline"]), seen
    assert "pytest" not in seen["cmdlines"] and "grader\\x00check" not in seen["cmdlines"], seen


def _no_socket(seen):
    assert denied(seen["socket"]), seen


def _not_root(seen):
    assert outside_uid(seen["uid"]) not in (0, None), seen
    assert denied(seen["shadow"]) and denied(seen["home"]), seen
    visible = set(ast.literal_eval(seen["root_home"])) if not denied(seen["root_home"]) else set()
    needed = {Path(p).relative_to("/root").parts[0] for p in (sys.prefix, sys.base_prefix)
              if Path(p).is_relative_to("/root")}
    assert visible <= needed, seen  # only the folders leading to the interpreter


EXPECTED_PROBES = {"reads_outside": {"secret"}, "lists_batch": {"parent", "batch", "neighbour"},
                   "reads_output": {"out", "gradebook"}, "writes_marker": {"marker"},
                   "reads_proc": {"environ", "test_cmdline", "cmdlines"}, "unix_socket": {"socket"},
                   "who_am_i": {"uid", "shadow", "root_home", "home"}}
CONCLUSIONS = {"reads_outside": _no_secret_file, "lists_batch": _no_batch, "reads_output": _no_output,
               "writes_marker": _no_marker, "reads_proc": _no_grader_processes, "unix_socket": _no_socket,
               "who_am_i": _not_root}


@pytest.mark.parametrize("world", ["reads_outside"], indirect=True)
def test_without_namespaces_the_probe_does_see_the_outside(world):
    """The control: the probes can fail (with process groups the program reads what the grading user reads)."""
    done, result, full = world.grade(None, isolation="process")
    assert result["isolation"] == "process-group" and result["protections"] == []
    assert probed(full)["secret"] == ascii(world.secret.encode())
    assert "files are not isolated" in done.stdout


# ------------------------------------------------------- refusing to grade a class unprotected
@pytest.mark.parametrize("how", ["--isolation process", "no namespaces here"])
def test_batch_refuses_to_grade_without_file_isolation(tmp_path, how):
    root, out = tmp_path / "class", tmp_path / "out"
    (root / "empty").mkdir(parents=True)  # ungradable: the batch itself, not a grading, is under test
    args = ["batch", root, "--out", out, "--plain"]
    env = dict(os.environ)
    if how == "no namespaces here":
        env[TOOL_VAR] = "none"  # neither bwrap nor unshare: auto falls back to process groups
    else:
        args += ["--isolation", "process"]
    done = run_grader(*args, env=env)
    assert done.returncode == 2, done.stdout + done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "--unsafe" in done.stderr, done.stderr
    assert not out.exists()  # refused before anything was written
    done = run_grader(*args, "--unsafe", env=env)
    assert done.returncode == 1, done.stdout + done.stderr  # graded: the empty entry is ungradable
    assert (out / "gradebook.sqlite").is_file()


def test_check_says_when_files_are_not_isolated(tmp_path):
    env = {**os.environ, TOOL_VAR: "none"}
    done = run_grader("check", ROOT / "reference" / "chat" / "server.py", "--out", tmp_path / "r", "--plain", env=env)
    assert done.returncode == 1, done.stdout + done.stderr  # no client: its checks are skipped
    assert "Isolation: process group: none;" in done.stdout
    assert "Warning: files are not isolated" in done.stdout


def test_the_view_holds_the_runtime_and_the_copies_only(tmp_path):
    from grader.isolation.namespace import pod_view

    view = pod_view(tmp_path)
    paths = {path for _kind, path, _extra in view}
    assert ("rw", str(tmp_path), None) in view and [k for k, p, _ in view if k == "rw"] == ["rw"]
    assert {"/proc", "/dev", "/tmp", "/usr"} <= paths
    assert not paths & {"/", "/home", "/root", "/etc", "/var", "/work", "/etc/shadow", "/etc/gshadow"}
    assert not [p for p in paths if p.startswith("/etc/") and ("shadow" in p or "ssh" in p or "sudo" in p)]
    assert str(ROOT) not in paths and all(not p.startswith(str(ROOT / "tests")) for p in paths)
    # What the interpreter needs is in, read-only, after the private /tmp that could hide it.
    kinds = {path: kind for kind, path, _extra in view}
    for needed in (sys.base_prefix, str(ROOT / "grader" / "isolation" / "shim")):
        assert any(needed == p or needed.startswith(p + "/") for p in paths if kinds[p] == "ro"), needed
    order = [path for _kind, path, _extra in view]
    assert order.index("/tmp") < order.index(str(tmp_path))
