"""Does the student's own server talk to robots?  A short probe with the steps of the first server checks.

The client checks run in sessions of their own, in parallel with the
server checks, so they cannot wait for server.accepts' verdict; this
probe asks the same questions (Alice joins and is read; Bob joins and Alice
is told), in a pod of its own.
"""

from grader.drive.transcript import Transcript
from grader.isolation.program import Server, StartupFailed
from grader.model.failure import CheckFailed

from .datagram import DatagramChat
from .members import Chat


def probe_own_server(pod, lab):
    """(accepts, announces names) of the server starting in ``pod`` (datagram robots for a UDP server)."""
    chat = None
    try:
        listening = pod.server_program.wait_listening(lab.timeout("startup"))
        server = Server(pod.server_program, listening)
        chat = (DatagramChat(server, pod, Transcript(), lab.timeouts) if listening.kind == "udp"
                else Chat(server, pod, Transcript(), lab.timeouts))
        alice = chat.join("Alice")
        if chat.unread_names or alice.ending is not None:
            return False, False
        chat.join("Bob")
        try:
            chat.expect_notice(alice, "Bob")
            return True, True
        except CheckFailed:
            return True, False
    except (StartupFailed, CheckFailed):
        return False, False
    finally:
        if chat is not None:
            chat.dispose()
