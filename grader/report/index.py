"""The class's index page: a table of students and two charts, one self-contained file.

``render_index`` is a pure function of a ``grader.batch.export.ClassView``.
The charts are inline SVG whose geometry is computed here (plain numbers)
and drawn by the template; every text on the page comes through Jinja's
autoescape, so a student's folder name cannot become markup.  No script,
no external asset: the page works offline and from a file share.

The page is for instructors and is in English (student reports follow
``--lang``).
"""

import math
import statistics
from functools import lru_cache
from urllib.parse import quote

from grader.report.sanitize import for_terminal, one_line
from grader.report.templating import page_environment

MARKS = {"passed": "✔", "failed": "✘", "skipped": "–", "error": "!"}
CHART_WIDTH = 520
BAR_ROW = 20           # px per check in the pass-rate chart
LABEL_WIDTH = 190      # px for the check ids left of their bars


@lru_cache(maxsize=None)
def _environment():
    env = page_environment()
    env.filters["clean"] = lambda text: for_terminal(str(text if text is not None else ""))
    env.filters["short"] = lambda text, limit=160: one_line(text, limit)
    env.filters["points"] = lambda value: "" if value is None else f"{value:g}"
    env.filters["href"] = lambda path: quote(path, safe="/")
    env.filters["signed"] = lambda value: f"+{value:g}" if value > 0 else f"−{-value:g}"
    env.globals.update(MARKS=MARKS, change_of=change_of)
    return env


def change_of(row, check_id):
    """'up', 'down' or '' for a check of ``row`` since its previous grading, and the status it had then."""
    if row.progress is None:
        return "", ""
    for changed, before, after in row.progress.changes:
        if changed == check_id:
            if after == "passed":
                return "up", before
            if before == "passed" or not before:
                return "down", before
            return "other", before
    return "", ""


def progress_stats(view):
    """How many students improved, got worse or stayed as they were since their previous grading."""
    counts = {"better": 0, "worse": 0, "same": 0, "now_graded": 0}
    for row in view.rows:
        if row.progress is None:
            continue
        delta = row.progress.delta(row.score)
        if row.status == "graded" and row.progress.status_before != "graded":
            counts["now_graded"] += 1
        elif delta is None:
            continue
        elif delta > 0:
            counts["better"] += 1
        elif delta < 0:
            counts["worse"] += 1
        else:
            counts["same"] += 1
    return counts if any(counts.values()) else None


def score_histogram(view):
    """Bars of the score distribution of the graded rows: one bar per point (or per 1/10 of the maximum)."""
    graded = [row for row in view.rows if row.status == "graded" and row.max_score]
    top = max((row.max_score for row in graded), default=0.0)
    if not graded or not top:
        return None
    # Up to 30 points: a bar per point (7.5 counts under 7); more: ten equal ranges.
    bins, width = (int(top) + 1, 1.0) if top <= 30 else (10, top / 10)
    counts = [0] * bins
    for row in graded:
        counts[min(bins - 1, int(row.score / width + 1e-9))] += 1
    height, left, bottom, top_margin = 200, 34, 28, 18
    plot_w, plot_h = CHART_WIDTH - left - 8, height - bottom - top_margin
    highest = max(counts)
    step = plot_w / bins
    bars = []
    for index, count in enumerate(counts):
        low = index * width
        label = f"{low:g}" if top <= 30 else f"{low:.0f}–{low + width:.0f}"
        bar_h = plot_h * count / highest if highest else 0
        bars.append({"x": round(left + index * step + 1, 1), "w": round(max(step - 2, 1), 1),
                     "y": round(top_margin + plot_h - bar_h, 1), "h": round(bar_h, 1), "count": count,
                     "label": label, "cx": round(left + (index + 0.5) * step, 1),
                     "show_label": _labelled(index, bins)})
    ticks = sorted({0, round(highest / 2), highest})
    return {"width": CHART_WIDTH, "height": height, "left": left, "bottom": height - bottom, "top": top_margin,
            "right": CHART_WIDTH - 8, "bars": bars, "max": top,
            "ticks": [{"y": round(top_margin + plot_h - plot_h * t / highest, 1), "value": t} for t in ticks]}


def _labelled(index, bins):
    """Whether bar ``index`` of ``bins`` gets its label: every n-th, and always the last (the maximum score)."""
    every = 1 if bins <= 16 else math.ceil(bins / 16)
    if index == bins - 1:
        return True
    # The label before the last one steps aside when the two would touch.
    return index % every == 0 and (bins - 1 - index) >= every


def pass_rates(view):
    """One bar per check: the share of graded submissions that passed it."""
    graded = [row for row in view.rows if row.status == "graded"]
    if not graded or not view.columns:
        return None
    plot_w = CHART_WIDTH - LABEL_WIDTH - 48
    bars = []
    for index, column in enumerate(view.columns):
        passed = sum(1 for row in graded if row.marks.get(column.id) and row.marks[column.id].status == "passed")
        rate = passed / len(graded)
        bars.append({"id": column.id, "title": column.title, "y": 8 + index * BAR_ROW, "w": round(plot_w * rate, 1),
                     "rate": round(100 * rate), "passed": passed, "of": len(graded)})
    return {"width": CHART_WIDTH, "height": 16 + len(bars) * BAR_ROW, "label_x": LABEL_WIDTH - 6,
            "x": LABEL_WIDTH, "plot_w": plot_w, "bars": bars, "bar_h": BAR_ROW - 6}


def class_stats(view):
    """Counts by status and the mean and median score of the graded rows."""
    graded = [row for row in view.rows if row.status == "graded"]
    scores = [row.score for row in graded]
    counts = {status: sum(1 for row in view.rows if row.status == status)
              for status in ("graded", "ungradable", "error", "timeout", "pending")}
    top = max((row.max_score for row in graded if row.max_score), default=0.0)
    return {"counts": counts, "total": len(view.rows), "max": top,
            "mean": statistics.fmean(scores) if scores else None,
            "median": statistics.median(scores) if scores else None,
            "full": sum(1 for row in graded if row.max_score and row.score >= row.max_score)}


def render_index(view):
    """The index page of a class as a string."""
    rows_by_name = {row.name: row for row in view.rows}
    return _environment().get_template("index.html.j2").render(
        view=view, stats=class_stats(view), histogram=score_histogram(view), rates=pass_rates(view),
        rows_by_name=rows_by_name, progress=progress_stats(view))
