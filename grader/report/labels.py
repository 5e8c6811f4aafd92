"""Words the reports show for the grader's own identifiers (statuses, roles, event kinds).

The data keeps stable English identifiers ("failed", "server", "recv"); a
report in Russian must not show them, so every renderer asks here.  These
are functions, not tables built at import: the language is chosen after the
renderers are imported.
"""

from functools import lru_cache

from grader.i18n import _, catalog
from grader.model.results import protections


def status_label(status):
    """'passed' -> the word for it in the active language."""
    return {"passed": _("passed"), "failed": _("failed"), "skipped": _("skipped"), "error": _("error")}.get(
        status, status)


def who_label(who):
    """A transcript's actor: robots keep their names; the programs and the grader get a word."""
    return {"server": _("server"), "client": _("client"), "grader": _("grader")}.get(who, who)


def kind_label(kind):
    """A transcript event's kind, as a short word for the transcript table."""
    return _kind_labels(catalog()).get(kind, kind)


@lru_cache(maxsize=4)
def _kind_labels(_catalog):
    # Built once per catalog in use: a report asks for thousands of them (every event of every
    # diagram), and the whole table each time cost it 33,000 lookups.
    return {
        "connect": _("connects"), "send": _("sends"), "recv": _("receives"), "eof": _("closed"),
        "close": _("closes"), "reset": _("reset"), "note": _("note"), "ok": _("ok"),
        "miss": _("missing"), "stdout": _("prints"), "stderr": _("error output"), "stdin": _("typed"),
        "exit": _("exit"),
    }


def isolation_label(isolation):
    """'namespaces (bubblewrap)' -> the words for it and what it kept the programs from.

    'namespaces (bubblewrap): network, processes, files'; 'process group: none'.
    The tool's name in brackets stays as it is.
    """
    isolation = str(isolation or "")
    for key, label in (("namespaces", _("namespaces")), ("process-group", _("process group"))):
        if isolation.startswith(key):
            return label + isolation[len(key):] + ": " + protections_label(isolation)
    return isolation


def protections_label(isolation):
    """The protections of an isolation, as words: 'network, processes, files', or 'none'."""
    words = {"network": _("network"), "processes": _("processes"), "files": _("files")}
    return ", ".join(words[name] for name in protections(isolation)) or _("none")
