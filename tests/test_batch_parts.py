"""The batch's parts, without grading anything: class folders, zips, shards, similarity, gradebook, CSV, index."""

import csv
import io
import os
import sqlite3
import zipfile

import pytest

from batch_class import markdown_report, moodle, reference_folder, renamed_variant, server_folder, zip_folder
from conftest import REFERENCE, ROOT, SUBMISSIONS
from grader.batch import unzip
from grader.batch.entries import list_entries
from grader.batch.export import class_view, grades_csv
from grader.batch.gradebook import CheckRow, Gradebook, GradebookError, Record
from grader.batch.keys import content_hash, lab_identity
from grader.batch.resolve import Ungradable, resolve
from grader.batch.shard import Shard, parse_shard
from grader.batch.similarity import fingerprints, normalized_tokens, similar_pairs
from grader.errors import UsageError
from grader.report.index import render_index


# ------------------------------------------------------------------ class folders
def test_platform_names_give_the_students(tmp_path):
    root = tmp_path / "class"
    root.mkdir()
    (root / moodle("Иванов Иван", 101)).mkdir()
    (root / moodle("Иванов Иван", 101) / "server.py").write_text("x = 1\n")
    online = root / "Иванов Иван_101_assignsubmission_onlinetext_"
    online.mkdir()
    (online / "onlinetext.html").write_text("<p>hi</p>")
    (root / "Petrov Petr_202_assignsubmission_file_server.py").write_text("s = 1\n")
    (root / "Petrov Petr_202_assignsubmission_file_client.py").write_text("c = 1\n")
    (root / "smithjohn_LATE_30303_777_server.py").write_text("s = 2\n")
    (root / "plain_folder").mkdir()
    (root / "lab4.md").write_text("# report\n")
    (root / ".DS_Store").write_bytes(b"\0")
    (root / "__MACOSX").mkdir()
    entries = {entry.name: entry for entry in list_entries(root)}
    assert set(entries) == {"Иванов Иван_101", "Petrov Petr_202", "smithjohn_30303", "plain_folder", "lab4.md"}
    ivanov = entries["Иванов Иван_101"]
    assert (ivanov.student, ivanov.student_id) == ("Иванов Иван", "101")
    assert ivanov.paths == (root / moodle("Иванов Иван", 101),)  # the upload, not the online text
    petrov = entries["Petrov Petr_202"]
    assert sorted(original for _path, original in petrov.files) == ["client.py", "server.py"]
    assert entries["smithjohn_30303"].files[0][1] == "server.py"
    assert entries["lab4.md"].student == "lab4"


