"""A sequence diagram of one check's session, drawn as inline SVG from its transcript.

A lane per robot, one for the student's server and, in client checks, one
for the student's client and one for its keyboard and screen.  Every line a
robot sent and every delivery it observed is an arrow, with its time; what a
check waited for and never got is a red dashed arrow from whoever acted, via
the server, to whoever should have received it, ending in ✗.  So a student
sees at a glance that "Bob never got Alice's message".

``sequence_diagram`` is a pure function of a CheckResult (and the active
language).  Every piece of text is cleaned and escaped here: the transcript
holds whatever the student's programs sent.
"""

import re
import textwrap
from dataclasses import dataclass
from html import escape

from grader.i18n import _, number
from grader.report.labels import kind_label, who_label
from grader.report.sanitize import for_terminal, for_xml
from grader.report.tracebacks import clean_text, exception_line, tracebacks_in

SERVER, CLIENT, GRADER = "server", "client", "grader"
TERMINAL = "\x00terminal"  # pseudo-lane: the keyboard and screen of the student's client (never a robot's name)

MAX_ROWS = 80       # a longer session keeps its start and its end (where the failure is)
HEAD_ROWS = 12
MAX_TITLE = 4000    # characters of hover text: a flood must not make the page huge
FONT = 11
CHAR_W = 6.7        # px per character of the 11px monospace font: labels are cut to fit their arrow
LINE_H = 13         # px per line of a label
ROW_H = 20          # px of a row with a one-line label
TIME_W = 64         # px of the time column
TOP = 46            # px above the first row: the lane heads
MAX_LABEL_LINES = 2

COLOURS = {"send": "#0550ae", "recv": "#1f2328", "connect": "#6e7781", "end": "#bc4c00", "miss": "#cf222e",
           "stdin": "#8250df", "stdout": "#1f2328", "err": "#cf222e", "ok": "#1a7f37", "note": "#59636e"}
# An exception's class name: the robot *observed* a reset ("ConnectionResetError");
# its own reset is recorded as a sentence.
_OBSERVED_RESET = re.compile(r"^[A-Za-z_]\w*$")
ACTIONS = ("send", "connect", "close", "reset", "stdin")


@dataclass
class Row:
    """One row of the diagram: an arrow, a missing delivery, a note, or a gap in a long session."""

    kind: str            # arrow | miss | note | gap
    t: float
    start: str = None    # lane where an arrow starts (a note: its lane, None for the whole width)
    end: str = None      # lane where an arrow ends
    text: str = ""       # the label, before it is cut to fit
    title: str = ""      # the full text, shown on hover
    style: str = "recv"
    count: int = 1       # identical consecutive rows drawn once, "×N"
    ok: bool = False     # an expectation was met by this delivery: ✓
    source: str = None   # a missing delivery: who acted (the dashed arrow starts there)
    detail: str = ""     # a missing delivery: the second line of its label
    at_server: bool = False  # a missing step of the server itself (it never read what was sent): ✗ on its lane


def sequence_diagram(check, *, max_rows=MAX_ROWS):
    """The SVG markup (a string) of ``check``'s session, or '' when it had no robots or client."""
    events = [_event(e) for e in check.transcript or []]
    details = check.details or {}
    lanes = _lanes(events, details)
    if not lanes:
        return ""
    rows = _rows(events, details, lanes, check.status)
    rows = _cap(_collapse(rows), max_rows)
    if not rows:
        return ""
    return _Drawing(check, lanes, rows).svg()


# ----------------------------------------------------------------- the rows
def _event(event):
    """(t, who, kind, text) from an Event or the dict of one (hand-built or read back from JSON)."""
    get = event.get if isinstance(event, dict) else lambda key, default=None: getattr(event, key, default)
    try:
        t = float(get("t", 0.0) or 0.0)
    except (TypeError, ValueError):
        t = 0.0
    return t, str(get("who", "") or ""), str(get("kind", "") or ""), str(get("text", "") or "")


