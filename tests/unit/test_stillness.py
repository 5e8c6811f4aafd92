"""Stillness on scripted /proc readings: when a wait beside a ticking thread may end, and when it may not.

No real program: ``still`` reads each thread's wait, run time and wake
count through ``procfs``, replaced here by a table the test changes
between two samples, as a program's threads would.
"""

import pytest

from grader.drive import quiescence
from grader.drive.quiescence import StartupStillness, Stillness


class World:
    """Thread (pid, tid) -> [wait, ns run, wakes]; ``tick`` is one wake of a ticker and its sleep again."""

    def __init__(self, threads):
        self.threads = {("7", str(tid)): list(state) for tid, state in threads.items()}

    def tick(self, tid, ran=1000):
        state = self.threads[("7", str(tid))]
        state[1] += ran
        state[2] += 1

    def run(self, tid, ran=1000):
        self.threads[("7", str(tid))][1] += ran


class Program:
    exit_code = None

    def alive(self):
        return True


@pytest.fixture
def world(monkeypatch):
    world = World({1: ("forever", 5000, 10), 2: ("timed", 100, 40)})
    monkeypatch.setattr(quiescence, "_tasks", lambda program: list(world.threads))
    monkeypatch.setattr(quiescence.procfs, "thread_wait", lambda pid, tid, machine: world.threads[(pid, tid)][0])
    monkeypatch.setattr(quiescence.procfs, "thread_ran", lambda pid, tid: world.threads[(pid, tid)][1])
    monkeypatch.setattr(quiescence.procfs, "thread_wakes", lambda pid, tid: world.threads[(pid, tid)][2])
    monkeypatch.setattr(quiescence.procfs, "sleep_left", lambda pid, tid, machine: None)
    return world


def samples_until_settled(stillness, world, ticker, limit=50, between=None):
    """The number of wakes of ``ticker`` after which ``stillness`` held (None: never within ``limit``).

    Samples come faster than wakes (20 ms apart, a ticker wakes every 50 ms or more): two between
    two wakes.
    """
    for wakes in range(limit):
        if stillness() or stillness():
            return wakes
        (between or (lambda: None))()
        world.tick(ticker)
    return None


def test_a_wait_beside_a_ticker_ends_after_its_wakes(world):
    stillness = Stillness([(Program(), (), {2})])
    wakes = samples_until_settled(stillness, world, 2)
    assert wakes == Stillness.TICKS
    assert stillness.reason == "ticking"


def test_a_ticker_faster_than_the_samples_still_lets_a_wait_end(world):
    # A keep-alive loop (time.sleep(0.02)) wakes between every two samples: its wake count differs
    # at each, which says nothing about the other threads.
    stillness = Stillness([(Program(), (), {2})])
    samples = 0
    while not stillness() and samples < 50:
        world.tick(2)
        samples += 1
    assert samples < 50 and stillness.reason == "ticking"
    assert samples >= Stillness.TICKS


def test_any_other_thread_that_runs_starts_the_count_again(world):
    stillness = Stillness([(Program(), (), {2})])
    moves = iter([True, True, True, False, False, False, False, False, False, False])
    wakes = samples_until_settled(stillness, world, 2, between=lambda: next(moves, False) and world.run(1))
    assert wakes == 3 + Stillness.TICKS  # counted again from the last time thread 1 ran


def test_a_thread_in_a_timed_wait_is_a_ticker_only_when_asked(world):
    assert samples_until_settled(Stillness([(Program(), ())]), world, 2, limit=10) is None
    assert samples_until_settled(Stillness([(Program(), ())], timed=True), world, 2) == Stillness.TICKS


def test_a_thread_waiting_for_a_lock_with_a_timeout_is_no_ticker(world):
    # Threads waiting for the GIL are in such a wait, 5 ms at a time, while they relay: busy, not ticking.
    world.threads[("7", "2")][0] = "timed_lock"
    assert samples_until_settled(Stillness([(Program(), ())], timed=True), world, 2, limit=10) is None
    assert samples_until_settled(Stillness([(Program(), (), {2})], timed=True), world, 2, limit=10) is None


def test_a_runnable_ticker_is_not_still(world):
    world.threads[("7", "2")][0] = "running"
    stillness = Stillness([(Program(), (), {2})])
    assert samples_until_settled(stillness, world, 2, limit=10) is None


def test_without_tickers_two_equal_samples_are_quiet(world):
    world.threads[("7", "2")][0] = "forever"
    stillness = Stillness([(Program(), ())])
    assert not stillness()
    assert stillness()
    assert stillness.reason == "quiet"


def test_something_unread_keeps_the_wait_going(world):
    unread = {"bytes": 10}
    stillness = Stillness([(Program(), (), {2})], also=lambda: unread["bytes"] == 0)
    assert samples_until_settled(stillness, world, 2, limit=10) is None
    unread["bytes"] = 0
    assert samples_until_settled(stillness, world, 2) == Stillness.TICKS


