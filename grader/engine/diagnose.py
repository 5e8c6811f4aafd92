"""Turn what the shim and the process table saw into precise explanations.

These never decide a verdict (the robots do); they say *why* a check failed,
pointing at the student's own ``file:line`` where possible.
"""

import os
import re
import sys

from grader.engine import runnable
from grader.i18n import lazy as _
from grader.model.failure import CheckFailed, trim
from grader.model.text import Text

_FRAME = re.compile(r'^\s*File "(?P<file>[^"]+)", line (?P<line>\d+) in (?P<func>\S+)')
_THREAD = re.compile(r"^(Current thread|Thread) (0x[0-9a-f]+)")


def _source_line(program, where):
    """The text of the student's line at ``where`` ('server.py:17')."""
    if not where or ":" not in where:
        return None
    relative, _sep, number = where.rpartition(":")
    try:
        lines = (program.root / relative).read_text("utf-8", "replace").splitlines()
        return lines[int(number) - 1].strip()
    except (OSError, ValueError, IndexError):
        return None


def stuck_frames(stacks, root):
    """For each thread in a faulthandler dump: its innermost frame in the student's files."""
    root = os.path.realpath(str(root)) + os.sep
    found = []
    current = None
    for line in stacks.splitlines():
        thread = _THREAD.match(line)
        if thread:
            current = {"main": False, "where": None, "func": None}
            found.append(current)
            continue
        frame = _FRAME.match(line)
        if frame and current is not None and current["where"] is None:
            path = os.path.realpath(frame["file"])
            if path.startswith(root):
                current["where"] = f"{os.path.relpath(path, root)}:{frame['line']}"
                current["func"] = frame["func"]
    return [t for t in found if t["where"]]


SPIN_WINDOW_S = 0.15  # long enough for a busy thread to show at most samples, short beside the startup bound


def startup_failure(failure, timeout):
    """The CheckFailed for a server that did not start listening."""
    program = failure.program
    crashes = program.events_of("crash")
    crash = crashes[-1] if crashes else None
    stderr_tail = program.stderr.tail_text(1500).strip()
    if crash is not None:
        where = crash.get("where") or "?"
        why_not = cannot_run_here(program, crash, where)
        if why_not is not None:
            message, hint = why_not
        elif crash.get("type") == "SyntaxError":
            message = _("The server does not compile: SyntaxError at {where}: {error}").format(
                where=where, error=crash.get("message", ""))
            hint = _("Run `python {file}` yourself: Python reports the same error. Fix the line it names "
                     "(or the line just before it).").format(file=where.rpartition(":")[0])
        else:
            message = _("The server crashed before listening: {type} at {where}: {error}").format(
                type=crash.get("type"), where=where, error=crash.get("message", ""))
            hint = _("Read the traceback: its last line in your file is where the server broke.")
        return CheckFailed(message, expected=_("the server listens within {s} s").format(s=timeout),
                           received=trim(crash.get("traceback") or stderr_tail, 1500),
                           waited_s=failure.waited_s, hint=hint, cause=crash.get("text"), complete=True)
    daemon = [e for e in program.events_of("listen") + program.events_of("bind") if e.get("child")]
    if failure.reason == "daemonized" or (failure.reason == "exited" and program.exit_code == 0 and daemon):
        return CheckFailed(
            _("The server forked itself into the background (a daemon, process {pid}) and its own process ended "
              "with code 0: the grader judges the program it started, and that one is gone.").format(
                pid=daemon[-1]["child"] if daemon else "?"),
            expected=_("the server listens within {s} s").format(s=timeout), received=trim(stderr_tail, 1500) or None,
            waited_s=failure.waited_s, complete=True,
            hint=_("Serve in the process that was started: no os.fork() / daemon mode for the lab."))
    if failure.reason == "exited":
        message = _("The server exited with code {code} before it listened.").format(code=program.exit_code)
        if stderr_tail:
            message += " " + _("Its last error output: {tail}").format(tail=trim(stderr_tail.splitlines()[-1], 160))
        return CheckFailed(message, expected=_("the server listens within {s} s").format(s=timeout),
                           received=trim(stderr_tail, 1500), waited_s=failure.waited_s, complete=True,
                           hint=_("A server must keep running: call listen() and loop on accept()."))
    # Blocked for good, or time ran out: say what the server was doing instead of listening.
    if failure.reason == "blocked":
        parts = [_("The server did not start listening, and never would: every thread of it was waiting for "
                   "something that nothing was going to send.")]
    elif failure.reason == "ticking":
        parts = [_("The server did not start listening, and was not going to: all it did was wake from a sleep "
                   "(or a wait with a timeout) and go back to it, again and again, with nothing else happening.")]
    else:
        parts = [_("The server did not start listening within {s} s.").format(s=timeout)]
    if program.events_of("bind"):
        bind = program.events_of("bind")[-1]
        parts.append(_("It called bind() at {where} but never listen().").format(where=bind.get("where") or "?"))
    # A busy loop by thread states (busy at most samples, however loaded the machine), not by its CPU
    # seconds: on a busy machine a spinning server got less than a quarter of a core.
    if failure.reason == "timeout" and program.alive() and program.busiest_thread(SPIN_WINDOW_S)[0] > 0.5:
        parts.append(_("Meanwhile it used {cpu:.1f} s of CPU in {s:.1f} s: a busy loop before listen()?").format(
            cpu=program.cpu_seconds(), s=failure.waited_s))
    for thread in stuck_frames(program.stacks(), program.root)[:1]:
        line = _source_line(program, thread["where"])
        parts.append(_("It was at {where} in {func}(){line}.").format(
            where=thread["where"], func=thread["func"], line=f": {line}" if line else ""))
    return CheckFailed(Text.joined(" ", parts), expected=_("the server listens within {s} s").format(s=timeout),
                       received=trim(stderr_tail, 1500) or None, waited_s=failure.waited_s, complete=True,
                       hint=_("Start listening right away: a server that first waits for input() or for "
                              "something else never gets to listen() here."))