def test_bad_class_folders_are_usage_errors(tmp_path):
    with pytest.raises(UsageError, match="no such folder"):
        list_entries(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(UsageError, match="empty"):
        list_entries(tmp_path / "empty")
    (tmp_path / "file.py").write_text("x = 1\n")
    with pytest.raises(UsageError, match="not a folder"):
        list_entries(tmp_path / "file.py")
    (tmp_path / "only_out").mkdir()
    (tmp_path / "only_out" / "reports").mkdir()
    with pytest.raises(UsageError, match="empty"):
        list_entries(tmp_path / "only_out", exclude=[tmp_path / "only_out" / "reports"])


# --------------------------------------------------------------------------- zips
def _zip(path, members):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members:
            archive.writestr(name, data)
    return path


@pytest.mark.parametrize("name", ["../escape.py", "a/../../escape.py", "/etc/cron.d/x", "..\\..\\escape.py",
                                  "C:/Windows/x.py"])
def test_zip_with_a_path_outside_is_refused_whole(tmp_path, name):
    archive = _zip(tmp_path / "evil.zip", [("server.py", "x = 1\n"), (name, "boom\n")])
    with pytest.raises(unzip.ZipRejected, match="unsafe"):
        unzip.extract(archive, tmp_path / "out")
    assert not (tmp_path / "out").exists()  # nothing written, not even the safe member
    assert not (tmp_path / "escape.py").exists()


def test_zip_limits(tmp_path, monkeypatch):
    link = zipfile.ZipInfo("server.py")
    link.external_attr = 0o120777 << 16
    archive = _zip(tmp_path / "link.zip", [(link, "/etc/passwd")])
    with pytest.raises(unzip.ZipRejected, match="symbolic link"):
        unzip.extract(archive, tmp_path / "a")
    (tmp_path / "not.zip").write_bytes(b"not a zip at all")
    with pytest.raises(unzip.ZipRejected, match="not a valid zip"):
        unzip.extract(tmp_path / "not.zip", tmp_path / "b")
    monkeypatch.setattr(unzip, "MAX_MEMBERS", 3)
    many = _zip(tmp_path / "many.zip", [(f"f{i}.py", "x\n") for i in range(4)])
    with pytest.raises(unzip.ZipRejected, match="members"):
        unzip.extract(many, tmp_path / "c")
    # A bomb: the bytes really written count, whatever the headers say.
    monkeypatch.setattr(unzip, "MAX_UNPACKED_BYTES", 10_000)
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("server.py", "#" * 1_000_000)
    assert bomb.stat().st_size < 10_000
    with pytest.raises(unzip.ZipRejected, match="more than"):
        unzip.extract(bomb, tmp_path / "d")
    assert not (tmp_path / "d").exists()


def test_zip_junk_is_left_out(tmp_path):
    archive = _zip(tmp_path / "ok.zip", [("lab/server.py", "x = 1\n"), ("__MACOSX/lab/._server.py", "junk"),
                                         ("lab/.DS_Store", "junk")])
    out = unzip.extract(archive, tmp_path / "out")
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == ["lab", "lab/server.py"]


# ---------------------------------------------------------------------- resolving
def _only(root):
    (entry,) = list_entries(root)
    return entry


def test_wrappers_are_peeled_to_the_code(tmp_path):
    root = tmp_path / "class"
    wrapper = root / moodle("Orlova Olga", 5)
    wrapper.mkdir(parents=True)
    zip_folder(reference_folder(tmp_path / "src"), wrapper / "lab.zip", prefix="Lab 4/")
    resolved = resolve(_only(root), tmp_path / "work", root)
    assert sorted(p.name for p in resolved.target.iterdir()) == ["client.py", "server.py"]
    assert resolved.display(str(resolved.target) + ": x").startswith(f"{moodle('Orlova Olga', 5)}/lab.zip")


def test_a_folder_with_code_is_graded_as_the_folder(tmp_path):
    root = tmp_path / "class"
    server_folder("no_broadcast", root / "only_server")
    assert resolve(_only(root), tmp_path / "work", root).target == (root / "only_server").resolve()


def test_a_folder_with_a_report_only_is_the_report(tmp_path):
    root = tmp_path / "class"
    (root / "student").mkdir(parents=True)
    report = markdown_report(root / "student" / "report.md", REFERENCE / "server.py")
    assert resolve(_only(root), tmp_path / "work", root).target == report.resolve()


@pytest.mark.parametrize("case, words", [("empty", "empty folder"), ("two_reports", "2 lab reports"),
                                         ("zip_in_zip", "zip inside a zip"), ("empty_zip", "empty zip")])
def test_entries_that_hold_nothing_to_grade(tmp_path, case, words):
    root = tmp_path / "class"
    root.mkdir()
    if case == "empty":
        (root / "student").mkdir()
    elif case == "two_reports":
        (root / "student").mkdir()
        (root / "student" / "a.md").write_text("# a\n")
        (root / "student" / "b.txt").write_text("b\n")
    elif case == "zip_in_zip":
        inner = _zip(tmp_path / "inner.zip", [("server.py", "x = 1\n")])
        _zip(root / "student.zip", [("inner.zip", inner.read_bytes())])
    else:
        _zip(root / "student.zip", [])
    with pytest.raises(Ungradable, match=words) as raised:
        resolve(_only(root), tmp_path / "work", root)
    assert str(tmp_path / "work") not in str(raised.value)  # no scratch path in what the instructor reads


# ------------------------------------------------------------------------- shards
@pytest.mark.parametrize("text", ["0/2", "3/2", "1/0", "x", "1/", "/2", "1-2", "-1/2", ""])
def test_bad_shards(text):
    with pytest.raises(UsageError, match="--shard"):
        parse_shard(text)


def test_shards_split_a_class_exactly_and_stably():
    names = [f"student_{i}" for i in range(200)]
    shards = [parse_shard(f"{k}/3") for k in (1, 2, 3)]
    parts = [{name for name in names if shard.holds(name)} for shard in shards]
    assert set().union(*parts) == set(names) and sum(map(len, parts)) == len(names)
    assert all(40 < len(part) < 95 for part in parts)  # roughly a third each
    assert parts[0] == {name for name in names + ["late"] if Shard(1, 3).holds(name)} - {"late"}
    assert all(Shard(1, 1).holds(name) for name in names)


# --------------------------------------------------------------------- similarity
def test_renaming_comments_and_layout_change_nothing(tmp_path):
    original = SUBMISSIONS / "no_broadcast" / "server.py"
    disguised = renamed_variant(original, tmp_path / "copy.py")
    a, b = fingerprints([original.read_text()]), fingerprints([disguised.read_text()])
    assert normalized_tokens(original.read_text()) == normalized_tokens(disguised.read_text())
    assert a == b and len(a) > 20


def test_pairs_are_the_copies_only():
    texts = {name: (SUBMISSIONS / name / "server.py").read_text() for name in
             ("no_broadcast", "serial", "two_users", "nick_prompt", "gethostbyname", "good_chunks")}
    prints = {name: fingerprints([text]) for name, text in texts.items()}
    prints["copy_of_serial"] = fingerprints([texts["serial"].replace("conn", "c")])
    prints["broken_copy"] = fingerprints([texts["nick_prompt"] + "\ndef broken(:\n    '''unterminated"])
    pairs = similar_pairs(prints, threshold=0.5)
    assert {(p.a, p.b) for p in pairs} == {("copy_of_serial", "serial"), ("broken_copy", "nick_prompt")}
    assert all(p.score > 0.9 for p in pairs)


def test_code_the_whole_class_shares_is_not_evidence():
    common = (REFERENCE / "server.py").read_text()
    prints = {f"s{i}": fingerprints([common]) for i in range(10)}
    assert similar_pairs(prints) == []  # everybody has it: boilerplate (a starter file), not a copy


# ---------------------------------------------------------------------- gradebook
def _record(name, status="graded", score=3.0, checks=None, key="k", **extra):
    checks = checks if checks is not None else (CheckRow("server.starts", "Starts", "passed", 1.0, 1.0),
                                                 CheckRow("server.broadcast", "Broadcast", "failed", 0.0, 2.0, "no"))
    fields = dict(name=name, student=name.title(), student_id="", source=name, content_hash="c", grading_key=key,
                  lab=("chat", "1", "h"), grader=("0.1.0", "b"), options={"lang": "en"}, status=status,
                  started_at="2026-01-01T00:00:00+00:00", duration_s=1.0, score=score if status == "graded" else None,
                  max_score=3.0 if status == "graded" else None, checks=checks if status == "graded" else (),
                  report_dir=f"submissions/{name}" if status == "graded" else "")
    fields.update(extra)
    return Record(**fields)


def test_gradebook_keeps_runs_and_reuses_only_verdicts(tmp_path):
    with Gradebook(tmp_path / "g.sqlite") as book:
        book.record(_record("anna", key="k1"))
        book.record(_record("boris", status="error", reason="grader crashed", key="k1"))
        assert book.reusable("anna", "k1") is not None
        assert book.reusable("anna", "k2") is None  # changed content, lab, grader or options
        assert book.reusable("boris", "k1") is None  # an error is the grader's, not a verdict: graded again
        book.record(_record("anna", score=1.0, key="k2"))
        latest = {row.name: row for row in book.latest()}
        assert latest["anna"].score == 1.0 and [c.id for c in latest["anna"].checks] == ["server.starts",
                                                                                         "server.broadcast"]
    db = sqlite3.connect(tmp_path / "g.sqlite")
    assert db.execute("SELECT COUNT(*) FROM runs WHERE submission='anna'").fetchone()[0] == 2  # history kept
    db.execute("PRAGMA user_version = 99")
    db.commit()
    db.close()
    with pytest.raises(GradebookError, match="newer"):
        Gradebook(tmp_path / "g.sqlite")
    (tmp_path / "junk.sqlite").write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(GradebookError, match="not a gradebook"):
        Gradebook(tmp_path / "junk.sqlite")


HOSTILE_NAME = "=HYPERLINK(\"http://x\")<script>alert(1)</script>"


def test_csv_and_index_agree_and_are_safe(tmp_path):
    with Gradebook(tmp_path / "g.sqlite") as book:
        book.record(_record("anna"))
        book.record(_record(HOSTILE_NAME, student=HOSTILE_NAME))
        book.record(_record("zed", status="ungradable", reason="zed: nothing in it (an empty folder)"))
        view = class_view(book, "Group <b>7</b>")
    rows = list(csv.DictReader(io.StringIO(grades_csv(view))))
    assert [row["student"] for row in rows] == ["'" + HOSTILE_NAME, "Anna", "Zed"] or \
        [row["student"] for row in rows] == ["Anna", "'" + HOSTILE_NAME, "Zed"]
    anna = next(row for row in rows if row["student"] == "Anna")
    assert (anna["score"], anna["max_score"], anna["server.starts"], anna["server.broadcast"]) == ("3", "3", "1", "0")
    zed = next(row for row in rows if row["student"] == "Zed")
    assert zed["status"] == "ungradable" and zed["score"] == "" and "empty folder" in zed["reason"]
    page = render_index(view)
    assert "<script>alert" not in page and "&lt;script&gt;" in page and "<b>7</b>" not in page
    assert page.count('<svg class="chart') == 2
    assert "empty folder" in page


def test_content_hash_follows_the_content(tmp_path):
    root = tmp_path / "class"
    folder = server_folder("no_broadcast", root / "anna")
    (root / "boris.py").write_text("x = 1\n")
    first = {entry.name: content_hash(entry) for entry in list_entries(root)}
    os.utime(folder / "server.py", (1, 1))  # touching is not changing
    assert {entry.name: content_hash(entry) for entry in list_entries(root)} == first
    (folder / "server.py").write_text((folder / "server.py").read_text() + "\n# edited\n")
    second = {entry.name: content_hash(entry) for entry in list_entries(root)}
    assert second["anna"] != first["anna"] and second["boris.py"] == first["boris.py"]


def test_lab_identity_follows_the_lab(tmp_path):
    import shutil

    lab = tmp_path / "lab"
    shutil.copytree(ROOT / "labs" / "chat", lab, ignore=shutil.ignore_patterns("__pycache__"))
    same = lab_identity(lab)
    assert same.hash == lab_identity(ROOT / "labs" / "chat").hash  # a copy is the same lab
    toml = lab / "lab.toml"
    toml.write_text(toml.read_text().replace('"server.broadcast" = 2', '"server.broadcast" = 3'))
    assert lab_identity(lab).hash != same.hash and lab_identity(lab).version == same.version


def test_one_writer_per_gradebook(tmp_path):
    with Gradebook(tmp_path / "g.sqlite"):
        with pytest.raises(GradebookError, match="another grader batch"):
            Gradebook(tmp_path / "g.sqlite")
    Gradebook(tmp_path / "g.sqlite").close()  # free again once the first is closed


def test_every_grader_package_ships():
    """A plain install has the batch too: pyproject lists every package of grader/ (setuptools finds none itself)."""
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "grader").rglob("__init__.py")
             if "__pycache__" not in p.parts}
    assert found <= listed, found - listed


