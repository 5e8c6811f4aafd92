"""Russian and English: a complete catalog, kept placeholders, and reports wholly in the chosen language."""

import gettext
import importlib.util
import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser

import pytest

from conftest import REFERENCE, ROOT
from grader import i18n
from grader.i18n import _, set_language

babel = pytest.importorskip("babel", reason="Babel (the test extra) extracts the messages")

# Words of the report's own chrome: none may remain in a Russian report.  (Student text,
# such as the robots' "hello everyone", is English test data and is left out of the checks.)
ENGLISH_CHROME = re.compile(r"\b(passed|failed|skipped|Score|Check|Status|Points|Reason|Hint|Expected|Received|"
                            r"Transcript|Sequence|waited|Isolation|Report|server|client|grader|connects|"
                            r"never arrived|delivered|sent)\b")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")


@pytest.fixture(autouse=True)
def english_afterwards():
    yield
    set_language("en")


def load_tool():
    spec = importlib.util.spec_from_file_location("extract_messages", ROOT / "tools" / "extract_messages.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def tool():
    return load_tool()


@pytest.fixture(scope="module")
def template(tool):
    return tool.extract()


def compiled(tool, language="ru", which="grader"):
    with tool.mo_path(language, which).open("rb") as f:
        return gettext.GNUTranslations(f)


# ------------------------------------------------------------------ catalog
def test_every_message_has_a_russian_translation_and_the_mo_is_fresh(tool):
    names = [entry[0] for entry in tool.catalogs()]
    assert "grader" in names and "labs/chat" in names
    for which in names:
        catalog = tool.read_catalog("ru", which, seed=False)
        problems = tool.problems(catalog, tool.extract(which), compiled(tool, which=which))
        assert not problems, f"{which}: run `python tools/extract_messages.py`, translate, run again:\n" + "\n".join(
            problems)


def test_the_core_catalog_has_no_lab_messages_and_each_lab_its_own(tool):
    core = {m.id for m in tool.extract("grader") if m.id}
    chat = {m.id for m in tool.extract("labs/chat") if m.id}
    assert "A message reaches every other member" in chat and not core & chat
    assert "Report: {path}" in core


def test_extraction_finds_code_templates_and_check_titles(template):
    ids = {message.id for message in template if message.id}
    assert "After {action}, {name} waited {s:.1f} s for {what} but {got}." in ids  # grader/*.py
    assert "Sequence diagram" in ids  # the Jinja template
    assert "A message reaches every other member" in ids  # a check title (docstring)
    assert "Cyrillic travels both ways" in ids  # ...from every scenario file
    assert len(ids) > 200


def test_the_check_finds_what_is_missing(tool, template):
    """The completeness check itself: it must catch each kind of gap."""
    from babel.messages.catalog import Catalog

    catalog = tool.read_catalog("ru")
    bigger = Catalog()
    for message in template:
        bigger.add(message.id)
    bigger.add("A brand new message {name}")
    assert any("not in the catalog" in p and "brand new" in p for p in tool.problems(catalog, bigger))

    entry = catalog.get("Report: {path}")
    entry.flags.add("fuzzy")
    entry.string = "Отчёт: {file}"
    found = tool.problems(catalog, template)
    assert any(p.startswith("fuzzy") for p in found)
    assert any(p.startswith("placeholders differ") for p in found)
    entry.string = ""
    assert any(p.startswith("untranslated") for p in tool.problems(catalog, template))


def test_a_stale_mo_is_caught(tool, template):
    catalog = tool.read_catalog("ru")
    catalog.get("Check").string = "Проверочка"
    assert any("stale" in p for p in tool.problems(catalog, template, compiled(tool)))


def test_placeholders_compare_as_format_fields(tool):
    assert tool.placeholders("{name} sent {text!r} in {s:.1f} s") == ["{name}", "{s:.1f}", "{text!r}"]
    assert tool.placeholders("no fields") == []
    with pytest.raises(ValueError):
        tool.placeholders("{unclosed")


def test_every_translation_formats_with_the_english_arguments(tool):
    """Each Russian string takes exactly the arguments its English original is formatted with."""
    catalog = tool.read_all("ru")
    for message in catalog:
        if not message.id or "{" not in message.id:
            continue
        fields = {re.split(r"[!:.\[]", f[1:-1])[0] for f in tool.placeholders(message.id)}
        values = {field: 1.5 for field in fields}
        message.string.format(**values)  # a KeyError or a format error fails the test


# ---------------------------------------------------------------- language
def test_language_choice_and_fallback():
    set_language("ru")
    assert i18n.language() == "ru" and _("passed") == "пройдена"
    assert _("a sentence nobody translated") == "a sentence nobody translated"
    set_language("fr")
    assert i18n.language() == "en" and _("passed") == "passed"


class _Visible(HTMLParser):
    """The text a reader sees, minus the student's own text (transcripts, program output, code)."""

    SKIP = {"style", "pre", "code", "title"}

    def __init__(self):
        super().__init__()
        self.parts, self.skipping = [], []

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        student = tag in self.SKIP or {"transcript", "text"} & set(classes) or (
            tag == "g" and {"arrow", "note"} & set(classes) and not {"connect", "end"} & set(classes))
        inside = bool(self.skipping) and self.skipping[-1]
        if tag not in ("meta", "link", "br", "img", "input"):  # void elements have no end tag
            self.skipping.append(bool(student) or inside)

    def handle_endtag(self, tag):
        if self.skipping:
            self.skipping.pop()

    def handle_data(self, data):
        if not (self.skipping and self.skipping[-1]):
            self.parts.append(data)


def visible_text(page):
    parser = _Visible()
    parser.feed(page)
    return " ".join(parser.parts)


def without_student_text(text):
    """Terminal or Markdown output without the robots' test data and the student's output."""
    text = re.sub(r"'[^'\n]*'", "''", text)  # quoted chat lines: 'hello everyone'
    text = re.sub(r"`+[^`\n]*`+", "", text)  # code spans: check ids, file names
    text = re.sub(r"```text\n.*?\n```", "", text, flags=re.S)  # fenced program output
    return re.sub(r"\b(server|client|static)\.\w+", "", text)  # check ids


@pytest.mark.slow
def test_russian_run_is_wholly_russian(graded_no_broadcast):
    graded = graded_no_broadcast("ru")
    terminal = without_student_text(graded.stdout)
    assert not ENGLISH_CHROME.findall(terminal), terminal
    assert "Баллы: 7/31" in graded.stdout and "не пройдена" in graded.stdout
    page = (graded.report_dir / "report.html").read_text(encoding="utf-8")
    assert '<html lang="ru">' in page
    seen = without_student_text(visible_text(page))
    assert not ENGLISH_CHROME.findall(seen), ENGLISH_CHROME.findall(seen)
    assert "Диаграмма последовательности" in seen and "так и не дошло до Bob" in page
    markdown = without_student_text((graded.report_dir / "report.md").read_text(encoding="utf-8"))
    assert not ENGLISH_CHROME.findall(markdown), ENGLISH_CHROME.findall(markdown)
    broadcast = next(c for c in graded.full("ru")["checks"] if c["id"] == "server.broadcast")
    assert broadcast["title"] == "Сообщение доходит до всех остальных участников"
    assert CYRILLIC.search(broadcast["hint"]) and CYRILLIC.search(broadcast["message"])


@pytest.mark.slow
def test_english_run_has_no_cyrillic_outside_student_text(graded_no_broadcast):
    graded = graded_no_broadcast("en")
    assert not CYRILLIC.search(graded.stdout), graded.stdout
    page = (graded.report_dir / "report.html").read_text(encoding="utf-8")
    assert not CYRILLIC.search(visible_text(page))
    assert not CYRILLIC.search((graded.report_dir / "report.md").read_text(encoding="utf-8"))
    for name in ("junit.xml", "junit-github.xml", "gradescope.json", "summary.json"):
        assert not CYRILLIC.search((graded.report_dir / name).read_text(encoding="utf-8")), name


@pytest.mark.slow
def test_machine_formats_follow_the_language(graded_no_broadcast):
    graded = graded_no_broadcast("ru")
    gradescope = json.loads((graded.report_dir / "gradescope.json").read_text(encoding="utf-8"))
    assert gradescope["output"].startswith("Баллы: 7/31")
    assert "Подсказка:" in (graded.report_dir / "junit.xml").read_text(encoding="utf-8")


def test_lab_module_strings_are_translated_at_collection(tmp_path):
    """The scenarios' module-level _() (hints in @check) are Text, rendered in the session's language and catalog."""
    dump = tmp_path / "hints.json"
    (tmp_path / "dump_hints.py").write_text(
        "import json\n"
        "def pytest_collection_finish(session):\n"
        "    marks = [i.get_closest_marker('check') for i in session.items if i.get_closest_marker('check')]\n"
        "    hints = {m.kwargs['id']: None if m.kwargs['hint'] is None else str(m.kwargs['hint']) for m in marks}\n"
        f"    open({str(dump)!r}, 'w', encoding='utf-8').write(json.dumps(hints, ensure_ascii=False))\n",
        encoding="utf-8")
    lab = ROOT / "labs" / "chat"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", str(lab), "--rootdir", str(lab), "-c", str(lab / "pytest.ini"),
         "--disable-plugin-autoload", "-p", "pytest_timeout", "-p", "grader.engine.plugin", "-p", "dump_hints",
         "--collect-only", "-q", "--submission", str(REFERENCE),
         "--grader-lang", "ru"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(tmp_path)}, stdin=subprocess.DEVNULL)
    assert dump.exists(), done.stdout + done.stderr
    hints = json.loads(dump.read_text(encoding="utf-8"))
    assert hints["server.broadcast"].startswith("Храните список")  # a module-level constant
    assert all(CYRILLIC.search(hint) for hint in hints.values() if hint), hints
