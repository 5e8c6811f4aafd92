"""Bad input: one clear line on stderr and exit code 2, never a traceback or a hang."""

import os
import subprocess
import sys

from conftest import run_grader


def _one_line_error(done, *words):
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("grader: "), done.stderr
    assert "Traceback" not in done.stderr
    for word in words:
        assert word in lines[0]


def test_missing_path(tmp_path):
    _one_line_error(run_grader("check", tmp_path / "nope"), "no such file")


def test_empty_folder(tmp_path):
    _one_line_error(run_grader("check", tmp_path), "no Python files")


def test_folder_without_a_server_or_a_client(tmp_path):
    (tmp_path / "notes.py").write_text("print('my chat is in another folder')\n")
    _one_line_error(run_grader("check", tmp_path), "no server found", "no client")


def test_folder_with_only_a_client_is_graded_not_refused(tmp_path):
    # Found without a grading (which tests/test_server_shapes.py does end to end).
    from grader.intake.discover import discover

    (tmp_path / "client.py").write_text("import socket\nsocket.socket().connect(('h', 1))\n")
    submission = discover(tmp_path)
    assert submission.server is None and submission.client == tmp_path / "client.py"
    single = discover(tmp_path / "client.py")
    assert single.server is None and single.client == tmp_path / "client.py"


def test_folder_of_binaries(tmp_path):
    (tmp_path / "server.pyc").write_bytes(b"\x00\x01\x02" * 100)
    (tmp_path / "a.out").write_bytes(b"\x7fELF\x00" * 100)
    _one_line_error(run_grader("check", tmp_path), "no Python files")


def test_binary_file(tmp_path):
    binary = tmp_path / "report.md"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00" * 50)
    _one_line_error(run_grader("check", binary), "not a text file")


def test_file_too_large_to_be_source(tmp_path):
    big = tmp_path / "server.py"
    big.write_text("# x\n" * 300_000)
    _one_line_error(run_grader("check", big), "too large")


def test_unreadable_file(tmp_path):
    if os.geteuid() == 0:
        # Root reads every file; /proc/self/mem is a regular file whose read fails even for root.
        unreadable = "/proc/self/mem"
    else:
        unreadable = tmp_path / "server.py"
        unreadable.write_text("print(1)\n")
        unreadable.chmod(0)
    _one_line_error(run_grader("check", unreadable), "cannot read")


def test_fifo_does_not_hang(tmp_path):
    fifo = tmp_path / "server.py"
    os.mkfifo(fifo)
    _one_line_error(run_grader("check", fifo, timeout=20), "not a regular file")


def test_report_with_no_code(tmp_path):
    report = tmp_path / "report.md"
    report.write_text("# Лабораторная работа 4\n\nСм. скриншоты.\n", encoding="utf-8")
    _one_line_error(run_grader("check", report), "no Python code blocks")


def test_server_override_that_does_not_exist(tmp_path):
    (tmp_path / "server.py").write_text("import socket\n")
    _one_line_error(run_grader("check", tmp_path, "--server", "other.py"), "no such file")


def test_bad_option():
    _one_line_error(run_grader("check", "--lang", "fr", "x"), "invalid choice")


def test_no_command_prints_help():
    done = run_grader()
    assert done.returncode == 2 and "check" in done.stdout


def test_unknown_option_names_the_commands_help(tmp_path):
    _one_line_error(run_grader("check", tmp_path, "-o", "x"), "unrecognized arguments: -o x", "grader check --help")
    _one_line_error(run_grader("--bogus"), "(see: grader --help)")


def _run_script(folder, name, source, *, as_module=False):
    """Write ``source`` as ``folder/name`` and run it with this Python; the CompletedProcess."""
    (folder / name).write_text(source, encoding="utf-8")
    command = [sys.executable, "-m", name.removesuffix(".py")] if as_module else [sys.executable, name]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL, cwd=folder)


def test_ctrl_c_during_an_import_still_exits_130(tmp_path):
    # A Ctrl-C that lands while a dataclass is being built (an exec() of a string, at import)
    # once made `python -m grader` end by SIGINT (-2) after it had handled it and chosen 130.
    done = _run_script(tmp_path, "interrupted_grader.py",
                       "import grader.cli as cli\n"
                       "cli.run_check = lambda args, stdout: exec('raise KeyboardInterrupt')\n"
                       "raise SystemExit(cli.main(['check', '.']))\n", as_module=True)
    assert done.returncode == 130, done.stderr
    assert done.stderr.strip() == "grader: interrupted"


def test_a_second_ctrl_c_after_the_exit_code_is_decided_changes_nothing(tmp_path):
    # `grader batch` stopped by Ctrl-C returns 130; an impatient second Ctrl-C landing as main()
    # returns, or while the interpreter ends, once made the process die by SIGINT (-2).
    done = _run_script(tmp_path, "late_ctrl_c.py",
                       "import os, signal\n"
                       "import grader.cli\n"
                       "def main():\n"
                       "    os.kill(os.getpid(), signal.SIGINT)  # the second Ctrl-C, as main() returns\n"
                       "    return 130\n"
                       "grader.cli.main = main\n"
                       "from grader.__main__ import run\n"
                       "code = run()\n"
                       "os.kill(os.getpid(), signal.SIGINT)  # and a third, while the interpreter ends\n"
                       "raise SystemExit(code)\n")
    assert done.returncode == 130, done.stderr
    assert "Traceback" not in done.stderr, done.stderr


def test_ctrl_c_while_the_cli_is_still_being_imported_exits_130(tmp_path):
    # On a busy machine the CLI's import takes long enough for a Ctrl-C to land in it: the
    # tests' own Ctrl-C once came there, and Python printed a traceback and died by SIGINT (-2).
    done = _run_script(tmp_path, "interrupted_import.py",
                       "import builtins, sys\n"
                       "real_import = builtins.__import__\n"
                       "def importing(name, *args, **kwargs):\n"
                       "    if name == 'grader.cli':\n"
                       "        raise KeyboardInterrupt\n"
                       "    return real_import(name, *args, **kwargs)\n"
                       "builtins.__import__ = importing\n"
                       "from grader.__main__ import run\n"
                       "raise SystemExit(run())\n")
    assert done.returncode == 130, done.stderr
    assert done.stderr.strip() == "grader: interrupted"
