"""Bytes on the wire: what the kernel still delivers while both ends' threads are blocked."""

import socket

from grader.isolation import procfs
from grader.isolation.procfs import Conn

ESTABLISHED, LISTEN = 0x01, 0x0A
SERVER = 5000


def _table(monkeypatch, *conns):
    monkeypatch.setattr(procfs, "connections", lambda pid: list(conns))


def test_bytes_sent_towards_an_empty_receive_queue_are_in_flight(monkeypatch):
    # The server sent 900 bytes to the robot on port 40001; the robot's queue is still empty.
    _table(monkeypatch, Conn(SERVER, 40001, ESTABLISHED, 900, 0), Conn(40001, SERVER, ESTABLISHED, 0, 0))
    assert procfs.in_flight(1, SERVER) == 900


def test_a_robot_sending_to_a_server_whose_queue_is_empty_is_in_flight_too(monkeypatch):
    _table(monkeypatch, Conn(SERVER, 40001, ESTABLISHED, 0, 0), Conn(40001, SERVER, ESTABLISHED, 64, 0))
    assert procfs.in_flight(1, SERVER) == 64


def test_bytes_a_receiver_leaves_unread_are_not_on_their_way(monkeypatch):
    # A member who stopped reading: its queue is full, the server's send queue waits for room.
    _table(monkeypatch, Conn(SERVER, 40002, ESTABLISHED, 300_000, 0), Conn(40002, SERVER, ESTABLISHED, 0, 200_000))
    assert procfs.in_flight(1, SERVER) == 0


FIN_WAIT1, CLOSE_WAIT = 0x04, 0x08


def test_a_fin_the_receiver_has_taken_is_not_on_its_way_though_not_acknowledged(monkeypatch):
    # Bob closed; the server took the FIN (CLOSE_WAIT) but does not close, so its ACK is delayed.
    _table(monkeypatch, Conn(SERVER, 40001, CLOSE_WAIT, 0, 0), Conn(40001, SERVER, FIN_WAIT1, 1, 0))
    assert procfs.in_flight(1, SERVER) == 0
    # Before the server's end has taken it, the FIN is on its way.
    _table(monkeypatch, Conn(SERVER, 40001, ESTABLISHED, 0, 0), Conn(40001, SERVER, FIN_WAIT1, 1, 0))
    assert procfs.in_flight(1, SERVER) == 1


def test_bytes_the_receiving_program_has_read_are_not_on_their_way(monkeypatch):
    # The robot's 64 bytes wait for the server's delayed ACK: its code has read them all.
    _table(monkeypatch, Conn(SERVER, 40001, ESTABLISHED, 0, 0), Conn(40001, SERVER, ESTABLISHED, 64, 0))
    assert procfs.in_flight(1, SERVER, delivered={(40001, SERVER)}) == 0
    assert procfs.in_flight(1, SERVER, delivered={(40002, SERVER)}) == 64  # another robot's count says nothing


def test_a_fin_on_its_way_counts_though_the_program_read_every_byte_before_it(monkeypatch):
    # Alice said 'bye soon' (read by the server: delivered) and closed; on a loaded machine the
    # FIN waits for the softirq that delivers it, the server's thread still blocked in recv():
    # the close is on its way (echo's spins_on_empty passed server.client_leaves once so).
    _table(monkeypatch, Conn(SERVER, 40001, ESTABLISHED, 0, 0), Conn(40001, SERVER, FIN_WAIT1, 10, 0))
    assert procfs.in_flight(1, SERVER, delivered={(40001, SERVER)}) == 1
    # Taken: the server's end is in CLOSE_WAIT, nothing is on its way.
    _table(monkeypatch, Conn(SERVER, 40001, CLOSE_WAIT, 0, 0), Conn(40001, SERVER, FIN_WAIT1, 10, 0))
    assert procfs.in_flight(1, SERVER, delivered={(40001, SERVER)}) == 0


def test_other_ports_and_listening_sockets_are_left_out(monkeypatch):
    _table(monkeypatch, Conn(SERVER, 0, LISTEN, 128, 0),  # a listener's columns are its backlog
           Conn(6000, 40003, ESTABLISHED, 500, 0), Conn(40003, 6000, ESTABLISHED, 0, 0),  # another grading's
           Conn(SERVER, 40004, ESTABLISHED, 0, 0), Conn(40004, SERVER, ESTABLISHED, 0, 0))
    assert procfs.in_flight(1, SERVER) == 0


def test_a_real_connection_has_nothing_in_flight_once_the_bytes_arrived():
    import os

    from grader.drive.wait import poll_until

    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        ours = socket.create_connection(("127.0.0.1", port))
        theirs, _addr = server.accept()
    with ours, theirs:
        ours.sendall(b"x" * 5000)
        # Delivered to an unread queue: not on their way any more (the reader would be runnable).
        assert poll_until(lambda: procfs.unread_bytes(os.getpid(), port, ours.getsockname()[1]) == 5000, 5.0)
        assert procfs.in_flight(os.getpid(), port) == 0


def test_a_thread_outside_any_pid_namespace_of_its_own_has_its_own_id():
    import os
    import threading

    # In a pod, the shim names threads by the pod's ids; procfs.innermost_id maps ours to those.
    assert procfs.innermost_id(os.getpid(), threading.get_native_id()) == threading.get_native_id()
    assert procfs.innermost_id(os.getpid(), 0) is None  # no such thread


def test_a_listening_socket_whose_backlog_is_taken_refuses_more_handshakes(monkeypatch):
    # /proc/net/tcp's listening row: rx = connections waiting for accept(), tx = the backlog.
    _table(monkeypatch, Conn(SERVER, 0, LISTEN, 2, 3))
    assert procfs.accept_queue_full(1, SERVER)
    _table(monkeypatch, Conn(SERVER, 0, LISTEN, 2, 2), Conn(6000, 0, LISTEN, 9, 0))
    assert not procfs.accept_queue_full(1, SERVER)  # the kernel takes one more than the backlog
    assert not procfs.accept_queue_full(1, 6000)


def test_a_real_listener_that_accepts_nothing_fills_up():
    import os

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        assert not procfs.accept_queue_full(os.getpid(), port)
        waiting = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(2)]
        try:
            assert procfs.accept_queue_full(os.getpid(), port)
        finally:
            for sock in waiting:
                sock.close()
