"""The class index's histogram: its axis reaches the maximum score."""

from grader.batch.export import ClassView, StudentRow
from grader.report.index import score_histogram


def _row(name, score, top):
    return StudentRow(name, name, "", name, "graded", score, top, "", {}, "", "", "", 0.0)


def test_the_axis_is_labelled_up_to_the_maximum():
    for top in (10, 25, 29, 30, 60):
        view = ClassView("c", (), (_row("a", 0, top), _row("b", top, top)), (), (), (), 0.5)
        labels = [bar["label"] for bar in score_histogram(view)["bars"] if bar["show_label"]]
        assert labels[0].startswith("0") and labels[-1].endswith(f"{top:g}"), (top, labels)
        shown = [bar["cx"] for bar in score_histogram(view)["bars"] if bar["show_label"]]
        assert all(b - a > 20 for a, b in zip(shown, shown[1:])), (top, shown)  # no two labels touch