def test_after_the_first_interrupt_a_second_one_only_hurries():
    # An impatient second Ctrl-C as the gradings had just stopped once cut the batch short before
    # its index was written; from the first one on, a further one only sets ``hurry``.
    import os
    import signal
    import threading

    from grader.batch.engine import _hurry_on_next_interrupt

    hurry = threading.Event()
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        _hurry_on_next_interrupt(hurry)
        os.kill(os.getpid(), signal.SIGINT)  # delivered to this (the main) thread: no KeyboardInterrupt
        assert hurry.wait(5)
        hurry.clear()
        os.kill(os.getpid(), signal.SIGTERM)
        assert hurry.wait(5)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def test_a_batch_grades_what_took_longest_last_time_first(tmp_path):
    from types import SimpleNamespace

    from grader.batch.engine import longest_first

    with Gradebook(tmp_path / "g.sqlite") as book:
        for name, seconds in (("anna", 2.0), ("boris", 9.5), ("vera", 0.4), ("gleb", 3.0)):
            book.record(_record(name, key="k1", duration_s=seconds))
        book.record(_record("anna", key="k2", duration_s=1.0))  # the latest run counts, not the first
        durations = book.durations()
    assert durations == {"anna": 1.0, "boris": 9.5, "vera": 0.4, "gleb": 3.0}
    todo = [SimpleNamespace(entry=SimpleNamespace(name=name)) for name in ("anna", "dina", "vera", "boris", "gleb")]
    order = [job.entry.name for job in longest_first(todo, durations)]
    # dina was never graded: a typical entry (the median of the others, 2.0 s), between gleb and anna.
    assert order == ["boris", "gleb", "dina", "anna", "vera"]
    assert [job.entry.name for job in longest_first(todo, {})] == ["anna", "dina", "vera", "boris", "gleb"]
