"""The chat lab's fixtures: members in a chat on the student's server, and the student's client in one.

``chat`` gives the server checks a ``Chat`` (robots that join, talk and
leave, paced like people; see ``members.py``), or, when the robots cannot
talk to the server (it speaks a protocol of its own) but the student's
client can, a ``PuppetChat`` with the same methods, whose members are
instances of that client (``puppets.py``).  Robots stay the first choice;
``member_mode`` decides once per session and every check records it
(``graded_by``).  ``client_session`` gives the client checks a member already
in a chat and the student's client ready to join it: on the student's own
server when that server accepts robots (the two were written to speak one
protocol), or through puppets on it, else on the reference server.
A UDP chat gets datagram robots (``datagram.py``) and, as fallback, the UDP
reference server, and is scored out of lab.toml's ``[udp]`` points.
"""

import pytest

from grader.drive.quiescence import StartupStillness
from grader.drive.transcript import Transcript
from grader.engine import diagnose, runnable
from grader.engine.plugin import skip, transcribe_output
from grader.i18n import lazy as _
from grader.isolation.program import Server, StartupFailed
from grader.model.failure import CheckFailed, trim
from grader.model.results import PASSED
from grader.model.text import Text

from .client_driver import ClientSession, quit_words
from .datagram import DatagramChat, is_udp, quit_word, udp_profile
from .members import Chat
from .probe import probe_robots
from .puppets import PuppetChat, probe_puppets

PUPPETS_NOTE = _("Graded through your own client: your server speaks its own protocol.")
ROBOTS_NOTE = pytest.StashKey()  # why this check's robots may not speak the server's protocol


def pytest_sessionstart(session):
    """A UDP chat is scored out of its own maximum: the [udp] points, in every session of the grading."""
    from grader.engine.plugin import GRADING

    grading = session.config.stash.get(GRADING, None)
    if grading is None or not is_udp(grading.submission):
        return
    profile = udp_profile(grading.lab)
    if profile is not None:
        grading.score_out_of(*profile)
        grading.note(_("A UDP chat: graded with datagram robots, out of {n:g} points (the checks that need a "
                       "connection do not apply).").format(n=sum(grading.points.values())))


def _datagram_chat(server, pod, transcript, grading, graded_by):
    graded_by(_("datagram robots"))
    return DatagramChat(server, pod, transcript, grading.lab.timeouts, quit=quit_word(grading.submission))


# Checks that need the grader's own sockets (a line split across segments, a member that stops
# reading, thirty members at once): through the student's client they cannot be staged.
ROBOTS_ONLY = ("server.framing", "server.slow_reader", "server.many_members")


def _not_through_puppets(grading):
    """In puppet mode the robots-only checks do not apply: 0 points, said why, the maximum smaller."""
    for check_id in ROBOTS_ONLY:
        if check_id in grading.points:
            del grading.points[check_id]
            grading.not_applicable[check_id] = _(
                "does not apply when your own client plays the members: this check needs the grader's own sockets")


def skip_if_not_applicable(request, grading):
    """Skip the check of ``request`` if ``member_mode`` has just found it does not apply.

    The plugin skips such checks before their fixtures run; this catches
    the first check of a session, whose own fixture made the decision.
    """
    marker = request.node.get_closest_marker("check")
    if marker is not None and marker.kwargs["id"] in grading.not_applicable:
        skip(grading.not_applicable[marker.kwargs["id"]])


def member_mode(grading):
    """("robots" or "puppets", a note for the robots' failures or None): decided once per session.

    Robots when they talk to the server (Bob receives what Alice sent);
    else puppets, when the submission has a client and two instances of it
    chat on the server; else robots again, and when the server seemed to
    speak a protocol of its own, the note says what the robots sent, what
    the server did with it and why the client could not be used.
    """
    if "members" not in grading.memo:
        grading.memo["members"] = _decide(grading)
    return grading.memo["members"]


def _decide(grading):
    pod = grading.take_pod()
    try:
        robots = probe_robots(pod, grading.lab)
    finally:
        grading.close_later(pod)
    grading.memo["robot_probe"] = robots
    if robots.talks or not robots.started:
        return "robots", None
    if grading.submission.client is None:
        why = _("no client was found in the submission")
    else:
        pod = grading.take_pod()
        puppets = None
        try:
            listening = pod.server_program.wait_listening(grading.lab.timeout("startup"),
                                                          settled=StartupStillness(pod.server_program,
                                                                                    grading.lab.timeout("startup")))
            puppets = _puppet_chat(grading, Server(pod.server_program, listening), pod, Transcript(), lambda p: None)
            ok, why = probe_puppets(puppets)
            grading.memo["asks_first"] = puppets.asks_first
        except StartupFailed:
            ok, why = False, _("the server did not start again")
        finally:
            if puppets is not None:
                puppets.dispose()
            grading.close_later(pod)
        if ok:
            _not_through_puppets(grading)
            return "puppets", None
    if not robots.own_protocol:
        return "robots", None
    return "robots", _robots_note(robots, why)


def _robots_note(robots, why):
    sent = Text.joined(", ", [repr(line) for line in robots.sent])
    crash = robots.crash
    if crash:
        did = _("raised {type} ({error}) at {where}").format(
            type=crash.get("type"), error=trim(str(crash.get("message") or ""), 80), where=crash.get("where") or "?")
    else:
        did = _("answered none of them")
    return _("The grader's robots sent {sent} (lines of UTF-8 text); the server {did}: it seems to speak a "
             "protocol of its own. Your client could not be used instead: {why}.").format(sent=sent, did=did, why=why)


