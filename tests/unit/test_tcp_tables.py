"""The TCP tables of /proc read whole, in as few walks of the kernel's table as possible."""

import os
import socket

import pytest

from grader.isolation import procfs


def _listening(family, host, count):
    sockets = []
    for _ in range(count):
        s = socket.socket(family)
        s.bind((host, 0))
        s.listen()
        sockets.append(s)
    return sockets


def test_a_table_longer_than_a_page_is_read_whole():
    # 80 lines of 150 bytes: three pages; a reader that stopped at the first short answer of a
    # full page would miss some.
    sockets = _listening(socket.AF_INET, "127.0.0.1", 80)
    try:
        ports = {s.getsockname()[1] for s in sockets}
        seen = {c.local_port for c in procfs.connections(os.getpid())}
        assert ports <= seen
    finally:
        for s in sockets:
            s.close()


def test_ipv6_sockets_are_read_when_the_network_has_some():
    if not socket.has_ipv6:
        pytest.skip("no IPv6 here")
    try:
        sockets = _listening(socket.AF_INET6, "::1", 3)
    except OSError as error:
        pytest.skip(f"no IPv6 loopback here: {error}")
    try:
        assert procfs._uses_ipv6(os.getpid())
        ports = {s.getsockname()[1] for s in sockets}
        assert ports <= {c.local_port for c in procfs.connections(os.getpid())}
    finally:
        for s in sockets:
            s.close()


def test_the_ipv6_table_is_not_walked_when_the_network_has_no_ipv6_socket(monkeypatch):
    read = []
    real = procfs._table_text
    monkeypatch.setattr(procfs, "_table_text", lambda path: read.append(path) or real(path))
    monkeypatch.setattr(procfs, "_uses_ipv6", lambda pid: False)
    procfs.connections(os.getpid())
    assert [os.path.basename(path) for path in read] == ["tcp"]
