"""The state of one grading session, without pytest: pods, spares, copies, probes.

``grader.engine.plugin`` drives it from pytest's hooks and fixtures; nothing here
knows pytest.  One pod (namespaces, or process groups) serves the whole
session; each check gets fresh programs in it (``CheckPod``), and the next
check's server is started while the current check runs.
"""

import shutil
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from grader.errors import LabError
from grader.i18n import lazy as _
from grader.intake.discover import copy_tree, make_workdir
from grader.isolation.pods import CheckPod, make_pod


class GradingSession:
    """One grading session: the submission, its pods and temporary copies, the results so far."""

    def __init__(self, submission, lab, *, isolation="auto"):
        self.workdir = make_workdir()
        self.submission = submission
        self.isolation = isolation
        self.lab = lab
        self.results = {}
        self.notes = []
        self.thread_targets = Counter()
        self.isolation_used = None
        self.startup_failed = None  # the check of this session in which the server did not start
        self._copies = 0
        self._copy_lock = threading.Lock()
        self._starter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="spare-pod")
        self._spare = None
        self._spares_wanted = True
        self.pods_ahead = True  # whether a later check of this session runs programs (the plugin says)
        self._closers = []
        self.memo = {}  # what a lab's fixtures keep for the whole session (a probe's answer...)
        self.points = dict(lab.points)  # what each check is worth for this submission (see ``score_out_of``)
        self.not_applicable = {}  # check id -> why it does not apply to this submission
        self._pod = None
        self._pod_lock = threading.Lock()
        self.collected = set()
        self.started = time.monotonic()

    def take_pod(self):
        """A pod for the next check, with the submission's server already starting in it.

        The server of check N+1 starts while check N runs: a passing check
        then costs only the time the student's code takes, not an
        interpreter start-up.
        """
        spare, self._spare = self._spare, None
        return spare.result() if spare is not None else self._new_pod()

    def prepare_next(self):
        """Start the next check's server in the background, now that this one listens.

        Not before: a server that never starts (or hogs the machine while
        trying) must not get company.  Spawning costs ~20 ms of the grader's
        own time: off the critical path.
        """
        if self._spares_wanted and self.pods_ahead and self._spare is None:
            self._spare = self._starter.submit(self._new_pod)

    def _session_pod(self):
        # Opened by the first check, on the session's main thread, never by the starter thread (it ends
        # at close(), before the pod's graceful end): a pod ends with the thread that started it
        # (see namespace.tool_command; measured: SIGKILLed, its init left an orphan).
        with self._pod_lock:
            if self._pod is None:
                self._pod = make_pod(self.isolation, self.lab.limits, self.workdir)
            return self._pod

    def _new_pod(self):
        pod = CheckPod(self._session_pod())
        root = self.fresh_copy()
        script = root / self.submission.relative(self.submission.server) if self.submission.server else None
        if self.submission.server is not None:
            pod.server_program = pod.start(script, role="server", root=root)
        return pod

    def score_out_of(self, points, reasons):
        """Grade this submission with other ``points`` (a lab's profile for its kind: a UDP server...).

        A check missing from ``points`` does not apply: it is skipped, saying
        ``reasons[id]``, and worth 0, so the result's maximum is the sum of
        the checks that do apply.  Call it before the first check runs (a
        lab's ``pytest_sessionstart``), in every session of the grading.
        """
        self.points = {check_id: float(value) for check_id, value in points.items()}
        self.not_applicable = {check_id: reasons.get(check_id) for check_id in self.lab.points
                               if check_id not in self.points}

    def close_later(self, pod):
        """Tear ``pod`` down in the background; the session waits for it at the end."""
        closer = threading.Thread(target=pod.close, name="pod-teardown")
        closer.start()
        self._closers.append(closer)

    def stop_spares(self):
        self._spares_wanted = False
        if self._spare is not None:
            self._spare.result().close()
            self._spare = None

    def _next_copy(self):
        with self._copy_lock:
            self._copies += 1
            return self._copies

    def fresh_reference(self, source=None):
        """A temporary copy of the lab's reference solution (or of ``source``, another model answer it names)."""
        source = self.lab.reference if source is None else source
        if source is None or not source.is_dir():
            raise LabError(f"{self.lab.path / 'lab.toml'}: the reference solution "
                           f"{source or '(none named)'} is not a folder")
        folder = self.workdir / f"reference{self._next_copy()}"
        shutil.copytree(source, folder, ignore=shutil.ignore_patterns("__pycache__"))
        return folder

    def fresh_copy(self):
        """A new temporary copy of the submission for one check."""
        return copy_tree(self.submission, self.workdir / f"run{self._next_copy()}")

    def note(self, text):
        if text not in self.notes:
            self.notes.append(text)

    def observe(self, program):
        """Remember what the shim saw: redirected addresses, threads started."""
        for event in program.events_of("bind"):
            where = f" ({event['where']})" if event.get("where") else ""
            self.note(_("The server's bind({requested}){where} was redirected to a port chosen by the grader.").format(
                requested=event.get("requested"), where=where))
        for event in program.events_of("thread"):
            if event.get("where"):
                self.thread_targets[event.get("target") or "?"] += 1

    def close(self):
        """End the session: spares stopped, teardowns finished, the pod ended, copies removed."""
        self.stop_spares()
        self._starter.shutdown(wait=True)
        for closer in self._closers:
            closer.join(timeout=10)
        if self._pod is not None:
            self._pod.close()
        shutil.rmtree(self.workdir, ignore_errors=True)