def _lanes(events, details):
    robots = []
    names = [who for _t, who, _kind, _text in events] + [details.get("from"), details.get("who")]
    for who in names:
        if isinstance(who, str) and who and who not in (SERVER, CLIENT, GRADER, TERMINAL) and who not in robots:
            robots.append(who)
    has_client = any(who == CLIENT for who in names)
    if not robots and not has_client:
        return []
    half = (len(robots) + 1) // 2  # the server in the middle: arrows stay short
    lanes = robots[:half] + [SERVER] + robots[half:]
    return lanes + [CLIENT, TERMINAL] if has_client else lanes


def _rows(events, details, lanes, status):
    rows = []

    def arrow(t, start, end, text, style, who, kind, raw):
        rows.append(Row("arrow", t, start, end, text, _title(t, who, kind, raw), style))

    def note(t, lane, text, style, who, kind, raw=None):
        rows.append(Row("note", t, lane, None, text, _title(t, who, kind, text if raw is None else raw), style))

    def mark_ok(t, who, kind, text):
        target = TERMINAL if who == CLIENT else who  # the client's expectations are on its screen
        for row in reversed(rows):
            if row.kind == "arrow" and row.end == target and not row.ok:
                row.ok = True
                row.title += "\n✓ " + for_xml(text)
                return
        note(t, who, "✓ " + text, "ok", who, kind)

    for t, who, kind, text in events:
        if kind in ("stdout", "stderr") and not text.strip():
            continue  # a bare line break printed by a program says nothing
        if kind == "miss" and who in lanes:
            rows.append(_miss_row(t, who, text, details, lanes))
        elif who == GRADER or who not in lanes:
            note(t, None, text, "note", who, kind)
        elif who == SERVER and kind in ("stdout", "stderr"):
            # An error output that is a traceback is explained by its last line ("ValueError: ...").
            said = _error_text(text) if kind == "stderr" else text
            shown = (_("prints: {text}") if kind == "stdout" else _("error output: {text}")).format(text=said)
            # The hover text too: the traceback itself is shown once, above the diagram.
            note(t, SERVER, shown, "err" if kind == "stderr" else "note", who, kind, said)
        elif who == SERVER:
            note(t, SERVER, text, "note", who, kind)
        elif who == CLIENT:
            if kind == "stdin":
                arrow(t, TERMINAL, CLIENT, text, "stdin", who, kind, text)
            elif kind == "stderr":
                arrow(t, CLIENT, TERMINAL, _error_text(text), "err", who, kind, _error_text(text))
            elif kind == "stdout":
                arrow(t, CLIENT, TERMINAL, text, "stdout", who, kind, text)
            elif kind == "ok":
                mark_ok(t, who, kind, text)
            else:
                note(t, CLIENT, text, "note", who, kind)
        elif kind == "connect":
            arrow(t, who, SERVER, _("connects"), "connect", who, kind, text)
        elif kind == "send":
            arrow(t, who, SERVER, text, "send", who, kind, text)
        elif kind == "recv":
            arrow(t, SERVER, who, text, "recv", who, kind, text)
        elif kind == "eof":
            arrow(t, SERVER, who, text or _("closes the connection"), "end", who, kind, text)
        elif kind == "close":
            arrow(t, who, SERVER, text or _("closes the connection"), "connect", who, kind, text)
        elif kind == "reset" and _OBSERVED_RESET.match(text):
            arrow(t, SERVER, who, _("connection reset: {error}").format(error=text), "end", who, kind, text)
        elif kind == "reset":
            arrow(t, who, SERVER, text or _("resets the connection"), "end", who, kind, text)
        elif kind == "ok":
            mark_ok(t, who, kind, text)
        else:
            note(t, who, text, "note", who, kind)

    if status == "failed" and not any(row.kind == "miss" for row in rows):
        missing = _missing_from_details(events, details, lanes)
        if missing is not None:
            position = sum(1 for row in rows if row.t <= missing.t)
            rows.insert(position, missing)
    return rows


def _error_text(text):
    """What a diagram box shows of an error output: a traceback's exception line, other text as it is."""
    return exception_line(text) if tracebacks_in(text) else clean_text(text)


def _server_step(details, events):
    """Whether the failed expectation is a step of the server's own (reading what a member sent).

    Said outright (``who`` is the server), or implied: the failure names no
    sender and the member it names was the one who sent last, so what never
    happened is the server's handling of that, not a delivery to the member.
    """
    who = details.get("who")
    if who == SERVER:
        return True
    return "from" not in details and any(actor == who and kind == "send" for _t, actor, kind, _x in events)


