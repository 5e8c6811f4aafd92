"""A settle gives each thread found spinning a turn of CPU after the others went idle, on fakes.

The flip it closes (seed 001's server.survives_leave, 3 in 80 gradings with
two CPU burners and four gradings at once): the server's thread for the
departed Bob spins sending b'' to everyone; once a relay to Bob drew a reset,
that thread's next send fails and removes Bob, but on a loaded machine it
had not run yet when the next member spoke, and that member's relay to Bob
failed first.
"""

from grader.drive.transcript import Transcript
from grader.drive.wait import Deadline
from grader.labs.chat.members import SPIN_TURN_NS, Chat

MS = 1_000_000


class Server:
    host, port = "127.0.0.1", 5555

    def __init__(self, program):
        self.program = program


class Threads:
    """Thread 1 blocked in accept(); thread 2 given ``step`` ns of CPU per sample (0: blocked in recv())."""

    def __init__(self, step, running=True):
        self.step, self.running, self.ran, self.samples = step, running, 0, 0

    def threads(self):
        self.samples += 1
        self.ran += self.step
        return {1: (False, 5 * MS, 5 * MS), 2: (self.running, self.ran, self.ran)}


def chat_with(program):
    chat = Chat(Server(program), None, Transcript(), {"handshake": 2.0, "expect": 2.0, "settle": 5.0})
    chat.spinners.add(2)
    return chat


def test_a_spinner_starved_of_cpu_is_waited_for_until_it_has_run_its_turn():
    program = Threads(step=MS // 10)  # a loaded machine: a tenth of a millisecond between two samples
    chat_with(program)._spinners_take_a_turn(program, Deadline(30))
    assert program.ran >= SPIN_TURN_NS
    # Not before its turn, counted in its CPU, not in our clock; and not long after.
    assert SPIN_TURN_NS // (MS // 10) <= program.samples <= SPIN_TURN_NS // (MS // 10) + 2


def test_a_spinner_that_stopped_has_had_its_turn():
    program = Threads(step=0, running=False)  # it blocked meanwhile (in recv(), say)
    chat_with(program)._spinners_take_a_turn(program, Deadline(30))
    assert program.samples <= 2
