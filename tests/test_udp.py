"""UDP chats (the assignment allows them) are graded with datagram robots, out of their own maximum.

The shim redirects a datagram server's bind (its readiness) and a client's
sendto; intake tells a UDP server and client apart; the pods hand robots
datagram sockets inside the pod; lab.toml's ``[udp]`` section gives the
points of the checks that apply.  ``EXPECTED`` lists, for each fixture under
``tests/submissions/udp``, every check that is not passed; all others must
pass.  The three checks a UDP chat cannot show are skipped with 0 points.
"""

import ast
import os
import socket
import subprocess
import sys
import textwrap
import tomllib

import pytest

from conftest import ROOT, SUBMISSIONS, grade, isolations
from grader.intake.discover import discover
from grader.intake.roles import transport
from grader.isolation.pods import CheckPod, make_pod
from grader.isolation.program import BOOTSTRAP
from grader.labs.chat.datagram import quit_word, udp_profile
from grader.model.lab import load_lab

UDP = SUBMISSIONS / "udp"
LAB = tomllib.loads((ROOT / "labs" / "chat" / "lab.toml").read_text(encoding="utf-8"))
POINTS = LAB["points"]
UDP_POINTS = LAB["udp"]["points"]
NOT_APPLICABLE = sorted(set(POINTS) - set(UDP_POINTS))
F, S = "failed", "skipped"
SERVER_CHECKS = [c for c in UDP_POINTS if c.startswith("server.")]

EXPECTED = {
    "good": {},
    # Every reply goes back to the sender only: nobody hears anybody.  Its client is graded against it
    # (it reads the robots' names), so the client's lines reach no one either.
    "echo_to_sender": {"server.join_notice": F, "server.broadcast": F, "server.attribution": S,
                       "server.multi_user": S, "server.concurrency": S, "server.leave_notice": F,
                       "server.survives_leave": S, "server.unicode": S, "client.sends_lines": F,
                       "client.shows_incoming": F, "client.unicode": F},
    # Send, then wait for an answer: nothing from others appears while the user sits at the prompt.
    "lockstep_client": {"client.shows_incoming": F, "static.client_threading": F},
    # Keeps one address (the previous sender's): a two-member chat works, five do not.
    "last_sender": {"server.multi_user": F, "server.leave_notice": F, "server.survives_leave": F,
                    "client.sends_lines": F, "client.unicode": F},
    # The quit command is relayed as a message ("[Bob] exit"), never announced as a leave.
    "no_leave": {"server.leave_notice": F},
    # A UDP client alone: graded against the UDP reference server.
    "client_only": {check: S for check in SERVER_CHECKS},
}


def test_udp_points_leave_out_what_needs_a_connection():
    lab = load_lab(ROOT / "labs" / "chat")
    points, reasons = udp_profile(lab)
    assert NOT_APPLICABLE == ["client.server_gone", "server.framing", "server.leave_reset", "server.many_members",
                              "server.shutdown", "server.slow_reader", "static.threading"]
    assert sorted(reasons) == NOT_APPLICABLE
    assert all("UDP" in str(reason) for reason in reasons.values())
    assert sum(points.values()) == 22 < lab.max_score


def test_bad_udp_points_name_the_key(tmp_path):
    from grader.errors import LabError

    folder = tmp_path / "lab"
    folder.mkdir()
    text = (ROOT / "labs" / "chat" / "lab.toml").read_text(encoding="utf-8").replace("parallel = [", "xparallel = [")
    (folder / "lab.toml").write_text(text.replace('"client.quits" = 1\n"static.client_threading" = 2',
                                                  '"client.quits" = 1\n"client.flies" = 2'), encoding="utf-8")
    with pytest.raises(LabError, match="client.flies"):
        udp_profile(load_lab(folder))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_udp_programs_are_found_in_their_roles(name):
    submission = discover(UDP / name)
    if name == "client_only":
        assert submission.server is None and submission.client.name == "client.py"
    else:
        assert (submission.server.name, submission.client.name) == ("server.py", "client.py")
    assert {transport(submission.source(role)) for role in ("server", "client") if submission.file(role)} == {"udp"}


def test_tcp_programs_stay_tcp():
    for folder in [ROOT / "reference" / "chat", *sorted(p for p in SUBMISSIONS.iterdir() if p.name != "udp")]:
        for path in folder.rglob("*.py"):
            assert transport(path.read_text(encoding="utf-8", errors="replace")) == "tcp", path
    # A TCP client that finds its own address with a datagram socket is still a TCP client.
    trick = ("s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\ns.connect(('8.8.8.8', 80))\n"
             "c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)\nc.connect((HOST, PORT))\n")
    assert transport(trick) == "tcp"
    assert transport((ROOT / "reference" / "chat_udp" / "server.py").read_text(encoding="utf-8")) == "udp"


def test_quit_word_is_the_one_the_code_names():
    assert quit_word(discover(UDP / "good")) == "exit"
    assert quit_word(discover(ROOT / "reference" / "chat_udp")) == "/quit"