def _server_miss_row(t, source, expected, details, lanes):
    """The red ✗ on the server's lane: what ``source`` sent, the server never did ``expected`` with."""
    waited = details.get("waited_s")
    if isinstance(waited, (int, float)):
        detail = _("did not happen (waited {s} s)").format(s=number(waited))
    else:
        detail = _("did not happen")
    source = source if source in lanes and source != SERVER else None
    title = _title(t, SERVER, "miss", expected) + "\n" + for_xml(detail)
    return Row("miss", t, source, SERVER, expected, title, "miss", source=source, detail=detail, at_server=True)


def _miss_row(t, who, expected, details, lanes):
    """The red ✗ arrow: ``expected`` never reached ``who``."""
    source = details.get("from") if details.get("who") == who else None
    source = source if source in lanes and source != who else None
    waited = details.get("waited_s") if details.get("who") == who else None
    shown = who_label(who)
    if isinstance(waited, (int, float)):
        detail = _("never arrived at {who} (waited {s} s)").format(who=shown, s=number(waited))
    else:
        detail = _("never arrived at {who}").format(who=shown)
    title = _title(t, who, "miss", expected) + "\n" + for_xml(detail)
    return Row("miss", t, SERVER, who, expected, title, "miss", source=source, detail=detail)


def _missing_from_details(events, details, lanes):
    """A failure recorded without a 'miss' event (older results): draw it from ``details``.

    It goes where the receiver gave up: the actor's last action plus the time waited.
    """
    who, expected = details.get("who"), details.get("expected")
    if who not in lanes or not expected:
        return None
    if _server_step(details, events):
        sends = [t for t, actor, kind, _text in events if actor == who and kind in ACTIONS]
        start = sends[-1] if sends else (events[-1][0] if events else 0.0)
        waited = details.get("waited_s")
        t = start + (waited if isinstance(waited, (int, float)) else 0.0)
        return _server_miss_row(round(t, 4), who, str(expected), details, lanes)
    source = details.get("from")
    actions = [t for t, actor, kind, _text in events if actor == source and kind in ACTIONS]
    start = actions[-1] if actions else (events[-1][0] if events else 0.0)
    waited = details.get("waited_s")
    t = start + (waited if isinstance(waited, (int, float)) else 0.0)
    return _miss_row(round(t, 4), who, str(expected), details, lanes)


def _title(t, who, kind, text):
    when = _("{t} s").format(t=number(t, 3))
    return f"{when} · {for_xml(who_label(who))} · {kind_label(kind)}\n{for_xml(text)[:MAX_TITLE]}"


def _collapse(rows):
    """Draw repeats once: identical consecutive rows get a count; a program's output pieces are joined."""
    out = []
    for row in rows:
        previous = out[-1] if out else None
        if previous is not None and previous.kind == row.kind == "arrow" and not previous.ok:
            same_lanes = (previous.start, previous.end, previous.style) == (row.start, row.end, row.style)
            if same_lanes and row.style == "stdout" and row.t - previous.t < 0.05:
                # A print() arrives in several pipe reads: one screen update, one arrow.
                previous.text += row.text
                previous.title += for_xml(row.text)[:MAX_TITLE]
                previous.ok = row.ok
                continue
            if same_lanes and previous.text == row.text:
                previous.count += 1
                previous.ok = row.ok
                continue
        if previous is not None and previous.kind == row.kind == "note" and (previous.start, previous.text) == (
                row.start, row.text):
            previous.count += 1
            continue
        out.append(row)
    return out


def _cap(rows, limit):
    """At most ``limit`` rows: the start, the end, and the rows just before each missing delivery."""
    if len(rows) <= limit:
        return rows
    keep = set(range(HEAD_ROWS)) | set(range(len(rows) - (limit - HEAD_ROWS - 1), len(rows)))
    for index, row in enumerate(rows):
        if row.kind == "miss":
            keep |= set(range(max(0, index - 3), index + 1))
    out, skipped = [], 0
    for index, row in enumerate(rows):
        if index in keep:
            if skipped:
                out.append(Row("gap", row.t, text=str(skipped)))
                skipped = 0
            out.append(row)
        else:
            skipped += 1
    return out


