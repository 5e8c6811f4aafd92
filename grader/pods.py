"""Choose how student programs are isolated for one grading."""

from grader.errors import UsageError
from grader.sandbox import ProcessPod


def make_pod(isolation, limits):
    """A pod for ``isolation`` = auto | namespaces | process."""
    if isolation == "namespaces":
        raise UsageError("--isolation namespaces: namespaces are not available on this machine")
    return ProcessPod(limits)
