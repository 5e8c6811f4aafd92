"""From a class folder's entry to the path that ``grader check`` grades.

Platforms and archivers wrap a submission in layers: a Moodle folder that
holds a zip that holds a folder that holds the code.  The layers are peeled
off (one zip deep) until a folder with Python files, a single file, or a
lab report remains; what that is worth is then up to ``grader check``, so a
verdict in a batch is the same as ``grader check`` on the same submission.
"""

import shutil
from dataclasses import dataclass
from pathlib import Path

from grader.batch.entries import visible
from grader.batch.unzip import ZipRejected, extract
from grader.intake.discover import REPORT_SUFFIXES, python_files


class Ungradable(Exception):
    """The entry holds nothing ``grader check`` could be given; the message says why."""


@dataclass(frozen=True)
class Resolved:
    """What to grade, and how to show its temporary paths to people."""

    target: Path
    aliases: tuple  # (temporary path prefix, what to show instead), for messages that name the path

    def display(self, text):
        """``text`` with the scratch and class-folder paths replaced by names people know."""
        return display(text, self.aliases)


def display(text, aliases):
    for prefix, shown in sorted(aliases, key=lambda alias: -len(str(alias[0]))):  # the most specific first
        text = text.replace(str(prefix), shown)
    return text


def resolve(entry, workdir, class_folder):
    """The path to grade for ``entry``; ``workdir`` is a scratch folder the caller removes.

    Raises Ungradable, its message in the names the instructor sees.
    """
    workdir = Path(workdir)
    aliases = [(str(Path(class_folder).resolve()) + "/", "")]
    path = entry.paths[0]
    try:
        if len(entry.paths) > 1:  # the loose files of a flat export: one folder, with the names the student gave
            path = workdir / "staged"
            path.mkdir()
            for source, original in entry.files:
                if source.is_file() and not source.is_symlink():
                    shutil.copyfile(source, path / Path(original).name)
            aliases.append((str(path), entry.name))
        elif not path.is_symlink():
            path = path.resolve()
        return Resolved(_peel(path, workdir, aliases, zips_left=1), tuple(aliases))
    except Ungradable as exc:
        raise Ungradable(display(str(exc), aliases)) from None


def _peel(path, workdir, aliases, zips_left):
    if path.is_symlink():
        raise Ungradable(f"{path}: a symbolic link (not followed)")
    if path.is_file() and path.suffix.lower() == ".zip":
        if not zips_left:
            raise Ungradable(f"{path}: a zip inside a zip (hand in one zip)")
        target = workdir / f"unzipped-{len(aliases)}"
        try:
            extract(path, target)
        except ZipRejected as exc:
            raise Ungradable(f"{path}: {exc}") from None
        aliases.append((str(target), display(str(path), aliases)))
        return _peel(target, workdir, aliases, zips_left - 1)
    if not path.is_dir():
        return path  # a file: grader check tells a report from code, and says why a binary is not either
    children = visible(path)
    if not children:
        what = "zip" if path.name.startswith("unzipped-") else "folder"
        raise Ungradable(f"{path}: nothing in it (an empty {what})")
    if len(children) == 1 and (children[0].is_dir() or children[0].suffix.lower() == ".zip"):
        return _peel(children[0], workdir, aliases, zips_left)
    if python_files(path):
        return path
    reports = [child for child in children if child.is_file() and child.suffix.lower() in REPORT_SUFFIXES]
    if len(reports) == 1:
        return reports[0]
    zips = [child for child in children if child.is_file() and child.suffix.lower() == ".zip"]
    if len(zips) == 1 and not reports:
        return _peel(zips[0], workdir, aliases, zips_left)
    if len(reports) > 1:
        raise Ungradable(f"{path}: no .py files and {len(reports)} lab reports "
                         f"({', '.join(r.name for r in reports[:4])}); which one is the submission?")
    return path  # grader check says what is missing
