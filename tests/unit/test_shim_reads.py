"""The shim reports what the pacing waits for, whatever shape the student's server has.

Each test runs a small program under the real shim (``bootstrap.py``) with an
event pipe, as the grader does, and reads the events back: the listen of the
listening socket, each read of a member's bytes (however the server reads:
``recv``, ``makefile().readline()`` through ``recv_into``, asyncio's
transports) and the client's connect, also when it is non-blocking.
No grading, no pod: a Python process per test.
"""

import ast
import os
import subprocess
import sys
import textwrap

import pytest

from grader.isolation.program import _RECV_EVENT, BOOTSTRAP, parse_event


def run_shimmed(tmp_path, code, role="server", preexec_fn=None):
    """Run ``code`` under the shim; return its events (dicts) and its exit code."""
    script = tmp_path / "program.py"
    script.write_text(textwrap.dedent(code), encoding="utf-8")
    read_end, write_end = os.pipe()
    env = {"PATH": os.environ.get("PATH", ""),
           "GRADER_SHIM": f"fd={write_end};bind_port=0;role={role};root={tmp_path}"}
    try:
        proc = subprocess.Popen([sys.executable, "-I", "-S", "-u", "-X", "utf8", "-B", str(BOOTSTRAP), str(script)],
                                env=env, pass_fds=(write_end,), stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=preexec_fn)
    finally:
        os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        raw = pipe.read()  # ends when the program (the only writer) has exited
    _out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err.decode(errors="replace")
    lines = [line for line in raw.splitlines() if line]
    # Every line as the grader reads it, and as ast.literal_eval does (the fast path must agree);
    # every recv event in the fast path's form (or the fast path is dead code).
    events = [parse_event(line) for line in lines]
    assert events == [ast.literal_eval(line.decode("ascii")) for line in lines]
    plain_reads = [line for line, event in zip(lines, events, strict=True) if set(event) == {"ev", "peer", "n"}]
    assert all(_RECV_EVENT.fullmatch(line) for line in plain_reads)
    return events


def member_port(events):
    """The local port of the (only) connecting socket: the peer the server reads from."""
    ports = [e["local"] for e in events if e["ev"] == "connected"]
    assert len(ports) == 1, events
    return ports[0]


def reads_by_peer(events):
    totals = {}
    for event in events:
        if event["ev"] == "recv":
            totals[event["peer"]] = totals.get(event["peer"], 0) + event["n"]
    return totals


# The member: a plain blocking socket in a thread of the same program.
MEMBER = """
import socket, threading
def member(port, lines, done):
    sock = socket.create_connection(("127.0.0.1", port))
    for line in lines:
        sock.sendall(line)
        assert sock.recv(100).startswith(b"ok")
    sock.close()
    done.set()
"""


@pytest.mark.parametrize("rbufsize", [-1, 0])
def test_socketserver_stream_handler_reads_through_makefile_are_reported(tmp_path, rbufsize):
    events = run_shimmed(tmp_path, MEMBER + f"""
import socketserver
class Handler(socketserver.StreamRequestHandler):
    rbufsize = {rbufsize}
    def handle(self):
        for line in self.rfile:
            self.wfile.write(b"ok\\n")
server = socketserver.ThreadingTCPServer(("localhost", 9090), Handler)
threading.Thread(target=server.serve_forever, daemon=True).start()
done = threading.Event()
threading.Thread(target=member, args=(server.server_address[1], [b"Alice\\n", b"hello everyone\\n"], done)).start()
done.wait(10)
server.shutdown()
""")
    listens = [e for e in events if e["ev"] == "listen"]
    assert len(listens) == 1 and listens[0]["where"] == "program.py:17"
    assert reads_by_peer(events)[member_port(events)] == len(b"Alice\n") + len(b"hello everyone\n"), events


def test_asyncio_streams_server_reads_and_client_connect_are_reported(tmp_path):
    events = run_shimmed(tmp_path, """
import asyncio
async def serve(reader, writer):
    while line := await reader.readline():
        writer.write(b"ok\\n")
        await writer.drain()
    writer.close()
async def main():
    server = await asyncio.start_server(serve, "127.0.0.1", 8888)
    port = server.sockets[0].getsockname()[1]
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    for line in (b"Alice\\n", b"hi\\n"):
        writer.write(line)
        await reader.readline()
    writer.close()
    server.close()
asyncio.run(main())
""", role="client")
    kinds = [e["ev"] for e in events]
    assert kinds.count("listen") == 1
    # The non-blocking connect is reported once it is up, before the first byte goes out.
    assert "connected" in kinds and kinds.index("connected") < kinds.index("send"), kinds
    assert reads_by_peer(events).get(member_port(events)) == len(b"Alice\nhi\n"), events


