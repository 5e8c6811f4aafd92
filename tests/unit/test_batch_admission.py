"""When a batch starts one more grading (grader.batch.admission), on a fake clock and fake idle cores."""

from grader.batch.admission import Admission


class Machine:
    def __init__(self):
        self.now = 0.0
        self.idle = 0.0

    def run(self, seconds, idle_cores):
        self.now += seconds
        self.idle += seconds * idle_cores


def admission(machine, least=3, most=6):
    return Admission(least, most, room=0.5, idle=lambda: machine.idle, clock=lambda: machine.now)


def test_up_to_least_at_once_whatever_the_load():
    machine = Machine()
    gate = admission(machine)
    assert [gate.may_start(n) for n in range(3)] == [True, True, True]


def test_one_more_only_after_an_interval_with_a_core_idle():
    machine = Machine()
    gate = admission(machine)
    assert not gate.may_start(3)  # the interval starts now: nothing is known of it yet
    machine.run(0.25, idle_cores=1.0)
    assert gate.may_start(3)
    assert not gate.may_start(4)  # the newcomer is measured over a whole interval of its own first
    machine.run(0.25, idle_cores=0.1)
    assert not gate.may_start(4)  # busy: nothing more
    machine.run(0.25, idle_cores=0.8)
    assert gate.may_start(4)


def test_never_more_than_most_and_never_on_a_busy_machine():
    machine = Machine()
    gate = admission(machine)
    assert not gate.may_start(6)
    machine.run(1.0, idle_cores=2.0)
    assert not gate.may_start(6)
    for _ in range(20):
        assert not gate.may_start(3)
        machine.run(0.25, idle_cores=0.4)  # other work keeps the cores busy
