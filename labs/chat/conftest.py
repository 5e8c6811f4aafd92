"""The chat lab's fixtures: robots in a chat on the student's server, and the student's client in one.

``chat`` gives the server checks a ``Chat`` (robots that join, talk and
leave, paced like people; see ``members.py``).  ``client_session`` gives the
client checks a robot already in a chat and the student's client ready to
join it: on the student's own server when that server accepts robots (the
two were written to speak one protocol), else on the reference server.
A UDP chat gets datagram robots (``datagram.py``) and, as fallback, the UDP
reference server, and is scored out of lab.toml's ``[udp]`` points.
"""

import pytest

from grader.engine import diagnose
from grader.engine.plugin import skip, transcribe_output
from grader.i18n import lazy as _
from grader.isolation.program import Server, StartupFailed

from grader.model.results import PASSED

from .client_driver import ClientSession
from .datagram import DatagramChat, is_udp, quit_word, udp_profile
from .members import Chat
from .probe import probe_own_server


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


def _members(server, pod, transcript, grading, graded_by):
    if server.kind == "udp":
        graded_by(_("datagram robots"))
        return DatagramChat(server, pod, transcript, grading.lab.timeouts, quit=quit_word(grading.submission))
    return Chat(server, pod, transcript, grading.lab.timeouts)


@pytest.fixture
def chat(server, pod, transcript, grading, peer_names, graded_by):
    """A chat session on the student's server; robots join with ``chat.join(...)``."""
    session = _members(server, pod, transcript, grading, graded_by)
    session.names_by_port = peer_names
    yield session
    session.dispose()
    grading.observe(server.program)


def own_server_profile(grading):
    """(does the student's server accept robots, does it announce names), for the client checks.

    From server.accepts and server.join_notice when they ran in this
    session; else (the client checks run in sessions of their own) from a
    short probe with the same steps.
    """
    if "profile" not in grading.memo:
        accepts = grading.results.get("server.accepts")
        notice = grading.results.get("server.join_notice")
        if grading.submission.server is None:
            grading.memo["profile"] = (False, False)
        elif accepts is not None:
            grading.memo["profile"] = (accepts.status == PASSED, notice is not None and notice.status == PASSED)
        else:
            pod = grading.take_pod()
            try:
                grading.memo["profile"] = probe_own_server(pod, grading.lab)
            finally:
                grading.close_later(pod)
    return grading.memo["profile"]


@pytest.fixture
def client_session(grading, pod, transcript, programs, peer_names, graded_by):
    """A robot in a chat, and the student's client ready to start and join it."""
    submission = grading.submission
    if submission.client is None:
        skip(_("no client was found in the submission"))
    accepts, announces = own_server_profile(grading)
    timeouts = grading.lab.timeouts
    startup = grading.lab.timeout("startup")
    if accepts:
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
        listening = program.wait_listening(startup)
    except StartupFailed as failure:
        raise diagnose.startup_failure(failure, startup) from None
    chat = _members(Server(program, listening), pod, transcript, grading, graded_by)
    chat.names_by_port = peer_names
    transcript.add("grader", "note", _("the client is graded against {server}").format(server=label))
    client_root = grading.fresh_copy()
    script = client_root / submission.relative(submission.client)

    def start_client():
        started = pod.start(script, role="client", root=client_root, stdin=True, connect_port=listening.port)
        programs(started)
        return started

    session = ClientSession(chat, start_client, timeouts, label)
    session.server_announces_names = announces or not accepts
    session.line_server = not accepts and listening.kind == "tcp"
    yield session
    chat.dispose()


def _udp_reference(grading):
    """The UDP reference server's folder for a UDP submission (lab.toml's [udp] reference), else None."""
    reference = grading.lab.section("udp").get("reference")
    if reference and is_udp(grading.submission):
        return (grading.lab.path / reference).resolve()
    return None
