"""The echo lab's checks.

Each test is one graded check: ``@check`` gives its stable id, what it
depends on and the hint shown when it fails; the docstring's first line is
the title students see; the points are in lab.toml.  ``clients`` (see
conftest.py and members.py) are the grader's own socket clients.
"""

from grader.drive.quiescence import Stillness
from grader.engine.diagnose import creates_threads
from grader.engine.plugin import check
from grader.i18n import lazy as _
from grader.model.failure import CheckFailed


@check("echo.starts", hint=_("The server must start and call listen() without waiting for anything."))
def test_starts(server):
    """The server starts and listens"""
    assert server.port > 0


@check("echo.echoes", depends="echo.starts",
       hint=_("Serve a client in a loop: recv(), then sendall() what arrived, until recv() returns b''."))
def test_echoes(clients):
    """Every line a client sends comes back to it, on the same connection"""
    alice = clients.connect("Alice")
    for line in ("hello", "is anybody there", "third line, still here"):
        clients.echo(alice, line)
    if alice.ending is not None:
        raise CheckFailed(_("After echoing Alice's lines, the server closed her connection, though she did not "
                            "leave."), who="Alice", action=clients.last_action, ending=alice.ending)


@check("echo.many_clients", depends="echo.echoes",
       hint=_("After accept(), start a threading.Thread that serves the new client, and go back to accept() "
              "at once."))
def test_many_clients(clients):
    """Three clients connected at once are all served"""
    alice, bob, carol = (clients.connect(name) for name in ("Alice", "Bob", "Carol"))
    # The last one to connect speaks first: a server that serves one client
    # at a time is still busy with Alice, who stays connected.
    try:
        clients.echo(carol, "Carol here, can you hear me")
    except CheckFailed as failure:
        try:
            clients.echo(alice, "Alice here")
        except CheckFailed:
            raise failure from None
        failure.message = _("Carol's line was never echoed while Alice stayed connected, but Alice's was: the "
                            "server serves one client at a time (the next one only after the previous leaves).")
        raise failure from None
    clients.echo(bob, "Bob here")
    clients.echo(alice, "Alice here")
    clients.echo(carol, "Carol again")


@check("echo.unicode", depends="echo.echoes",
       hint=_("Echo the bytes you received as they are; if you decode, use UTF-8, never 'ascii'."))
def test_unicode(clients):
    """Cyrillic and other non-ASCII text comes back intact"""
    alisa = clients.connect("Алиса")
    clients.echo(alisa, "Привет, мир! Ёлки-палки")
    clients.echo(alisa, "ñ, ü and a smile 🙂")


@check("echo.client_leaves", depends="echo.echoes",
       hint=_("recv() returns b'' forever once the client has closed: break out of the loop when it does, "
              "close the socket, and let the thread end."))
def test_client_leaves(clients, lab):
    """A client that leaves neither stops the server nor keeps it busy"""
    alice = clients.connect("Alice")
    clients.echo(alice, "bye soon")
    clients.leave(alice)
    spin = lab.section("spin")
    window = float(spin.get("window", 0.3))
    program = clients.server.program
    # Every thread blocked for good, twice with nothing run between, and Alice's FIN delivered, ends the
    # window at once: no loop is going.  (Without the FIN's delivery, a server blocked in recv() before
    # it arrived was taken for still under load, and a loop on b'' passed.)
    measured = program.busiest_thread(window, still=Stillness([(program, ())], also=lambda: not clients.on_the_wire()))
    share, used = measured if measured is not None else (0.0, 0.0)
    if share > float(spin.get("busy_share", 0.5)):
        raise CheckFailed(
            _("After Alice left, a thread of the idle server kept running (busy {pct:.0f}%, running or waiting "
              "for a core; {cpu:.2f} s of CPU in {s:.1f} s): a loop keeps going, most likely calling recv() that "
              "returns b'' forever.").format(pct=100 * share, cpu=used, s=window),
            action=clients.last_action,
            expected=_("every thread blocked (in recv(), accept()...) while nothing happens"))
    bob = clients.connect("Bob")
    clients.echo(bob, "a new client after Alice left")


@check("static.threading",
       hint=_("Start a threading.Thread for every client (target=a function that serves that client)."))
def test_threading(submission, grading):
    """The server uses threading (a thread per client)"""
    if not creates_threads(submission.source("server")):
        raise CheckFailed(
            _("The server's code never creates a threading.Thread: one client at a time is served."),
            expected=_("threading.Thread(target=...) started for each client"))
