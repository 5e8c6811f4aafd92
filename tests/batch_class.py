"""A generated class of submissions, as an instructor gets them, with the verdict each must get.

Copies and variants of the fixture submissions (servers, clients, hostile
ones), wrapped the ways students and course platforms wrap them (Moodle
folders and flat files, zips, lab reports, single files), plus entries that
cannot be graded.  The expected verdicts come from the fixture tests'
tables, which hold what ``grader check`` says about each fixture.
"""

import re
import shutil
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path

from conftest import REFERENCE, ROOT, SUBMISSIONS

POINTS = tomllib.loads((ROOT / "labs" / "chat" / "lab.toml").read_text(encoding="utf-8"))["points"]
CHECKS = list(POINTS)
CLIENT_CHECKS = [c for c in CHECKS if c.startswith("client.") or c == "static.client_threading"]
HOSTILE = SUBMISSIONS / "hostile"
CLIENTS = SUBMISSIONS / "clients"


@dataclass(frozen=True)
class Expect:
    """What an entry must get: a verdict per check, an ungradable reason, or whatever grader check says."""

    status: str                   # graded | ungradable | as_check
    verdicts: dict | None = None  # check id -> status (graded)
    reason: str = ""              # a word the reason must contain (ungradable)
    target: str = ""              # relative path of what grader check grades (as_check)
    racy: dict | None = None      # check id -> the statuses a race in the student's code may give

    def mismatches(self, statuses):
        """{check: (got, expected)} for the checks whose status is not the expected one."""
        racy = self.racy or {}
        return {c: (statuses.get(c), s) for c, s in self.verdicts.items()
                if statuses.get(c) != s and statuses.get(c) not in racy.get(c, ())}


def _server_only(not_passed, name=None):
    from test_fixture_verdicts import RACY

    verdicts = {check: not_passed.get(check, "passed") for check in CHECKS if check not in CLIENT_CHECKS}
    verdicts.update({check: "skipped" for check in CLIENT_CHECKS})
    return Expect("graded", verdicts, racy={check: allowed for (fixture, check), allowed in RACY.items()
                                            if fixture == name})


def _with_client(not_passed):
    return Expect("graded", {check: not_passed.get(check, "passed") for check in CHECKS})


def server_folder(name, folder):
    folder.mkdir(parents=True)
    shutil.copyfile(SUBMISSIONS / name / "server.py", folder / "server.py")
    return folder


def hostile_folder(name, folder):
    folder.mkdir(parents=True)
    shutil.copyfile(HOSTILE / f"{name}.py", folder / "server.py")
    shutil.copyfile(HOSTILE / "chatcore.py", folder / "chatcore.py")
    return folder


def client_folder(name, folder):
    folder.mkdir(parents=True)
    shutil.copyfile(REFERENCE / "server.py", folder / "server.py")
    shutil.copyfile(CLIENTS / name / "client.py", folder / "client.py")
    return folder


def reference_folder(folder):
    folder.mkdir(parents=True)
    for name in ("server.py", "client.py"):
        shutil.copyfile(REFERENCE / name, folder / name)
    return folder


def zip_folder(folder, zip_path, prefix=""):
    """Zip ``folder``'s files under ``prefix`` (as 'Send to > Compressed folder' does with the folder's name)."""
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, prefix + path.relative_to(folder).as_posix())
    return zip_path


def markdown_report(path, server, client=None):
    """A lab report with the programs in fenced code blocks under headings, as students write them."""
    parts = ["# Лабораторная работа 4: чат\n\nЦель работы: многопользовательский чат на сокетах.\n",
             "## Код сервера (server.py)\n\n```python\n" + Path(server).read_text(encoding="utf-8") + "```\n"]
    if client:
        parts.append("## Код клиента (client.py)\n\n```python\n" + Path(client).read_text(encoding="utf-8") + "```\n")
    parts.append("## Вывод\n\nЧат работает.\n")
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def renamed_variant(source, target):
    """The same program with other names, other comments and other spacing: a disguised copy."""
    text = Path(source).read_text(encoding="utf-8")
    for old, new in (("users_lock", "members_guard"), ("users", "members"), ("conns", "sockets"), ("conn", "sock"),
                     ("name", "nick"), ("notify", "tell_everyone"), ("handle", "serve_member"), ("text", "msg")):
        text = re.sub(rf"\b{old}\b", new, text)
    lines = []
    for line in text.splitlines():
        if line.strip().startswith("#"):
            continue
        lines.append(line + ("  # my code" if line.strip().endswith(":") else ""))
        if line.strip().startswith("def "):
            lines.append("")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


def moodle(student, number):
    return f"{student}_{number}_assignsubmission_file_"