def cannot_run_here(program, crash, where):
    """(message, hint) when a crash means the program cannot run here at all, in the student's terms; else None."""
    role = _("server") if program.role == "server" else _("client")
    source = _program_source(program, where)
    if crash.get("type") in ("SyntaxError", "NameError", "TabError"):
        old = runnable.python2_line(source)
        if old is not None:
            return (_("This is Python 2 code ({what} at {file}:{line}); the lab needs Python 3.").format(
                what=old[1], file=where.rpartition(":")[0] or "?", line=old[0]),
                _("Python 3: print(...) is a function, input() replaces raw_input(), "
                  "and 'except E as e:' replaces 'except E, e:'."))
    if crash.get("type") == "SyntaxError":
        needed = runnable.newer_python(_source_line(program, where) or "")
        if needed is not None:
            return (_("The {role} needs Python {version} (the syntax at {where}); the grader runs Python "
                      "{running}.").format(role=role, version="%d.%d" % needed, where=where,
                                           running="%d.%d" % sys.version_info[:2]),
                    _("Write it for Python {running}, or ask for the lab to be graded with a newer Python.").format(
                        running="%d.%d" % sys.version_info[:2]))
    module = runnable.windows_module(crash)
    if module is not None:
        return (_("The {role} imports {module} at {where}, a module that exists only on Windows.").format(
            role=role, module=module, where=where),
                _("Use what every system has: input() and a reader thread instead of msvcrt, print() instead of "
                  "winsound."))
    if runnable.memory_limit_hit(crash):
        return (_("The {role} exceeded the lab's memory limit of {mb} MiB (MemoryError at {where}).").format(
            role=role, mb=program.limits.get("memory_mb", "?"), where=where),
                _("Something grows without end: a list that is never emptied, or one huge allocation."))
    return None


