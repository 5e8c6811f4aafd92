"""The client session's settle, on fakes: it waits for the client too, not only for the server.

The flip it closes (client_lockstep's client.server_gone, seen in a full
suite run): on a loaded machine the client had not yet been scheduled to
read the name typed into it when the server was idle, the server was killed,
and the client's late send made its recv() fail with a reset.  Here the
client is runnable (a line arrived, no core yet) for a while after typing.
"""

from grader.labs.chat.client_driver import ClientSession

MS = 1_000_000


class FakeClient:
    """A client process: runnable for ``busy`` samples after the name is typed, then blocked in recv()."""

    def __init__(self, busy):
        self.busy = busy
        self.samples = 0
        self.ran = 0

    def alive(self):
        return True

    def looping_on_eof(self):
        return frozenset()

    def threads(self):
        self.samples += 1
        running = self.samples <= self.busy
        if running:
            self.ran += MS // 20  # waiting for a core mostly: it runs a little
        return {1: (running, self.ran, self.ran + self.samples * MS)}


class FakeChat:
    def __init__(self, client):
        self.client = client
        self.server = type("Server", (), {"program": None})()
        self.spinners = set()
        self.settled_at = []  # the client's sample count each time the server settle ran

    def settle(self):
        self.settled_at.append(self.client.samples)
        return True


class FakeTerminal:
    def inputs(self):
        return 1

    def wait_input(self, since, timeout, settled=None):
        return True


def session_for(client):
    chat = FakeChat(client)
    session = ClientSession(chat, start_client=None, timeouts={"settle": 5.0, "expect": 2.0}, server_label="x")
    session.program = client
    session.terminal = FakeTerminal()
    return session, chat


def test_settle_waits_until_the_client_has_acted_on_what_was_typed():
    client = FakeClient(busy=12)
    session, chat = session_for(client)
    session.settle()
    # The server's settle came only once the client had been seen blocked (after its 12 busy samples).
    assert chat.settled_at and chat.settled_at[0] > 12
    assert session.client_spinners == set()  # a few runnable samples are not a busy loop


def test_a_client_already_idle_costs_two_samples_before_the_server_settles():
    client = FakeClient(busy=0)
    session, chat = session_for(client)
    session.settle()
    assert chat.settled_at[0] <= 4


class LaggingKeyboard:
    """A lockstep client's keyboard whose prompt event reaches the grader late (still in the pipe).

    The client has asked for its next line, but the grader has counted one
    prompt fewer; a wait that is not satisfied at once reads the pipe
    before it settles (as the settled check does).  Once a line is typed, the client sends it and blocks in
    recv(): it never asks again.
    """

    def __init__(self):
        self.typed = 1  # the name, at login
        self.asked = 2  # the name's prompt, and the one now waiting for the first chat line
        self.counted = 1  # the second prompt's event is still in the pipe

    def inputs(self):
        return self.counted

    def wait_input(self, since, timeout, settled=None):
        if self.counted > since:  # as Program.wait_count: true at once, nothing more read
            return True
        self.counted = self.asked  # waiting: the event in the pipe is read, then the wait settles
        return self.counted > since

    def type(self, line):
        self.typed += 1
        return True

    def screen(self):
        return ""


def test_a_prompt_still_in_the_pipe_is_not_taken_for_the_client_coming_back():
    session, chat = session_for(FakeClient(busy=0))
    session.terminal = LaggingKeyboard()
    session.chat.last_action = session.chat.last_actor = None
    session.chat._mark_all = lambda: None
    assert session.say("hi everyone") is False  # it is blocked in recv(), not back at its prompt


class EndedClient:
    """A client that ended; its crash event is still in the pipe until someone waits for its readers."""

    exit_code = 1

    def __init__(self):
        self.events = []
        self.stderr = type("Capture", (), {"tail_text": lambda self, n: "Traceback ...\nImportError: no msvcrt"})()

    def wait_output_done(self, timeout):
        self.events.append({"ev": "crash", "type": "ImportError", "message": "no msvcrt", "where": "client.py:2"})
        return True

    def events_of(self, kind):
        return [e for e in self.events if e.get("ev") == kind]


def test_a_client_that_ended_is_explained_by_its_last_words_even_if_they_come_after_its_exit(monkeypatch):
    from grader.engine import diagnose

    monkeypatch.setattr(diagnose, "cannot_run_here", lambda program, crash, where: None)
    session = ClientSession(FakeChat(None), None, {}, "the server")
    session.program = EndedClient()
    failure = session._crashed("The client ended before it connected")
    assert "ImportError: no msvcrt at client.py:2" in str(failure.message)
