"""The sequence diagram: lanes, arrows, the missing delivery drawn as a red ✗, safe with any text."""

import re
import xml.etree.ElementTree as ET

import pytest

from grader.i18n import set_language
from grader.model.results import CheckResult, Event
from grader.report import diagram
from grader.report.diagram import sequence_diagram
from hostile import hostile_check

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(autouse=True)
def english():
    set_language("en")
    yield
    set_language("en")


def broadcast(transcript, **details):
    return CheckResult("server.broadcast", "A message reaches every other member", "failed", 0.0, 2.0,
                       message="Bob got nothing", details=details, transcript=transcript)


def parse(svg):
    """The SVG as an XML tree: it must be well-formed, whatever the transcript held."""
    assert svg.startswith("<svg")
    return ET.fromstring(svg)


def texts(root):
    return ["".join(element.itertext()) for element in root.iter(f"{SVG}text")]


def lane_x(root):
    """Lane name -> the x of its lifeline."""
    found = {}
    for group in root.iter(f"{SVG}g"):
        if group.get("class") == "lane":
            found[group.find(f"{SVG}title").text] = float(group.find(f"{SVG}line").get("x1"))
    return found


def groups(root, css_class):
    return [g for g in root.iter(f"{SVG}g") if css_class in (g.get("class") or "").split()]


BROADCAST = [Event(0.01, "Alice", "connect"), Event(0.011, "Alice", "send", "Alice\n"),
             Event(0.02, "Bob", "connect"), Event(0.021, "Bob", "send", "Bob\n"),
             Event(0.03, "Alice", "recv", "* Bob joined\n"), Event(0.031, "Alice", "ok", "notice"),
             Event(0.04, "Alice", "send", "hello everyone\n"), Event(0.05, "server", "stdout", "Alice: hello\n")]


def test_missing_delivery_goes_from_the_sender_via_the_server_to_the_receiver():
    check = broadcast(BROADCAST + [Event(0.55, "Bob", "miss", "hello everyone")],
                      who="Bob", **{"from": "Alice"}, expected="hello everyone", received="", waited_s=0.5)
    root = parse(sequence_diagram(check))
    lanes = lane_x(root)
    assert set(lanes) == {"Alice", "server", "Bob"}
    assert lanes["Alice"] < lanes["server"] < lanes["Bob"]  # the server in the middle
    [miss] = groups(root, "miss")
    assert "hello everyone" in miss.find(f"{SVG}title").text
    line = miss.find(f"{SVG}polyline")
    assert line.get("stroke-dasharray") and line.get("stroke") == diagram.COLOURS["miss"]
    points = [tuple(map(float, p.split(","))) for p in line.get("points").split()]
    assert points[0][0] == lanes["Alice"]
    assert any(x == lanes["server"] for x, _y in points)
    assert abs(points[-1][0] - lanes["Bob"]) < 12  # it stops at Bob's lifeline, where the ✗ is
    labels = texts(miss)
    assert "✗" in labels and "hello everyone" in labels
    assert any("never arrived at Bob" in label and "0.5" in label for label in labels)
    # Every message sent and every delivery is an arrow with its time.
    arrows = groups(root, "arrow")
    assert {"send", "recv", "connect", "miss"} <= {a.get("class").split()[1] for a in arrows}
    assert "0.040" in texts(root) and "0.550" in texts(root)


def test_missing_delivery_is_drawn_from_details_when_the_transcript_has_no_miss_event():
    check = broadcast(BROADCAST, who="Bob", **{"from": "Alice"}, expected="hello everyone", waited_s=0.5)
    root = parse(sequence_diagram(check))
    [miss] = groups(root, "miss")
    assert "hello everyone" in texts(miss)
    # Placed where Bob gave up: Alice's last send plus the time waited.
    assert "0.540" in texts(miss)


def test_a_passed_check_has_no_missing_delivery_and_marks_what_arrived():
    check = CheckResult("server.join_notice", "Join notice", "passed", 1.0, 1.0, transcript=BROADCAST)
    root = parse(sequence_diagram(check))
    assert not groups(root, "miss")
    assert "✓" in texts(root)


def test_checks_without_a_session_have_no_diagram():
    assert sequence_diagram(CheckResult("static.threading", "Threads", "passed", 1.0, 1.0)) == ""
    assert sequence_diagram(CheckResult("server.starts", "Starts", "failed", 0.0, 1.0,
                                        transcript=[Event(0.0, "server", "stderr", "SyntaxError")])) == ""


