"""Choose how student programs are isolated for one grading."""

from grader.errors import UsageError
from grader.isolation.namespace import NamespacePod, available_tool
from grader.isolation.process_group import ProcessPod

CHOICES = ("auto", "namespaces", "process")


def check_isolation(isolation):
    """Raise UsageError if ``isolation`` cannot be had on this machine."""
    if isolation not in CHOICES:
        raise UsageError(f"--isolation {isolation}: choose one of {', '.join(CHOICES)}")
    if isolation == "namespaces" and available_tool() is None:
        raise UsageError("--isolation namespaces: user namespaces are not available here "
                         "(install bubblewrap, or allow unprivileged user namespaces); use --isolation auto")


def check_files_isolated(isolation, unsafe=False):
    """Raise UsageError unless ``isolation`` keeps other people's programs from this machine's files.

    For ``grader batch``: grading a class runs code its author never showed
    anyone; with process groups it would run with the instructor's rights.
    ``unsafe`` says the instructor knows.
    """
    check_isolation(isolation)
    if unsafe or (isolation != "process" and available_tool() is not None):
        return
    why = ("--isolation process" if isolation == "process"
           else "no namespaces here (install bubblewrap, or allow unprivileged user namespaces)")
    raise UsageError(f"{why}: the students' programs would run with your rights and could read every file you "
                     "can, each other's work included; add --unsafe to grade anyway")


def make_pod(isolation, limits, workdir):
    """A pod for ``isolation``: namespaces where they work (auto), else process groups."""
    if isolation in ("auto", "namespaces"):
        tool = available_tool()
        if tool is not None:
            return NamespacePod(limits, workdir, tool)
        check_isolation(isolation)
    return ProcessPod(limits)


class CheckPod:
    """The programs of one check, run in the grading's pod.

    A namespace is opened once per grading session (its start costs more
    than a whole passing check); each check still gets fresh programs, all
    stopped when it ends, and the pod's own end kills whatever is left.
    """

    def __init__(self, pod):
        self.pod = pod
        self.isolation = pod.isolation
        self.programs = []
        self.server_program = None

    def start(self, script, **options):
        program = self.pod.start(script, **options)
        self.programs.append(program)
        return program

    def connect(self, host, port, timeout=2.0):
        return self.pod.connect(host, port, timeout)

    def datagram(self, host="127.0.0.1", port=0):
        """A UDP socket bound to host:port inside the pod's network (port 0: any free port)."""
        return self.pod.datagram(host, port)

    def close(self):
        for program in self.programs:
            program.stop()
        self.programs.clear()