# ---------------------------------------------------------------- drawing
def _display(text):
    """A label as one visible line: the line break that ends a line is implied, others show as ⏎."""
    text = str(text).replace("\r\n", "\n")
    if text.endswith("\n"):
        text = text[:-1]
    return for_terminal(text.replace("\n", " ⏎ ").replace("\t", " "))


def _wrap(text, chars, lines=MAX_LABEL_LINES):
    """``text`` in at most ``lines`` lines of ``chars`` characters; cut with … when longer."""
    chars = max(6, int(chars))
    text = _display(text)
    if len(text) <= chars:
        return [text]
    wrapped = textwrap.wrap(text, chars, max_lines=lines, placeholder="…", break_long_words=True,
                            break_on_hyphens=False) or [text[:chars - 1] + "…"]
    return [line if len(line) <= chars else line[:chars - 1] + "…" for line in wrapped]


def _esc(text):
    return escape(for_xml(text), quote=True)


class _Drawing:
    """Lays out the rows top to bottom and writes the SVG elements."""

    def __init__(self, check, lanes, rows):
        self.check = check
        self.lanes = lanes
        self.rows = rows
        self.lane_w = min(170, max(118, 1000 // len(lanes)))
        self.width = TIME_W + self.lane_w * len(lanes) + 8
        self.x = {lane: TIME_W + self.lane_w * (index + 0.5) for index, lane in enumerate(lanes)}
        self.parts = []

    def svg(self):
        y = TOP
        for row in self.rows:
            y = getattr(self, "_" + row.kind)(row, y)
        body, self.parts = self.parts, []
        self._heads(y + 2)
        heads, self.parts = self.parts, []
        height = self._legend(y + 12) + 6
        legend = self.parts
        label = _("Sequence diagram: {title}").format(title=self.check.title or self.check.id)
        return (f'<svg xmlns="http://www.w3.org/2000/svg" class="sequence" viewBox="0 0 {self.width} {height:.0f}" '
                f'width="{self.width}" height="{height:.0f}" role="img" font-size="{FONT}" '
                f'font-family="ui-monospace, SFMono-Regular, Menlo, Consolas, &quot;DejaVu Sans Mono&quot;, monospace" '
                f'style="max-width:100%;height:auto">'
                f'<title>{_esc(label)}</title>'
                + "".join(heads) + "".join(body) + "".join(legend) + "</svg>")

    # lanes: a head with the name and a dashed lifeline down to the legend
    def _heads(self, bottom):
        heading = _("time, s")
        self.parts.append(f'<text x="{TIME_W - 6}" y="{TOP - 18}" text-anchor="end" fill="{COLOURS["note"]}" '
                          f'font-size="10">{_esc(heading)}</text>')
        for lane in self.lanes:
            x = self.x[lane]
            name = self._lane_name(lane)
            shown = _wrap(name, (self.lane_w - 16) / CHAR_W, lines=1)[0]
            box_w = min(self.lane_w - 10, len(shown) * CHAR_W + 16)
            fill = "#ddf4ff" if lane not in (SERVER, TERMINAL) else ("#fff8c5" if lane == SERVER else "#fbefff")
            self.parts.append(
                f'<g class="lane"><title>{_esc(name)}</title>'
                f'<line x1="{x:.1f}" y1="{TOP - 12}" x2="{x:.1f}" y2="{bottom:.1f}" stroke="#afb8c1" '
                f'stroke-dasharray="3 3"/>'
                f'<rect x="{x - box_w / 2:.1f}" y="6" width="{box_w:.1f}" height="24" rx="5" fill="{fill}" '
                f'stroke="#8c959f"/>'
                f'<text x="{x:.1f}" y="22" text-anchor="middle" font-weight="bold" fill="#1f2328">'
                f'{_esc(shown)}</text></g>')

    def _lane_name(self, lane):
        if lane == TERMINAL:
            return _("keyboard and screen")
        if lane == CLIENT:
            return _("your client")
        return who_label(lane)

    def _time(self, t, y):
        self.parts.append(f'<text x="{TIME_W - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{COLOURS["note"]}" '
                          f'font-size="10">{_esc(number(t, 3))}</text>')

    def _label(self, lines, centre, y_last, colour, weight="normal", background=True):
        half = max(len(line) for line in lines) * CHAR_W / 2
        centre = min(max(centre, TIME_W + half + 2), self.width - half - 2)  # never outside the picture
        for index, line in enumerate(lines):
            y = y_last - (len(lines) - 1 - index) * LINE_H
            # A white background under each line: the lifelines and arrows it crosses stop there
            # (a halo alone leaves them showing between the letters).
            width = len(line) * CHAR_W + 6
            if background:
                self.parts.append(f'<rect class="label-bg" x="{centre - width / 2:.1f}" y="{y - FONT + 1:.1f}" '
                                  f'width="{width:.1f}" height="{LINE_H:.0f}" rx="2" fill="#fff" fill-opacity="0.94"/>')
            self.parts.append(f'<text x="{centre:.1f}" y="{y:.1f}" text-anchor="middle" fill="{colour}" '
                              f'font-weight="{weight}">{_esc(line)}</text>')

    def _head(self, x1, x2, y, colour):
        s = 1 if x2 > x1 else -1
        self.parts.append(f'<polygon points="{x2:.1f},{y:.1f} {x2 - 8 * s:.1f},{y - 4:.1f} {x2 - 8 * s:.1f},'
                          f'{y + 4:.1f}" fill="{colour}"/>')

    def _arrow(self, row, y):
        x1, x2 = self.x[row.start], self.x[row.end]
        chars = (abs(x2 - x1) - 14) / CHAR_W
        lines = _wrap(row.text, chars)
        if row.count > 1:
            lines[-1] += f" ×{row.count}"
        height = ROW_H + LINE_H * (len(lines) - 1)
        line_y = y + height - 4
        colour = COLOURS[row.style]
        dash = ' stroke-dasharray="5 3"' if row.style in ("end", "connect") else ""
        self.parts.append(f'<g class="arrow {row.style}"><title>{_esc(row.title)}</title>')
        self._time(row.t, line_y)
        self._label(lines, (x1 + x2) / 2, line_y - 5, colour)
        self.parts.append(f'<line x1="{x1:.1f}" y1="{line_y:.1f}" x2="{x2:.1f}" y2="{line_y:.1f}" '
                          f'stroke="{colour}" stroke-width="1.4"{dash}/>')
        self._head(x1, x2, line_y, colour)
        if row.ok:
            s = 1 if x2 > x1 else -1
            self.parts.append(f'<text x="{x2 + 10 * s:.1f}" y="{line_y + 4:.1f}" text-anchor="middle" '
                              f'fill="{COLOURS["ok"]}" font-weight="bold" font-size="13">✓</text>')
        self.parts.append("</g>")
        return y + height + 6

    def _miss(self, row, y):
        """Red, dashed, ending in ✗: from the actor via the server to the receiver, or to the server itself."""
        via, end = self.x[SERVER], self.x[row.end]
        if row.at_server:
            origin = self.x[row.source] if row.source is not None else via - self.lane_w
            span = max(abs(via - origin), 2 * self.lane_w) - 14
        else:
            span = max(abs(end - via), 2 * self.lane_w) - 14
        lines = _wrap(row.text, span / CHAR_W, lines=1) + _wrap(row.detail, span / CHAR_W, lines=1)
        first_y = y + 6
        line_y = y + ROW_H + LINE_H * (len(lines) - 1) + 11
        colour = COLOURS["miss"]
        points = []
        if row.at_server:
            s = 1 if via > origin else -1
            points += [(origin, line_y), (via - 9 * s, line_y)]
            centre = (origin + via) / 2
        else:
            s = 1 if end > via else -1
            if row.source is not None and row.source != SERVER:
                points.append((self.x[row.source], first_y))
                points.append((via, first_y))
            points += [(via, line_y), (end - 9 * s, line_y)]
            centre = (via + end) / 2
        self.parts.append(f'<g class="arrow miss"><title>{_esc(row.title)}</title>')
        self._time(row.t, line_y)
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
        self.parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2" '
                          f'stroke-dasharray="6 4"/>')
        self._label(lines, centre, line_y - 8, colour, weight="bold")
        self.parts.append(f'<text x="{end:.1f}" y="{line_y + 6:.1f}" text-anchor="middle" fill="{colour}" '
                          f'font-weight="bold" font-size="17">✗</text></g>')
        return line_y + 12

    def _note(self, row, y):
        colour = COLOURS.get(row.style, COLOURS["note"])
        if row.start is None:  # the grader's own remark: across the whole width
            left, right = TIME_W, self.width - 4
        else:
            centre = self.x[row.start]
            left = max(TIME_W, centre - self.lane_w * 0.95)
            right = min(self.width - 4, centre + self.lane_w * 0.95)
        chars = (right - left - 12) / CHAR_W
        # An error box has room for a whole exception line ("ConnectionResetError: [Errno 104] ...").
        lines = _wrap(row.text, chars, lines=MAX_LABEL_LINES + (row.style == "err"))
        if row.count > 1:
            lines[-1] += f" ×{row.count}"
        height = ROW_H + LINE_H * (len(lines) - 1)
        box_w = min(right - left, max(len(line) for line in lines) * CHAR_W + 12)
        centre = (left + right) / 2 if row.start is None else min(max(self.x[row.start], left + box_w / 2),
                                                                  right - box_w / 2)
        fill = {"err": "#ffebe9", "ok": "#dafbe1"}.get(row.style, "#f6f8fa")
        self.parts.append(f'<g class="note {row.style}"><title>{_esc(row.title)}</title>')
        self._time(row.t, y + height - 6)
        self.parts.append(f'<rect x="{centre - box_w / 2:.1f}" y="{y + 1:.1f}" width="{box_w:.1f}" '
                          f'height="{height - 2}" rx="4" fill="{fill}" stroke="#d0d7de"/>')
        self._label(lines, centre, y + height - 6, colour, background=False)  # the box is its background
        self.parts.append("</g>")
        return y + height + 4

    def _gap(self, row, y):
        text = _("… {n} more events not drawn (the transcript has them all) …").format(n=row.text)
        self.parts.append(f'<text x="{(TIME_W + self.width) / 2:.1f}" y="{y + 13:.1f}" text-anchor="middle" '
                          f'fill="{COLOURS["note"]}" font-style="italic">{_esc(text)}</text>')
        return y + ROW_H + 4

    def _legend(self, y):
        """What the marks mean, wrapped to the picture's width."""
        drawn = {row.style for row in self.rows} | {"ok" for row in self.rows if row.ok}
        items = [("line", COLOURS["send"], _("sent")), ("line", COLOURS["recv"], _("delivered"))]
        if "stdin" in drawn:
            items.append(("line", COLOURS["stdin"], _("typed on the keyboard")))
        if "end" in drawn:
            items.append(("dash", COLOURS["end"], _("connection closed or reset")))
        if "ok" in drawn:
            items.append(("ok", COLOURS["ok"], _("as expected")))
        if "miss" in drawn:
            items.append(("miss", COLOURS["miss"], _("expected, never arrived")))
        x, line_y = TIME_W, y + 10
        for shape, colour, text in items:
            width = 34 + len(text) * CHAR_W + 16
            if x + width > self.width and x > TIME_W:
                x, line_y = TIME_W, line_y + 16
            if shape == "ok":
                self.parts.append(f'<text x="{x + 14}" y="{line_y + 5:.1f}" text-anchor="middle" fill="{colour}" '
                                  f'font-weight="bold" font-size="13">✓</text>')
            else:
                dash = ' stroke-dasharray="6 4"' if shape in ("miss", "dash") else ""
                self.parts.append(f'<line x1="{x}" y1="{line_y:.1f}" x2="{x + 24}" y2="{line_y:.1f}" '
                                  f'stroke="{colour}" stroke-width="1.6"{dash}/>')
                if shape == "miss":
                    self.parts.append(f'<text x="{x + 28}" y="{line_y + 5:.1f}" text-anchor="middle" '
                                      f'fill="{colour}" font-weight="bold" font-size="13">✗</text>')
                else:
                    self._head(x, x + 26, line_y, colour)
            self.parts.append(f'<text x="{x + 36}" y="{line_y + 4:.1f}" fill="{COLOURS["note"]}">{_esc(text)}</text>')
            x += width
        return line_y + 8