def _program_source(program, where):
    """The text of the file a crash points at (else the program's script), '' if unreadable."""
    relative = where.rpartition(":")[0] if where and ":" in where else None
    for path in ([program.root / relative] if relative else []) + [program.script]:
        try:
            return path.read_text("utf-8", "replace")
        except OSError:
            continue
    return ""


def thread_label(event, names_by_port):
    """'the thread serving Alice' when the shim saw whom it read from, else its name."""
    name = names_by_port.get(event.get("peer"))
    if name:
        return _("the thread serving {name}").format(name=name)
    return _("thread {thread}").format(thread=event.get("thread"))


def _role_sentences(role):
    """The sentences of ``after_failure`` for the server or the client.

    One sentence per role rather than a {role} placeholder: other languages
    inflect the word ("в сервере", "сервер упал").
    """
    if role == "client":
        return (_("In the client, {label} raised {type}: {error} at {where}."),
                _("The client crashed: {type}: {error} at {where}."),
                _("The client process exited with code {code} during the check."))
    return (_("In the server, {label} raised {type}: {error} at {where}."),
            _("The server crashed: {type}: {error} at {where}."),
            _("The server process exited with code {code} during the check."))


def after_failure(programs, details, names_by_port=None, before=None):
    """Extra explanations for a failed check, from what the programs did up to ``before``."""
    names_by_port = names_by_port or {}
    cutoff = before if before is not None else float("inf")
    found = []
    for program in programs:
        raised, crashed, exited = _role_sentences(program.role)
        errors = [e for e in program.events_of("thread_exception") if e.get("t", 0) <= cutoff]
        for event in errors[:3]:
            where = event.get("where") or "?"
            found.append(raised.format(
                label=thread_label(event, names_by_port), type=event.get("type"),
                error=trim(event.get("message", ""), 120), where=where))
            details.setdefault("tracebacks", []).append(event.get("traceback", ""))
        if program.exited_by_itself() and program.exited_at <= cutoff:
            crashes = program.events_of("crash")
            if crashes:
                crash = crashes[-1]
                found.append(crashed.format(type=crash.get("type"), error=trim(crash.get("message", ""), 120),
                                            where=crash.get("where") or "?"))
                details.setdefault("tracebacks", []).append(crash.get("traceback", ""))
            else:
                found.append(exited.format(code=program.exit_code))
    return found


def where_stuck(program):
    """' The server was waiting at server.py:64 in receive(): `name = conn.recv(1024)`.' or ''."""
    if not program.alive():
        return ""
    frames = stuck_frames(program.stacks(), program.root)
    if not frames:
        return ""
    places = []
    for thread in frames[:2]:
        line = _source_line(program, thread["where"])
        places.append(_("{where} in {func}()").format(where=thread["where"], func=thread["func"])
                      + (f": `{line}`" if line else ""))
    return " " + _("The server was waiting at {places}.").format(places=Text.joined("; ", places))


_THREAD_CALLS = {"Thread", "start_new_thread", "ThreadPoolExecutor", "ThreadingTCPServer", "ThreadingMixIn",
                 "start_new"}


def _is_thread_call(name):
    # socketserver's ThreadingTCPServer, ThreadingUnixStreamServer, ThreadingMixIn...: a thread per request.
    return name in _THREAD_CALLS or (name or "").startswith("Threading") and name.endswith(("Server", "MixIn"))


def creates_threads(source):
    """Whether the source creates threads (threading.Thread, a pool, a threading server), by its AST.

    A file that does not compile is searched as text, so a SyntaxError
    elsewhere does not hide a correct use of threads.
    """
    if not source:
        return False
    import ast

    try:
        tree = ast.parse(source)
    except SyntaxError:
        return bool(re.search(r"\bThread\s*\(|start_new_thread\s*\(|ThreadPoolExecutor\s*\(", source))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if _is_thread_call(name):
                return True
        if isinstance(node, ast.ClassDef):
            for base in node.bases:
                name = base.attr if isinstance(base, ast.Attribute) else getattr(base, "id", None)
                if _is_thread_call(name):
                    return True
    return False
