"""Why a program cannot run here, in the student's terms: Python 2, a newer Python, Windows, a GUI.

Pure functions of the crash the shim reported and the student's source:
they explain a failure (or a skip), they never decide a verdict.
"""

import re
import sys

# Python 2 only: a print statement, raw_input(), "except E, e:", backquotes, 0777, ur"...", <>.
_PYTHON2 = [
    (re.compile(r"^\s*print\s+(?![\s(=.,)\[])[\"'\w]"), "print"),
    (re.compile(r"\braw_input\s*\("), "raw_input()"),
    (re.compile(r"^\s*except\s+[\w.]+\s*,\s*\w+\s*:"), "except E, e:"),
    (re.compile(r"\bunicode\s*\(|\bxrange\s*\(|\.has_key\s*\("), "a Python 2 built-in"),
    (re.compile(r"^\s*exec\s+[\"'\w]"), "exec"),
]
# Syntax of a newer Python than this one, by the version that brought it.
_NEWER = [
    ((3, 12), re.compile(r"^\s*type\s+\w+\s*(\[[^\]]*\])?\s*=")),          # type aliases (PEP 695)
    ((3, 12), re.compile(r"^\s*(def|class)\s+\w+\s*\[")),                  # type parameters (PEP 695)
    ((3, 12), re.compile(r"""f(["'])[^"']*\{[^}]*\1""")),                   # a quote reused inside an f-string
    ((3, 11), re.compile(r"^\s*except\s*\*")),                              # except* (PEP 654)
    ((3, 10), re.compile(r"^\s*match\s+[^=]+:\s*$")),                       # match statements (PEP 634)
]
WINDOWS_MODULES = ("msvcrt", "winsound", "winreg", "_winapi", "win32api", "win32con", "pywintypes")
GUI_MODULES = ("tkinter", "Tkinter", "PyQt5", "PyQt6", "PySide2", "PySide6", "wx", "kivy", "pygame",
               "customtkinter", "PySimpleGUI")


def python2_line(source):
    """(line number, what) of the first line that only Python 2 accepts, or None."""
    for number, line in enumerate((source or "").splitlines(), start=1):
        for pattern, what in _PYTHON2:
            if pattern.search(line):
                return number, what
    return None


def newer_python(line_text, running=sys.version_info[:2]):
    """The (major, minor) a line's syntax needs when that is newer than ``running``, else None."""
    for version, pattern in _NEWER:
        if version > running and pattern.search(line_text or ""):
            return version
    return None


def windows_module(crash):
    """The Windows-only module a crash failed to import ("msvcrt"), or None."""
    if (crash or {}).get("type") not in ("ModuleNotFoundError", "ImportError"):
        return None
    match = re.search(r"No module named '([\w.]+)'", crash.get("message", ""))
    name = match.group(1).split(".")[0] if match else ""
    return name if name in WINDOWS_MODULES else None


def windows_commands(source):
    """(line number, command) of ``os.system('cls')``-like calls: Windows commands that do nothing here."""
    found = []
    for number, line in enumerate((source or "").splitlines(), start=1):
        match = re.search(r"""os\.system\(\s*['"](cls|pause|title\b[^'"]*|color\s+\w+)['"]""", line)
        if match:
            found.append((number, match.group(1)))
    return found


def gui_toolkit(source):
    """The GUI toolkit a program imports ("tkinter"), or None: it has windows, not a terminal."""
    for name in GUI_MODULES:
        if re.search(rf"^\s*(?:import|from)\s+{re.escape(name)}\b", source or "", re.MULTILINE):
            return name
    return None


def memory_limit_hit(crash):
    """Whether a crash is what the lab's memory limit looks like from inside (MemoryError)."""
    return (crash or {}).get("type") == "MemoryError"