def _puppet_chat(grading, server, pod, transcript, programs):
    """A ``PuppetChat`` on ``server``: each member a fresh instance of the submission's client."""
    submission = grading.submission
    client_root = grading.fresh_copy()
    script = client_root / submission.relative(submission.client)

    def start_client():
        started = pod.start(script, role="client", root=client_root, stdin=True, connect_port=server.port)
        programs(started)
        return started

    words = quit_words(submission.source("client"), "")
    session = PuppetChat(server, pod, transcript, grading.lab.timeouts, start_client, words[0] if words else None)
    session.asks_first = grading.memo.get("asks_first")
    return session


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    note = item.stash.get(ROBOTS_NOTE, None)
    if note and call.when == "call" and call.excinfo is not None and isinstance(call.excinfo.value, CheckFailed):
        failure = call.excinfo.value
        if note not in failure.message:
            failure.message = failure.message + " " + note
    yield


@pytest.fixture
def chat(server, pod, transcript, grading, peer_names, programs, graded_by, request):
    """A chat session on the student's server; members join with ``chat.join(...)``: robots, or puppets."""
    mode, note = ("datagram", None) if server.kind == "udp" else member_mode(grading)
    skip_if_not_applicable(request, grading)
    if mode == "datagram":
        session = _datagram_chat(server, pod, transcript, grading, graded_by)
    elif mode == "puppets":
        session = _puppet_chat(grading, server, pod, transcript, programs)
        graded_by(_("your client"))
        grading.note(PUPPETS_NOTE)
        transcript.add("grader", "note", _("the members are instances of your client: your server speaks its own "
                                           "protocol"))
    else:
        session = Chat(server, pod, transcript, grading.lab.timeouts)
        graded_by(_("robots"))
        if note:
            request.node.stash[ROBOTS_NOTE] = note
    session.names_by_port = peer_names
    yield session
    if mode == "puppets" and session.asks_first is not None:
        grading.memo["asks_first"] = session.asks_first
    session.dispose()
    grading.observe(server.program)


def own_server_profile(grading):
    """(does the student's server accept robots, does it announce names), for the client checks.

    From server.accepts and server.join_notice when they ran in this
    session; else (the client checks run in sessions of their own) from the
    robots' probe (``member_mode``'s).
    """
    if "profile" not in grading.memo:
        accepts = grading.results.get("server.accepts")
        notice = grading.results.get("server.join_notice")
        if grading.submission.server is None:
            grading.memo["profile"] = (False, False)
        elif accepts is not None:
            grading.memo["profile"] = (accepts.status == PASSED, notice is not None and notice.status == PASSED)
        else:
            member_mode(grading)
            probe = grading.memo["robot_probe"]
            grading.memo["profile"] = (probe.accepts, probe.accepts and probe.announces)
    return grading.memo["profile"]


@pytest.fixture
def client_session(grading, pod, transcript, programs, peer_names, graded_by, request):
    """A member in a chat (a robot, or a puppet), and the student's client ready to start and join it."""
    submission = grading.submission
    if submission.client is None:
        skip(_("no client was found in the submission"))
    toolkit = runnable.gui_toolkit(submission.source("client"))
    if toolkit is not None:
        skip(_("your client is a GUI program ({toolkit}): the grader drives a client through a terminal's "
               "keyboard and screen, so the client checks are left out (the server is graded)").format(
            toolkit=toolkit))
    mode, note = member_mode(grading) if submission.server is not None else ("robots", None)
    accepts, announces = own_server_profile(grading)
    timeouts = grading.lab.timeouts
    startup = grading.lab.timeout("startup")
    if mode == "puppets":
        program = pod.server_program
        label = _("your own server (the other members are instances of your client)")
    elif accepts:
        program = pod.server_program
        label = _("your own server")
    else:
        if pod.server_program is not None:
            pod.server_program.stop()
        root = grading.fresh_reference(_udp_reference(grading))
        program = pod.start(root / "server.py", role="server", root=root)
        label = (_("the reference server (your server did not pass server.accepts)") if submission.server
                 else _("the reference server (the submission has no server)"))
    programs(program)
    program.on_output = transcribe_output(transcript, "server")
    try:
        listening = program.wait_listening(startup, settled=StartupStillness(program, startup))
    except StartupFailed as failure:
        raise diagnose.startup_failure(failure, startup) from None
    server = Server(program, listening)
    if listening.kind == "udp":
        mode = "datagram"
        chat = _datagram_chat(server, pod, transcript, grading, graded_by)
    elif mode == "puppets":
        chat = _puppet_chat(grading, server, pod, transcript, programs)
        graded_by(_("your client"))
        grading.note(PUPPETS_NOTE)
    else:
        chat = Chat(server, pod, transcript, timeouts)
        graded_by(_("robots"))
        if note and program is pod.server_program:
            request.node.stash[ROBOTS_NOTE] = note
    chat.names_by_port = peer_names
    transcript.add("grader", "note", _("the client is graded against {server}").format(server=label))
    client_root = grading.fresh_copy()
    script = client_root / submission.relative(submission.client)

    def start_client():
        started = pod.start(script, role="client", root=client_root, stdin=True, connect_port=listening.port)
        programs(started)
        return started

    session = ClientSession(chat, start_client, timeouts, label)
    session.server_announces_names = mode == "puppets" or announces or not accepts
    session.line_server = mode == "robots" and not accepts and listening.kind == "tcp"
    yield session
    chat.dispose()


def _udp_reference(grading):
    """The UDP reference server's folder for a UDP submission (lab.toml's [udp] reference), else None."""
    reference = grading.lab.section("udp").get("reference")
    if reference and is_udp(grading.submission):
        return (grading.lab.path / reference).resolve()
    return None
