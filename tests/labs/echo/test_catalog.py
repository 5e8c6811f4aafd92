"""The echo lab's own Russian catalog (labs/echo/locale/ru/LC_MESSAGES/lab.po): complete, placeholders kept, compiled.

The lab's messages are the ``_()`` calls in labs/echo/*.py and the first
docstring line of each ``@check`` (its title).  No grading here: fast.
"""

import ast
import gettext
import string
import tomllib
from pathlib import Path

import pytest

from grader.i18n import lazy as _

babel = pytest.importorskip("babel", reason="Babel (the test extra) extracts the messages")
from babel.messages.extract import extract_from_file  # noqa: E402
from babel.messages.pofile import read_po  # noqa: E402

LAB = Path(__file__).resolve().parents[3] / "labs" / "echo"
PO = LAB / "locale" / "ru" / "LC_MESSAGES" / "lab.po"
MO = PO.with_suffix(".mo")


def lab_messages():
    found = set()
    for path in sorted(LAB.glob("*.py")):
        found |= {message for _line, message, _comments, _context in
                  extract_from_file("python", str(path), keywords={"_": None})}
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and any(
                    isinstance(d, ast.Call) and getattr(d.func, "id", "") == "check" for d in node.decorator_list):
                found.add(ast.get_docstring(node).splitlines()[0])
    found.add(tomllib.loads((LAB / "lab.toml").read_text(encoding="utf-8"))["lab"]["title"])  # the report's title
    return found


def fields(template):
    return sorted(name for _text, name, _spec, _conv in string.Formatter().parse(template) if name is not None)


def test_every_message_of_the_lab_is_translated_with_its_placeholders():
    catalog = {m.id: m.string for m in read_po(PO.open("rb")) if m.id}
    messages = lab_messages()
    assert len(messages) > 20  # the extraction itself works
    missing = sorted(m for m in messages if not catalog.get(m))
    assert not missing, f"translate in {PO}: {missing}"
    broken = sorted(m for m in messages if fields(m) != fields(catalog[m]))
    assert not broken, f"placeholders differ: {broken}"
    stale = sorted(set(catalog) - messages)
    assert not stale, f"no longer used, remove from {PO}: {stale}"


def test_the_mo_is_compiled_from_the_po():
    compiled = gettext.GNUTranslations(MO.open("rb"))
    differs = [m.id for m in read_po(PO.open("rb")) if m.id and compiled.gettext(m.id) != m.string]
    assert not differs, "run `pybabel compile -D lab -d labs/echo/locale -l ru`: " + repr(differs[:3])


def test_a_failure_renders_in_russian_through_the_lab_catalog():
    """What the core will do once it loads lab catalogs: a stored Text, rendered through lab.mo."""
    compiled = gettext.GNUTranslations(MO.open("rb"))
    text = _("After {action}, {name} waited {s:.1f} s for the echo, but nothing came back.").format(
        action=_("{name} sent {line!r}").format(name="Alice", line="hi"), name="Alice", s=2.0)
    assert text.english() == "After Alice sent 'hi', Alice waited 2.0 s for the echo, but nothing came back."
    assert text.render(compiled.gettext) == ("После того как клиент Alice отправил 'hi', клиент Alice 2.0 с ждал "
                                             "эха, но ничего не вернулось.")