def test_client_sessions_get_a_lane_for_the_client_and_its_keyboard_and_screen():
    transcript = [Event(0.0, "Alice", "connect"), Event(0.01, "client", "stdout", "Enter your name: "),
                  Event(0.02, "client", "stdin", "Dora\n"), Event(0.03, "Alice", "recv", "* Dora joined\n"),
                  Event(0.04, "Alice", "send", "a message for Dora\n"),
                  Event(0.6, "client", "miss", "a message for Dora")]
    check = CheckResult("client.shows_incoming", "Shows incoming", "failed", 0.0, 2.0,
                        details={"who": "client", "from": "Alice", "expected": "a message for Dora"},
                        transcript=transcript)
    root = parse(sequence_diagram(check))
    lanes = lane_x(root)
    assert list(lanes) == ["Alice", "server", "your client", "keyboard and screen"]
    assert [a.get("class") for a in groups(root, "stdin")] == ["arrow stdin"]
    [miss] = groups(root, "miss")
    points = miss.find(f"{SVG}polyline").get("points").split()
    assert float(points[0].split(",")[0]) == lanes["Alice"]
    assert abs(float(points[-1].split(",")[0]) - lanes["your client"]) < 12


def test_hostile_text_is_escaped_cleaned_and_cut():
    svg = sequence_diagram(hostile_check())
    root = parse(svg)  # well-formed XML: nothing closed our elements early
    assert not [e for e in root.iter() if e.tag.split("}")[-1] in ("script", "img", "b", "foreignObject")]
    assert "\x1b" not in svg and "\x00" not in svg
    svg.encode("utf-8")  # no lone surrogates
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]", svg)
    for label in texts(root):
        assert len(label) < 200, label[:80]  # long lines are cut to fit their arrow...
    titles = [t.text or "" for t in root.iter(f"{SVG}title")]
    assert any("A" * 2000 in title for title in titles)  # ...and stay whole on hover (up to a cap)
    assert all(len(title) < diagram.MAX_TITLE + 200 for title in titles)


def test_long_sessions_collapse_repeats_and_keep_the_end():
    transcript = [Event(0.001, "Alice", "connect"), Event(0.002, "Bob", "connect")]
    transcript += [Event(0.01 + i / 1000, "Bob", "recv", "spam\n") for i in range(300)]
    transcript += [Event(0.4 + i / 1000, name, "send", f"line {i}\n")
                   for i, name in enumerate(["Alice", "Bob"] * 150)]
    transcript.append(Event(2.0, "Bob", "miss", "the last word"))
    check = broadcast(transcript, who="Bob", **{"from": "Alice"}, expected="the last word")
    root = parse(sequence_diagram(check))
    labels = texts(root)
    assert any(label.endswith("×300") for label in labels)  # 300 identical deliveries, one arrow
    assert any("more events not drawn" in label for label in labels)
    assert len(groups(root, "arrow")) <= diagram.MAX_ROWS + 1
    assert groups(root, "miss") and "line 299" in labels  # the end, where the failure is, is kept
    height = float(root.get("viewBox").split()[3])
    assert height < 2500


def test_the_diagram_speaks_the_report_language():
    set_language("ru")
    check = broadcast(BROADCAST + [Event(0.55, "Bob", "miss", "hello everyone")], who="Bob",
                      **{"from": "Alice"}, expected="hello everyone", waited_s=0.5)
    root = parse(sequence_diagram(check))
    assert "сервер" in lane_x(root)
    assert any("так и не дошло" in label for label in texts(root))


@pytest.mark.slow
def test_the_graded_failing_broadcast_draws_bob_missing_alices_message(graded_no_broadcast):
    """The real thing: no_broadcast graded through the CLI; its report shows the ✗ from Alice to Bob."""
    graded = graded_no_broadcast("en")
    full = graded.full()
    check = CheckResult.from_dict(next(c for c in full["checks"] if c["id"] == "server.broadcast"))
    assert any(e.kind == "miss" and e.who == "Bob" for e in check.transcript)
    root = parse(sequence_diagram(check))
    [miss] = groups(root, "miss")
    lanes = lane_x(root)
    points = miss.find(f"{SVG}polyline").get("points").split()
    assert float(points[0].split(",")[0]) == lanes["Alice"]
    assert "hello everyone" in texts(miss)
    html = (graded.report_dir / "report.html").read_text(encoding="utf-8")
    assert html.count('class="sequence"') >= 5  # every check with a session has its diagram
    assert 'class="arrow miss"' in html
