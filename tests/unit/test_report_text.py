"""Numbers in the reader's language, Markdown in messages, literal text versus descriptions, the histogram."""

import re

from grader.i18n import number, set_language
from grader.model.results import CheckResult, Event, GradingResult
from grader.report.diagram import sequence_diagram
from grader.report.explain import expected_is_literal
from grader.report.html import markdown_inline, render_html


def teardown_function():
    set_language("en")


def test_numbers_take_the_decimal_comma_in_russian():
    set_language("ru")
    assert (number(0.5), number(7.0), number(0.1234, 3), number(2.25, 1)) == ("0,5", "7", "0,123", "2,2")
    set_language("en")
    assert (number(0.5), number(7.0), number(0.1234, 3)) == ("0.5", "7", "0.123")
    assert number(None) == ""


def test_event_words_follow_the_language_they_are_asked_in():
    from grader.report.labels import kind_label

    assert kind_label("recv") == "receives"
    set_language("ru")
    assert kind_label("recv") not in ("receives", "recv")  # the Russian word, not the cached English one
    set_language("en")
    assert (kind_label("recv"), kind_label("something new")) == ("receives", "something new")


def test_numbers_are_written_as_babel_writes_them_without_a_minus_on_zero():
    # The kit rounds and writes numbers itself, with the language's symbols from Babel; the result
    # must be Babel's own for every pattern it uses (ties to even, trailing zeros, ints, negatives).
    import random

    from babel.numbers import format_decimal

    from grader.i18n import _number

    chosen = random.Random(13)
    values = [0.0005, 0.0015, 0.0025, 2.5, -2.5, 999.9995, 1 / 3, 0.1 + 0.2, 1e20, 10 ** 6, -7, 12]
    values += [chosen.uniform(-1000, 1000) for _ in range(300)]
    values += [chosen.randint(0, 10 ** 6) / 1000 for _ in range(300)]
    for language in ("en", "ru"):
        for value in values:
            for decimals in (None, 0, 1, 3):
                pattern = "0.###" if decimals is None else "0." + "0" * decimals if decimals else "0"
                babel = format_decimal(value, format=pattern, locale=language, group_separator=False)
                if babel.lstrip("-").strip("0.,"):  # Babel writes "-0" for a negative that rounds to zero
                    assert _number(value, decimals, language) == babel, (value, decimals, language)
    assert (_number(-0.0004, 3, "en"), _number(-0.0004, None, "ru")) == ("0.000", "0")
    assert _number(float("nan"), None, "en") == "NaN"


def test_markdown_in_messages_becomes_markup_and_html_stays_text():
    assert str(markdown_inline("remove *that* client at `x = recv()`")) == (
        "remove <em>that</em> client at <code>x = recv()</code>")
    shown = str(markdown_inline("<script>alert(1)</script> [x](javascript:alert(1)) \\*not\\*"))
    assert "<script" not in shown and "<a " not in shown and "*not*" in shown


def _failed(details, transcript=()):
    return CheckResult("server.x", "X", "failed", 0.0, 1.0, message="m", details=details, transcript=list(transcript))


def test_literal_text_is_what_a_member_sent():
    sent = [Event(0.1, "Alice", "send", "hello everyone\n")]
    assert expected_is_literal(_failed({"expected": "hello everyone"}, sent))
    assert not expected_is_literal(_failed({"expected": "a notice that Bob left"}, sent))
    assert not expected_is_literal(_failed({"expected": "hello everyone", "expected_literal": False}, sent))


def _page(details, transcript=(), lang="en"):
    set_language(lang)
    return render_html(GradingResult("chat", "s", [_failed(details, transcript)]))


def test_no_wait_no_waited_and_descriptions_are_descriptions():
    page = _page({"who": "Alice", "expected": "the server reads Alice's name", "received": ""})
    assert "waited" not in page
    assert '<p class="description">the server reads Alice&#39;s name</p>' in page
    assert '<p class="description">nothing</p>' in page
    page = _page({"who": "Alice", "expected": "hi", "received": "x", "waited_s": 0.5}, lang="ru")
    assert "(ожидание 0,5 с)" in page and '<pre class="literal">x</pre>' in page


def test_the_server_that_never_read_gets_the_cross():
    """The member sent its name and got a prompt; what is missing is the server's read, on the server's lane."""
    set_language("en")
    check = _failed({"who": "Alice", "expected": "the server reads Alice's name", "received": "Your name: "},
                    [Event(0.0, "Alice", "connect"), Event(0.01, "Alice", "send", "Alice\n"),
                     Event(0.6, "Alice", "recv", "Your name: ")])
    svg = sequence_diagram(check)
    miss = re.search(r'<g class="arrow miss">.*?</g>', svg, re.S).group()
    assert "did not happen" in miss and "never arrived at Alice" not in miss
    lanes = dict((name, float(x)) for x, name in re.findall(
        r'<text x="([\d.]+)" y="22" text-anchor="middle" font-weight="bold" fill="#1f2328">([^<]+)</text>', svg))
    cross_x = float(re.search(r'<text x="([\d.]+)"[^>]*font-size="17">✗', miss).group(1))
    assert cross_x == lanes["server"]


def test_labels_have_a_background_the_lifelines_stop_at():
    set_language("en")
    check = _failed({"who": "Bob", "from": "Alice", "expected": "hello everyone", "waited_s": 0.5},
                    [Event(0.0, "Alice", "send", "hello everyone\n"), Event(0.5, "Bob", "miss", "hello everyone")])
    svg = sequence_diagram(check)
    miss = re.search(r'<g class="arrow miss">.*?</g>', svg, re.S).group()
    assert miss.count('class="label-bg"') == 2  # the text and "never arrived at Bob"
    assert miss.index('class="label-bg"') > miss.index("<polyline")  # drawn over the lines, not under


def test_error_boxes_show_the_exception_line():
    set_language("en")
    traceback = ("Exception in thread Thread-1 (handle):\nTraceback (most recent call last):\n"
                 '  File "/tmp/grader-a/run1/server.py", line 3, in handle\n    int(x)\n'
                 "ValueError: invalid literal for int() with base 10: 'x'\n")
    check = _failed({}, [Event(0.0, "Alice", "send", "x\n"), Event(0.1, "server", "stderr", traceback)])
    box = re.search(r'<g class="note err">.*?</g>', sequence_diagram(check), re.S).group()
    assert "ValueError: invalid literal" in box
    assert "Traceback" not in box and "grader-" not in box and "Exception in thread" not in box


def test_a_report_rendered_again_from_result_json_shows_the_same_grading_time():
    # 1.7496 s was shown as "1.7 s", kept in result.json as 1.75 and shown again as "1.8 s"
    # (tests/test_rerender.py failed so, now and then, on whatever the grading took).
    from grader.i18n import number
    from grader.model.results import GradingResult

    graded = GradingResult(lab="chat", submission="s", checks=[], duration_s=1.7496)
    again = GradingResult.from_full_json(graded.to_full_json())
    assert again.duration_s == graded.duration_s
    assert number(again.duration_s, 1) == number(graded.duration_s, 1)