# ---------------------------------------------------------------- the wait for a server to listen
class Server(Program):
    """What StartupStillness reads of a program besides /proc: its output and the shim's events."""

    def __init__(self):
        self.stdout, self.stderr = type("Capture", (), {"total": 0})(), type("Capture", (), {"total": 0})()
        self.events = [{"ev": "bind"}]

    def output_pending(self):
        return 0


def startup_wakes(world, server, ticker, limit=50, between=None):
    stillness = StartupStillness(server)
    return samples_until_settled(stillness, world, ticker, limit, between), stillness


def test_a_server_that_only_sleeps_in_a_loop_will_not_listen(world):
    # bind(), then `while True: time.sleep(0.5)`: its first wake makes it a ticker, and the count starts.
    world.threads[("7", "2")][0] = "sleeping"
    wakes, stillness = startup_wakes(world, Server(), 2)
    assert wakes == 1 + Stillness.TICKS
    assert stillness.reason == "ticking"


def test_a_sleep_before_listen_is_waited_for(world):
    # `time.sleep(2)` then listen(): asleep and not woken yet, so it is no ticker, and the wait goes on.
    world.threads[("7", "2")][0] = "sleeping"
    stillness = StartupStillness(Server())
    assert not any(stillness() for _sample in range(20))


def test_a_countdown_that_prints_is_waited_for(world):
    # `for n in (5, 4, 3, 2, 1): print(n); time.sleep(1)`: each wake prints, which restarts the count.
    world.threads[("7", "2")][0] = "sleeping"
    server = Server()

    def prints():
        server.stdout.total += 2

    assert startup_wakes(world, server, 2, limit=10, between=prints)[0] is None


def test_a_server_blocked_for_good_before_listening_is_quiet(world):
    world.threads[("7", "2")][0] = "forever"  # input() before listen(), say
    stillness = StartupStillness(Server())
    assert any(stillness() for _sample in range(4))
    assert stillness.reason == "quiet"


# ---------------------------------------------------------------- sleeps ended early
class Sleeper(Program):
    """A program whose thread 2 sleeps in the shim's time.sleep(): ``left`` seconds, ended by ``end_sleep``."""

    def __init__(self, world, left):
        self.world, self.left, self.ended = world, left, []

    def shim_sleep(self, pid, tid):
        if self.world.threads[(pid, tid)][0] != "sleeping":
            return None
        return self.left.get(int(tid))

    def end_sleep(self, pid, tid):
        self.ended.append(int(tid))
        self.world.threads[(pid, tid)][0] = "forever"  # it woke, did what it slept for, and waits again
        self.world.run(int(tid))
        return True


def test_a_sleep_alone_left_is_ended_once_the_rest_is_still(world):
    world.threads[("7", "2")][0] = "sleeping"
    program = Sleeper(world, {2: 0.4})
    stillness = Stillness([(program, ())], horizon=1.0)
    assert not stillness()  # first sample: nothing proven yet
    assert program.ended == []
    assert not stillness()  # two samples with nothing run: only the sleeper can act, so its sleep ends
    assert program.ended == [2]
    assert stillness.skipped == pytest.approx(0.4)
    assert not stillness()  # it ran: a new streak
    assert stillness() and stillness.reason == "quiet"


def test_a_sleep_longer_than_what_is_left_of_the_bound_is_waited_for(world):
    world.threads[("7", "2")][0] = "sleeping"
    program = Sleeper(world, {2: 5.0})
    stillness = Stillness([(program, ())], horizon=1.0)
    assert not any(stillness() for _sample in range(10))
    assert program.ended == []  # waited for as before: the bound decides


def test_no_sleep_is_ended_while_a_thread_waits_with_a_timeout(world):
    # Thread 1 in a select() with a timeout (a ticker): it might wake before the sleeper, so no skipping.
    world.threads[("7", "1")][0] = "timed"
    world.threads[("7", "2")][0] = "sleeping"
    program = Sleeper(world, {2: 0.1})
    stillness = Stillness([(program, (), {1})], horizon=1.0, timed=True)
    assert not any(stillness() for _sample in range(10))
    assert program.ended == []


def test_without_a_bound_no_sleep_is_ended(world):
    world.threads[("7", "2")][0] = "sleeping"
    program = Sleeper(world, {2: 0.1})
    stillness = Stillness([(program, ())])
    assert not any(stillness() for _sample in range(10))
    assert program.ended == []


def test_sleeps_ended_count_against_the_bound(world):
    # A ticker whose every wake is ended early: its wakes are counted, and the time skipped adds up.
    world.threads[("7", "1")][0] = "forever"
    world.threads[("7", "2")][0] = "sleeping"

    class Ticker(Sleeper):
        def end_sleep(self, pid, tid):
            self.ended.append(int(tid))
            self.world.tick(int(tid))  # woke, found nothing to do, sleeps again
            return True

    program = Ticker(world, {2: 0.3})
    stillness = Stillness([(program, (), {2})], horizon=1.0)
    samples = 0
    while not stillness() and samples < 20:
        samples += 1
    assert stillness.reason == "ticking" and len(program.ended) == Stillness.TICKS
    assert stillness.skipped == pytest.approx(0.3 * Stillness.TICKS)
