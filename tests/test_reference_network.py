"""The reference solution under what real networks and real users do, run directly (no grader).

What the checks cannot see from outside: the server survives accept()
failing for lack of file descriptors, and the client's exit status says
whether the user left or the server vanished.
"""

import resource
import socket
import subprocess
import sys
import time

import pytest

from conftest import REFERENCE

pytestmark = pytest.mark.slow


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start_server(port, open_files=None):
    def limit():
        if open_files:
            resource.setrlimit(resource.RLIMIT_NOFILE, (open_files, open_files))

    server = subprocess.Popen([sys.executable, "-u", str(REFERENCE / "server.py"), "--port", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                              preexec_fn=limit, text=True)
    assert "listening" in server.stdout.readline()
    return server


def _join(port, name):
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(f"{name}\n".encode())
    return sock


def _read_until(sock, text, seconds=5.0):
    data, end = b"", time.monotonic() + seconds
    while text.encode() not in data and time.monotonic() < end:
        sock.settimeout(max(0.01, end - time.monotonic()))
        try:
            chunk = sock.recv(4096)
        except TimeoutError:
            break
        if not chunk:
            break
        data += chunk
    return data.decode("utf-8", "replace")


def _stop(process):
    process.kill()
    process.wait(timeout=5)


def test_server_survives_running_out_of_file_descriptors():
    port = _free_port()
    server = _start_server(port, open_files=16)
    clients = []
    try:
        for number in range(20):  # more than 16 descriptors allow: the last ones wait in the backlog
            clients.append(_join(port, f"user{number:02d}"))
        assert "Welcome, user00" in _read_until(clients[0], "Welcome")
        # Some accept() failed with EMFILE: logged, and the server is still there.
        end = time.monotonic() + 5
        while server.poll() is None and time.monotonic() < end:
            line = server.stderr.readline()
            if "accept() failed" in line:
                break
        else:
            pytest.fail("the server never reported a failed accept()")
        assert server.poll() is None
        for sock in clients[:10]:  # leaving frees descriptors: the waiting ones get in
            sock.close()
        assert "Welcome, user19" in _read_until(clients[19], "Welcome", seconds=10)
        clients[18].sendall(b"still here\n")
        assert "user18: still here" in _read_until(clients[19], "user18: still here")
    finally:
        for sock in clients:
            sock.close()
        _stop(server)


def _client(port):
    return subprocess.Popen([sys.executable, "-u", str(REFERENCE / "client.py"), "--port", str(port), "--name", "Dora"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_client_exits_1_when_the_server_vanishes():
    port = _free_port()
    server = _start_server(port)
    client = _client(port)
    try:
        assert "Welcome, Dora" in client.stdout.readline()
        _stop(server)
        assert client.wait(timeout=5) == 1
        out, err = client.communicate(timeout=5)
        assert "Connection closed by server." in out and "Traceback" not in err
    finally:
        if client.poll() is None:
            _stop(client)
        if server.poll() is None:
            _stop(server)


def test_client_exits_0_when_the_user_quits_without_waiting():
    port = _free_port()
    server = _start_server(port)
    client = _client(port)
    try:
        assert "Welcome, Dora" in client.stdout.readline()
        started = time.monotonic()
        out, err = client.communicate("/quit\n", timeout=5)
        assert client.returncode == 0 and "Goodbye, Dora" in out and "Traceback" not in err
        assert time.monotonic() - started < 1.0  # it waits for the server's close, not for a fixed time
    finally:
        if client.poll() is None:
            _stop(client)
        _stop(server)