def test_asyncio_protocol_server_reads_are_reported(tmp_path):
    events = run_shimmed(tmp_path, MEMBER + """
import asyncio
class Echo(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport = transport
    def data_received(self, data):
        self.transport.write(b"ok\\n")
async def main():
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Echo, "localhost", 7000)
    done = threading.Event()
    threading.Thread(target=member, args=(server.sockets[0].getsockname()[1], [b"Alice\\n"], done)).start()
    await loop.run_in_executor(None, done.wait, 10)
    server.close()
asyncio.run(main())
""")
    assert [e["ev"] for e in events].count("listen") == 1
    assert reads_by_peer(events)[member_port(events)] == len(b"Alice\n"), events


def test_connect_ex_in_progress_is_reported_once_up(tmp_path):
    events = run_shimmed(tmp_path, """
import select, socket
server = socket.socket()
server.bind(("", 0))
server.listen()
client = socket.socket()
client.setblocking(False)
client.connect_ex(server.getsockname())
select.select([], [client], [], 5)
assert client.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0
client.close()
""", role="client")
    assert [e["ev"] for e in events].count("connected") == 1, events


def test_signals_ignored_where_the_grader_started_are_not_ignored_by_the_student_program(tmp_path):
    # A grader run as `grader batch ... &` from a script ignores SIGINT and SIGQUIT (nohup: SIGHUP),
    # and an ignored signal stays ignored across exec: a correct server never saw the grader's Ctrl-C.
    import signal

    def ignore_them():
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)

    run_shimmed(tmp_path, """
        import signal, sys
        seen = [signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT, signal.SIGHUP)]
        sys.exit(0 if seen == [signal.default_int_handler] + [signal.SIG_DFL] * 3 else seen)
    """, preexec_fn=ignore_them)


@pytest.mark.parametrize("line, event", [
    (b"{'peer': 40312, 'n': 17, 'ev': 'recv'}", {"peer": 40312, "n": 17, "ev": "recv"}),
    (b"{'peer': 40312, 'n': 17, 'ev': 'recv', 'child': 12}", {"peer": 40312, "n": 17, "ev": "recv", "child": 12}),
    (b"{'peer': None, 'n': 3, 'ev': 'recv'}", {"peer": None, "n": 3, "ev": "recv"}),
    (b"{'ev': 'listen', 'host': '127.0.0.1', 'port': 5000, 'where': 'server.py:9'}",
     {"ev": "listen", "host": "127.0.0.1", "port": 5000, "where": "server.py:9"}),
    (b"{'peer': 1, 'n': 2, 'ev': 'recv'} trailing", None),
    (b"print('a student writing to our fd')", None),
    (b"[1, 2]", None),
    (b"\xff\xfe", None),
])
def test_an_event_line_is_read_as_literal_eval_reads_it(line, event):
    assert parse_event(line) == event


# A server thread that reads a closed connection: ``loops`` more times after its first b''.
EOF_READER = MEMBER + """
import socket, threading
listener = socket.socket()
listener.bind(("127.0.0.1", 9090))
listener.listen()
done = threading.Event()
threading.Thread(target=lambda: (socket.create_connection(listener.getsockname()).close(), done.set())).start()
conn, _addr = listener.accept()
done.wait(10)
empties = 0
while conn.recv({size}) == b"" and empties < {loops}:
    empties += 1
conn.close()
"""


def test_a_thread_reading_a_closed_connection_over_and_over_is_reported_once(tmp_path):
    from grader.isolation.shim.bootstrap import EOF_LOOP

    code = EOF_READER.format(size=1024, loops=3 * EOF_LOOP)
    events = run_shimmed(tmp_path, code)
    loops = [e for e in events if e["ev"] == "eof_loop"]
    assert len(loops) == 1, events  # once per streak, not once per read
    line = 1 + code.splitlines().index("while conn.recv(1024) == b\"\" and empties < %d:" % (3 * EOF_LOOP))
    assert isinstance(loops[0]["tid"], int) and loops[0]["where"] == f"program.py:{line}"


def test_a_thread_that_reads_bytes_after_its_loop_says_the_loop_ended(tmp_path):
    from grader.isolation.shim.bootstrap import EOF_LOOP

    # A select()-style server: one thread reads a closed connection over and over, then a live one.
    code = EOF_READER.format(size=1024, loops=2 * EOF_LOOP).replace("conn.close()", """
other = socket.create_connection(listener.getsockname())
live, _addr = listener.accept()
other.sendall(b"hello")
live.recv(1024)
""")
    events = run_shimmed(tmp_path, code)
    kinds = [e["ev"] for e in events if e["ev"].startswith("eof_loop")]
    assert kinds == ["eof_loop", "eof_loop_end"], events


def test_reading_the_end_once_or_a_few_times_is_no_loop(tmp_path):
    events = run_shimmed(tmp_path, EOF_READER.format(size=1024, loops=3))
    assert not [e for e in events if e["ev"] == "eof_loop"]


def test_zero_byte_reads_asked_for_are_not_the_end(tmp_path):
    from grader.isolation.shim.bootstrap import EOF_LOOP

    # recv(0) returns b'' on an open connection too: asked for nothing, not the connection's end.
    events = run_shimmed(tmp_path, EOF_READER.format(size=0, loops=3 * EOF_LOOP))
    assert not [e for e in events if e["ev"] == "eof_loop"]
