"""Taking the server and the client out of Markdown lab reports."""

import pytest

from grader.errors import SubmissionError
from grader.intake.discover import discover
from grader.intake.lab_report import code_blocks

SERVER = "import socket\ns = socket.socket()\ns.bind(('', 1))\ns.listen()\nwhile True:\n    c, a = s.accept()\n"
CLIENT = "import socket\nc = socket.socket()\nc.connect(('localhost', 1))\n"


def _indent(code):
    return "".join("    " + line + "\n" for line in code.splitlines())


def test_fenced_blocks_under_russian_headings(tmp_path):
    report = tmp_path / "lab.md"
    report.write_text(f"# Лаба\n\n### Клиент\n\n```python\n{CLIENT}```\n\n### Сервер\n```\n{SERVER}```\n",
                      encoding="utf-8")
    submission = discover(report, workdir=tmp_path / "out")
    assert submission.kind == "report"
    assert submission.server.read_text() == SERVER
    assert submission.client.read_text() == CLIENT


def test_indented_blocks_named_by_their_heading(tmp_path):
    report = tmp_path / "lab.txt"
    report.write_text(f"## Ход работы\n\n### Код my_server.py\n\n{_indent(SERVER)}\n### Код my_client.py\n\n"
                      f"{_indent(CLIENT)}", encoding="utf-8")
    submission = discover(report, workdir=tmp_path / "out")
    assert submission.server.name == "my_server.py"
    assert submission.client.name == "my_client.py"
    assert any("line" in note for note in submission.notes)


def test_bold_file_names_and_line_numbers(tmp_path):
    text = f"intro\n\n**client.py**\n```python\n{CLIENT}```\n\n**server.py**\n```python\n{SERVER}```\n"
    blocks = code_blocks(text)
    assert [b.filename() for b in blocks] == ["client.py", "server.py"]
    assert text.splitlines()[blocks[1].line - 1] == SERVER.splitlines()[0]


def test_report_without_code_is_refused(tmp_path):
    report = tmp_path / "lab.md"
    report.write_text("# Отчёт\n\nКод потерялся.\n", encoding="utf-8")
    with pytest.raises(SubmissionError, match="no Python code"):
        discover(report, workdir=tmp_path / "out")


def test_report_with_only_a_client_is_graded_as_a_client(tmp_path):
    report = tmp_path / "lab.md"
    report.write_text(f"```python\n{CLIENT}```\n", encoding="utf-8")
    found = discover(report, workdir=tmp_path / "out")
    assert found.server is None and found.client is not None and "connect" in found.source("client")


def test_report_with_neither_role_is_refused(tmp_path):
    report = tmp_path / "lab.md"
    report.write_text("```python\nimport os\nprint(os.getcwd())\n```\n", encoding="utf-8")
    with pytest.raises(SubmissionError, match="neither a server"):
        discover(report, workdir=tmp_path / "out")


def test_server_override_names_a_block(tmp_path):
    report = tmp_path / "lab.md"
    report.write_text(f"**a.py**\n```python\n{SERVER}```\n**b.py**\n```python\n{SERVER}```\n", encoding="utf-8")
    assert discover(report, server="b.py", workdir=tmp_path / "out").server.name == "b.py"
    with pytest.raises(SubmissionError, match="no code block named"):
        discover(report, server="c.py", workdir=tmp_path / "out2")
