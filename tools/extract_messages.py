"""Keep the Russian catalog of the grader's messages complete, and compile it.

    python tools/extract_messages.py           # re-extract, update the .po, compile the .mo
    python tools/extract_messages.py --check   # change nothing; exit 1 and list what is missing

The messages are English source strings found in three places:

- ``_()`` / ``ngettext()`` calls in ``grader/`` and ``labs/`` (Babel's Python extractor);
- ``_()`` calls in the report templates (Jinja's Babel extractor);
- the check titles: the first docstring line of every ``@check`` scenario in ``labs/``
  (the plugin translates them with ``_(title)`` at grading time).

After an update, new messages are in the .po with an empty translation: write
it, then run this again to compile.  Babel is needed here (the ``test`` extra),
never at run time: the grader reads the compiled .mo with plain gettext.
"""

import argparse
import ast
import io
import re
import string
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "grader" / "locale"
DOMAIN = "grader"
LANGUAGES = ("ru",)
SOURCES = ("grader", "labs")
SKIP_PARTS = {"__pycache__", "shim", "locale"}  # the shim runs inside the student's process: no messages
KEYWORDS = {"_": None, "ngettext": (1, 2)}
HEADER = """\
# Russian messages of the Chat Lab Kit grader (English source strings).
# Updated by tools/extract_messages.py: translate each empty msgstr, keep every {placeholder},
# then run the tool again to compile grader.mo.
#"""


def po_path(language):
    return LOCALE / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(language):
    return LOCALE / language / "LC_MESSAGES" / f"{DOMAIN}.mo"


def _source_files():
    for folder in SOURCES:
        for path in sorted((ROOT / folder).rglob("*")):
            if SKIP_PARTS & set(path.relative_to(ROOT).parts) or not path.is_file():
                continue
            if path.suffix == ".py":
                yield path, "python"
            elif path.suffix == ".j2":
                yield path, "jinja2.ext:babel_extract"


def check_titles(path):
    """(line, title) of every ``@check``-decorated function in the Python file ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for decorator in node.decorator_list:
            func = decorator.func if isinstance(decorator, ast.Call) else decorator
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            docstring = ast.get_docstring(node)
            if name == "check" and docstring and docstring.strip():
                yield node.lineno, docstring.strip().splitlines()[0]


def extract():
    """A template Catalog (no translations) of every message the grader can show."""
    template = Catalog(project="chat-lab-kit", domain=DOMAIN, fuzzy=False)
    for path, method in _source_files():
        relative = path.relative_to(ROOT).as_posix()
        options = {"extensions": "jinja2.ext.i18n"} if method.startswith("jinja2") else {}
        for line, message, comments, _context in extract_from_file(method, str(path), keywords=KEYWORDS,
                                                                   options=options):
            template.add(message, locations=[(relative, line)], auto_comments=comments)
        if method == "python" and relative.startswith("labs/"):
            for line, title in check_titles(path):
                template.add(title, locations=[(relative, line)], auto_comments=["check title (docstring)"])
    return template


def placeholders(text):
    """The set of ``str.format`` fields in ``text`` ('{name!r}', '{s:.1f}'), sorted.

    A set, not a count: a translation may name a person once where English repeats the name.
    """
    fields = []
    for _literal, field, spec, conversion in string.Formatter().parse(text):
        if field is not None:
            fields.append("{" + field + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}")
    return sorted(set(fields))


def problems(catalog, template, compiled=None):
    """What keeps ``catalog`` (a read .po) from covering ``template``; [] when it is complete.

    ``compiled`` is the .mo as a gettext.GNUTranslations: it must hold exactly the .po's translations.
    """
    found = []
    for message in template:
        if not message.id:
            continue
        entry = catalog.get(message.id)
        if entry is None:
            found.append(f"not in the catalog: {message.id!r}")
            continue
        strings = list(entry.string) if isinstance(entry.string, (list, tuple)) else [entry.string]
        ids = list(message.id) if isinstance(message.id, (list, tuple)) else [message.id]
        if not all(strings):
            found.append(f"untranslated: {message.id!r}")
        if entry.fuzzy:
            found.append(f"fuzzy: {message.id!r}")
        for translated in strings:
            try:
                same = placeholders(translated) == placeholders(ids[0])
            except ValueError as exc:  # unbalanced braces
                found.append(f"broken placeholder in the translation of {message.id!r}: {exc}")
                continue
            if translated and not same:
                found.append(f"placeholders differ: {message.id!r} -> {translated!r}")
    if compiled is not None:
        for entry in catalog:
            if entry.id and not isinstance(entry.id, (list, tuple)) and entry.string and not entry.fuzzy:
                if compiled.gettext(entry.id) != entry.string:
                    found.append(f"the .mo is stale (run tools/extract_messages.py): {entry.id!r}")
                    break
        known = {entry.id for entry in catalog if entry.id}
        extra = [key for key in getattr(compiled, "_catalog", {}) if key and isinstance(key, str) and key not in known]
        if extra:
            found.append(f"the .mo is stale (run tools/extract_messages.py): it has {extra[0]!r}")
    return found


def read_catalog(language):
    path = po_path(language)
    if not path.exists():
        return Catalog(locale=language, domain=DOMAIN)
    with path.open("rb") as f:
        return read_po(f, locale=language, domain=DOMAIN)


def update(language, template):
    """Merge ``template`` into the .po of ``language``: new messages untranslated, gone ones dropped."""
    catalog = read_catalog(language)
    if po_path(language).exists():
        template.creation_date = catalog.creation_date  # no churn in the header when nothing changed
    # No fuzzy matching: a guessed translation of a similar sentence is worse than none.
    catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
    catalog.obsolete.clear()
    catalog.fuzzy = False
    catalog.project, catalog.version = "chat-lab-kit", _version()
    catalog.msgid_bugs_address = "the chat-lab-kit issue tracker"
    catalog.revision_date = catalog.creation_date
    catalog.header_comment = HEADER
    catalog.last_translator = "Chat Lab Kit maintainers"
    catalog.language_team = "Russian"
    path = po_path(language)
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, include_lineno=False, ignore_obsolete=True, sort_output=False)
    path.write_bytes(buffer.getvalue())
    return catalog


def _version():
    text = (ROOT / "grader" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r"__version__\s*=\s*[\"']([^\"']+)", text)
    return match.group(1) if match else "0"


def compile_catalog(language):
    """Write the .mo of ``language`` from its .po (fuzzy entries left out)."""
    catalog = read_catalog(language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    mo_path(language).write_bytes(buffer.getvalue())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; report what is missing")
    args = parser.parse_args(argv)
    import gettext

    template = extract()
    failed = False
    for language in LANGUAGES:
        if not args.check:
            update(language, template)
            compile_catalog(language)
        compiled = None
        if mo_path(language).exists():
            with mo_path(language).open("rb") as f:
                compiled = gettext.GNUTranslations(f)
        found = problems(read_catalog(language), template, compiled)
        for problem in found:
            print(f"{language}: {problem}", file=sys.stderr)
        failed = failed or bool(found)
        print(f"{language}: {len([m for m in template if m.id])} messages, {len(found)} problems")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
