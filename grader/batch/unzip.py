"""Unpack a student's .zip without trusting it.

A zip is the student's input: its names may climb out of the target folder
(``../../.bashrc``, ``/etc/x``), its members may be symbolic links, and its
headers may lie about sizes (a zip bomb).  Each member is checked before
anything is written, only regular files and folders are created, and the
bytes actually written are counted against the limits.
"""

import shutil
import stat
import zipfile
from pathlib import Path, PurePosixPath

MAX_ZIP_BYTES = 64 * 1024 * 1024      # the .zip itself
MAX_UNPACKED_BYTES = 32 * 1024 * 1024  # what it may unpack to: grader.intake.discover copies no more per check
MAX_MEMBERS = 2000
JUNK = {"__MACOSX", ".DS_Store", "Thumbs.db", "desktop.ini"}


class ZipRejected(Exception):
    """The zip cannot be unpacked safely; the message says why (shown to the instructor)."""


def _member_path(info):
    # Zips made on Windows may use backslashes; treat them as separators so "..\\x" is caught too.
    name = info.filename.replace("\\", "/")
    path = PurePosixPath(name)
    if name.startswith("/") or (len(name) > 1 and name[1] == ":") or ".." in path.parts:
        raise ZipRejected(f"unsafe path in the zip: {info.filename!r} (outside the folder it unpacks to)")
    if "\x00" in name:
        raise ZipRejected(f"unsafe name in the zip: {info.filename!r}")
    return path


def _is_symlink(info):
    return stat.S_ISLNK(info.external_attr >> 16)


def extract(zip_path, target):
    """Unpack ``zip_path`` into the new folder ``target``; return ``target``.

    Raises ZipRejected for a zip that is too big, not a zip, encrypted, or
    holds a path outside ``target`` or a symbolic link: the whole zip is
    refused, since a student's zip with such a member is not a submission.
    """
    zip_path, target = Path(zip_path), Path(target)
    if zip_path.stat().st_size > MAX_ZIP_BYTES:
        raise ZipRejected(f"the zip is over {MAX_ZIP_BYTES // 2**20} MiB")
    try:
        archive = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ZipRejected(f"not a valid zip ({exc})") from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise ZipRejected(f"the zip has {len(members)} members (more than {MAX_MEMBERS})")
        plan = []
        for info in members:  # every member is checked before anything is written
            path = _member_path(info)
            if _is_symlink(info):
                raise ZipRejected(f"the zip holds a symbolic link: {info.filename!r}")
            if info.flag_bits & 0x1:
                raise ZipRejected(f"the zip is encrypted ({info.filename!r})")
            if not path.parts or JUNK & set(path.parts):
                continue
            plan.append((info, path))
        target.mkdir(parents=True)
        budget = MAX_UNPACKED_BYTES
        try:
            for info, path in plan:
                destination = target.joinpath(*path.parts)
                if info.is_dir():
                    destination.mkdir(parents=True, exist_ok=True)
                    continue
                destination.parent.mkdir(parents=True, exist_ok=True)
                budget = _copy_member(archive, info, destination, budget)
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as exc:
            shutil.rmtree(target, ignore_errors=True)
            raise ZipRejected(f"cannot unpack {info.filename!r} ({exc})") from None
        except ZipRejected:
            shutil.rmtree(target, ignore_errors=True)
            raise
    return target


def _copy_member(archive, info, destination, budget):
    # Count what is really written: the sizes in the headers are the zip's own claim.
    with archive.open(info) as source, open(destination, "xb") as sink:
        while True:
            chunk = source.read(64 * 1024)
            if not chunk:
                return budget
            budget -= len(chunk)
            if budget < 0:
                raise ZipRejected(f"the zip unpacks to more than {MAX_UNPACKED_BYTES // 2**20} MiB")
            sink.write(chunk)
