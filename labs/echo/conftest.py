"""The echo lab's fixture: the grader's clients on the student's server.

Built on the core's generic fixtures: ``server`` (the student's server,
started fresh for each check and listening), ``pod`` (where it runs),
``transcript`` (every send and receive, timed) and ``peer_names`` (names
of the grader's connections, so a diagnosis can say "the thread serving
Alice").
"""

import pytest

from .members import EchoClients


@pytest.fixture
def clients(server, pod, transcript, grading, peer_names):
    """Clients of the student's echo server: ``clients.connect("Alice")``, ``clients.echo(alice, "hi")``."""
    session = EchoClients(server, pod, transcript, grading.lab.timeouts, peer_names)
    yield session
    session.dispose()
    grading.observe(server.program)
