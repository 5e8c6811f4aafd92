"""``grader merge OUT DIR...``: the gradebooks of several shards (or batches) as one.

Each shard's latest grading of each of its submissions is copied into
OUT's gradebook with its report folder; when two folders hold the same
submission, the later grading wins.  Then grades.csv, the similar pairs
(from the fingerprints stored with each submission, so no shard's code is
needed) and the index are made for the whole class.
"""

import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from grader.batch.engine import GRADEBOOK
from grader.batch.export import write_outputs
from grader.batch.gradebook import Gradebook
from grader.batch.job import now
from grader.errors import UsageError


@dataclass(frozen=True)
class MergeSummary:
    sources: int
    submissions: int
    replaced: int   # submissions found in more than one folder: the latest grading was kept
    index: Path


def merge(out, folders, title=None, threshold=0.5):
    """Merge the gradebooks in ``folders`` into ``out``; return a MergeSummary."""
    out = Path(out)
    sources = [Path(folder) for folder in folders]
    for folder in sources:
        if not (folder / GRADEBOOK).is_file():
            raise UsageError(f"{folder}: no {GRADEBOOK} here (expected the --out folder of a grader batch)")
        if folder.resolve() == out.resolve():
            raise UsageError(f"{folder}: the output folder cannot also be one of the folders merged")
    out.mkdir(parents=True, exist_ok=True)
    found = Counter()  # submission -> in how many of the folders
    with Gradebook(out / GRADEBOOK) as book:
        batch = book.start_batch("merge", now(), ", ".join(str(folder) for folder in sources))
        for folder in sources:
            with Gradebook(folder / GRADEBOOK) as shard:
                for record in shard.export_latest():
                    found[record.name] += 1
                    current = book.latest_started(record.name)
                    if current is not None and current >= record.started_at:  # merged already, or older
                        continue
                    _copy_reports(folder, out, record.report_dir)
                    book.record(record, batch)
        index = write_outputs(book, out, title=title or out.resolve().name, threshold=threshold)
        book.finish_batch(batch, now(), len(found), 0, len(found), False)
    return MergeSummary(len(sources), len(found), sum(1 for count in found.values() if count > 1), index)


def _copy_reports(source, out, report_dir):
    if not report_dir:
        return
    origin, target = Path(source) / report_dir, Path(out) / report_dir
    if target.exists():
        shutil.rmtree(target)
    if origin.is_dir():
        shutil.copytree(origin, target)