def run_shimmed(tmp_path, code, config):
    """Run ``code`` under the shim with ``config``; return its events once it has exited."""
    script = tmp_path / "program.py"
    script.write_text(textwrap.dedent(code), encoding="utf-8")
    read_end, write_end = os.pipe()
    env = {"PATH": os.environ.get("PATH", ""), "GRADER_SHIM": f"fd={write_end};root={tmp_path};{config}"}
    try:
        proc = subprocess.Popen([sys.executable, "-I", "-S", "-u", "-X", "utf8", "-B", str(BOOTSTRAP), str(script)],
                                env=env, pass_fds=(write_end,), stdin=subprocess.DEVNULL, cwd=tmp_path,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    finally:
        os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        raw = pipe.read()
    _out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err.decode(errors="replace")
    return [ast.literal_eval(line.decode("ascii")) for line in raw.splitlines() if line]


def test_shim_a_datagram_servers_bind_is_its_readiness_and_its_reads_are_counted(tmp_path):
    events = run_shimmed(tmp_path, """
        import socket
        server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        server.bind(("0.0.0.0", 9999))
        member = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        member.sendto(b"Alice", server.getsockname())
        data, address = server.recvfrom(1024)
        print(address[1], file=open("member_port", "w"))
    """, "bind_port=0;role=server")
    listen = [e for e in events if e["ev"] == "listen"]
    assert len(listen) == 1 and listen[0]["kind"] == "udp" and listen[0]["port"] != 9999
    member = int((tmp_path / "member_port").read_text())
    assert [(e["peer"], e["n"]) for e in events if e["ev"] == "recv"] == [(member, 5)]


def test_shim_a_datagram_clients_sends_go_to_the_server(tmp_path):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as chat_server:
        chat_server.bind(("127.0.0.1", 0))
        chat_server.settimeout(10)
        events = run_shimmed(tmp_path, """
            import socket
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.bind(("", 7777))
            sock.sendto("Дора".encode(), ("192.0.2.1", 5050))
            sock.sendto(b"hello", 0, ("192.0.2.1", 5050))
        """, f"role=client;connect_port={chat_server.getsockname()[1]}")
        first, address = chat_server.recvfrom(100)
        second, _ = chat_server.recvfrom(100)
    assert (first.decode(), second) == ("Дора", b"hello")
    assert address[1] != 7777  # a client's own port is any free one: two clients never clash
    kinds = [e["ev"] for e in events]
    assert kinds.count("connect") == 1 and kinds.count("connected") == 1  # reported once, not per datagram
    assert [e["text"] for e in events if e["ev"] == "send"] == ["Дора", "hello"]


@pytest.mark.parametrize("isolation", isolations())
def test_pods_give_robots_datagram_sockets_inside(isolation, tmp_path):
    (tmp_path / "echo.py").write_text(textwrap.dedent("""
        import socket
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(("0.0.0.0", 5050))
        data, address = sock.recvfrom(1024)
        sock.sendto(b"echo " + data, address)
    """), encoding="utf-8")
    pod = CheckPod(make_pod(isolation, {"output_kb": 64}, tmp_path))
    try:
        program = pod.start(tmp_path / "echo.py", role="server", root=tmp_path)
        listening = program.wait_listening(10)
        assert listening.kind == "udp"
        robot = pod.datagram()
        robot.settimeout(10)
        robot.sendto(b"hi", (listening.host, listening.port))
        assert robot.recvfrom(100)[0] == b"echo hi"
        robot.close()
    finally:
        pod.close()
        pod.pod.close()


@pytest.mark.slow
def test_udp_reference_gets_full_marks(tmp_path):
    graded = grade(ROOT / "reference" / "chat_udp", tmp_path)
    assert graded.result is not None, graded.stdout + graded.stderr
    assert graded.code == 0, graded.stdout
    assert (graded.result["score"], graded.result["max_score"]) == (22.0, 22.0)


@pytest.mark.slow
@pytest.mark.parametrize("isolation", isolations())
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_udp_verdicts(name, isolation, tmp_path):
    graded = grade(UDP / name, tmp_path, "--isolation", isolation)
    assert graded.result is not None, graded.stdout + graded.stderr
    statuses = graded.statuses()
    messages = {c["id"]: c["message"] for c in graded.result["checks"]}
    expected = {check: S if check in NOT_APPLICABLE else EXPECTED[name].get(check, "passed") for check in POINTS}
    differing = {check: (statuses[check], expected[check], messages[check])
                 for check in POINTS if statuses[check] != expected[check]}
    assert not differing, f"{name}: check -> (got, expected, message): {differing}"
    # Out of the UDP maximum (a missing server's checks still count: they apply, the server is missing);
    # what cannot apply is worth nothing and says why.
    assert graded.result["max_score"] == sum(UDP_POINTS.values())
    for check in NOT_APPLICABLE:
        assert graded.check(check)["max_score"] == 0 and "UDP" in graded.check(check)["message"]
    assert any("UDP chat" in note for note in graded.result["notes"])
    members = [c for c in graded.result["checks"] if c["status"] != S and c["id"].split(".")[0] in ("server", "client")
               and c["id"] != "server.starts"]
    assert members and all(c.get("graded_by") == "datagram robots" for c in members)
    assert graded.code == (0 if name == "good" else 1), graded.stdout + graded.stderr
    if name == "no_leave":
        assert "quit command 'exit'" in messages["server.leave_notice"]
        assert "[Bob] exit" in messages["server.leave_notice"]