def ungradable_entries(root):
    """Entries that cannot be graded, each with a word its reason must contain."""
    expected = {}
    (root / "Empty Folder").mkdir()
    expected["Empty Folder"] = Expect("ungradable", reason="empty")
    (root / "no_code_report.md").write_text("# Отчёт\n\nКод потерялся, но чат работал.\n", encoding="utf-8")
    expected["no_code_report.md"] = Expect("ungradable", reason="no Python code")
    (root / "photo_of_screen.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    expected["photo_of_screen.png"] = Expect("ungradable", reason="not a text file")
    with zipfile.ZipFile(root / "evil.zip", "w") as archive:
        archive.writestr("server.py", (REFERENCE / "server.py").read_text(encoding="utf-8"))
        archive.writestr("../../escaped.py", "print('outside')\n")
    expected["evil.zip"] = Expect("ungradable", reason="unsafe path")
    return expected


def more_ungradable_entries(root):
    """A zip holding a symbolic link, and a Moodle student whose upload is a .docx (beside the online text)."""
    expected = {}
    with zipfile.ZipFile(root / "linked.zip", "w") as archive:
        link = zipfile.ZipInfo("server.py")
        link.external_attr = (0o120777 << 16)  # a symlink, as `zip --symlinks` stores one
        archive.writestr(link, "/etc/passwd")
    expected["linked.zip"] = Expect("ungradable", reason="symbolic link")
    student = "Sokolov Dmitry_4004"
    (root / moodle("Sokolov Dmitry", 4004)).mkdir()
    (root / moodle("Sokolov Dmitry", 4004) / "lab4.docx").write_bytes(b"PK\x03\x04" + bytes(range(256)) * 4)
    online = root / "Sokolov Dmitry_4004_assignsubmission_onlinetext_"
    online.mkdir()
    (online / "onlinetext.html").write_text("<p>see the attached file</p>", encoding="utf-8")
    expected[student] = Expect("ungradable", reason="no Python files")
    return expected


def small_class(root):
    """A class of 6: two real gradings (fast ones) and four entries that cannot be graded."""
    root.mkdir(parents=True)
    expected = {}
    reference_folder(root / moodle("Иванов Иван", 1001))
    expected["Иванов Иван_1001"] = _with_client({})
    staging = root.parent / (root.name + "-staging")
    server_folder("syntax_error", staging / "syntax_error")
    zip_folder(staging / "syntax_error", root / "petrov.zip", prefix="lab4/")
    from test_fixture_verdicts import EXPECTED as SERVERS

    expected["petrov.zip"] = _server_only(SERVERS["syntax_error"])
    expected.update(ungradable_entries(root))
    return expected


def full_class(root, with_namespaces):
    """A class of at least 40 mixed entries; returns {entry name: Expect}."""
    from test_client_verdicts import EXPECTED as CLIENT_EXPECTED
    from test_fixture_verdicts import EXPECTED as SERVERS
    from test_hostile import EXPECTED as HOSTILE_EXPECTED

    root.mkdir(parents=True)
    staging = root.parent / (root.name + "-staging")
    expected = {}
    names = sorted(SERVERS)
    moodle_wrapped = set(names[::4])  # every fourth under a Moodle folder, some of those as a zip inside it
    for number, name in enumerate(names):
        if name in moodle_wrapped:
            student = f"Student {name.title().replace('_', '')}"
            wrapper = root / moodle(student, 2000 + number)
            if number % 8 == 0:
                wrapper.mkdir()
                zip_folder(server_folder(name, staging / name), wrapper / "lab4.zip", prefix=f"{name}/")
            else:
                server_folder(name, wrapper / "lab4")
            expected[f"{student}_{2000 + number}"] = _server_only(SERVERS[name], name)
        else:
            server_folder(name, root / name)
            expected[name] = _server_only(SERVERS[name], name)
    for name in sorted(CLIENT_EXPECTED):
        client_folder(name, root / f"client_{name}")
        expected[f"client_{name}"] = _with_client(CLIENT_EXPECTED[name])
    hostile = ["output_flood", "fork_storm", "double_fork_daemon", "ignores_sigterm", "hostile_text"]
    if with_namespaces:
        hostile.append("kills_parent")
    for name in hostile:
        hostile_folder(name, root / f"hostile_{name}")
        expected[f"hostile_{name}"] = _server_only(HOSTILE_EXPECTED[name])
    reference_folder(root / "reference_copy")
    expected["reference_copy"] = _with_client({})
    zip_folder(reference_folder(staging / "ref_zip"), root / "sidorova.zip")
    expected["sidorova.zip"] = _with_client({})
    markdown_report(root / "kuznetsov_report.md", REFERENCE / "server.py", REFERENCE / "client.py")
    expected["kuznetsov_report.md"] = _with_client({})
    renamed_variant(SUBMISSIONS / "no_broadcast" / "server.py", root / "no_broadcast_disguised" / "server.py")
    expected["no_broadcast_disguised"] = _server_only(SERVERS["no_broadcast"])
    # Moodle without folders: each uploaded file beside the others, the student's name in front.
    flat = "Петров Пётр_3001_assignsubmission_file_"
    shutil.copyfile(REFERENCE / "server.py", root / f"{flat}server.py")
    shutil.copyfile(CLIENTS / "good_threaded" / "client.py", root / f"{flat}client.py")
    expected["Петров Пётр_3001"] = _with_client(CLIENT_EXPECTED["good_threaded"])
    markdown_report(root / "orlova_report.md", SUBMISSIONS / "reply_to_sender" / "server.py")
    expected["orlova_report.md"] = _server_only(SERVERS["reply_to_sender"])
    shutil.copyfile(SUBMISSIONS / "good_chunks" / "server.py", root / "smirnov.py")
    expected["smirnov.py"] = Expect("as_check", target="smirnov.py")
    expected.update(ungradable_entries(root))
    expected.update(more_ungradable_entries(root))
    assert len(expected) >= 40, len(expected)
    return expected
