"""The chat lab's fixtures: robots in a chat on the student's server, and the student's client in one.

``chat`` gives the server checks a ``Chat`` (robots that join, talk and
leave, paced like people; see ``members.py``).  ``client_session`` gives the
client checks a robot already in a chat and the student's client ready to
join it: on the student's own server when that server accepts robots (the
two were written to speak one protocol), else on the reference server.
"""

import pytest

from grader.engine import diagnose
from grader.engine.plugin import skip, transcribe_output
from grader.i18n import lazy as _
from grader.isolation.program import Server, StartupFailed
from grader.model.results import PASSED

from .client_driver import ClientSession
from .members import Chat
from .probe import probe_own_server


@pytest.fixture
def chat(server, pod, transcript, grading, peer_names):
    """A chat session on the student's server; robots join with ``chat.join(...)``."""
    session = Chat(server, pod, transcript, grading.lab.timeouts)
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
def client_session(grading, pod, transcript, programs, peer_names):
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
        root = grading.fresh_reference()
        program = pod.start(root / "server.py", role="server", root=root)
        label = (_("the reference server (your server did not pass server.accepts)") if submission.server
                 else _("the reference server (the submission has no server)"))
    programs(program)
    program.on_output = transcribe_output(transcript, "server")
    try:
        listening = program.wait_listening(startup)
    except StartupFailed as failure:
        raise diagnose.startup_failure(failure, startup) from None
    chat = Chat(Server(program, listening), pod, transcript, timeouts)
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
    session.line_server = not accepts
    yield session
    chat.dispose()



