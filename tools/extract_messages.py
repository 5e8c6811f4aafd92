"""Keep the Russian catalogs of the grader's and each lab's messages complete, and compile them.

    python tools/extract_messages.py           # re-extract, update the .po files, compile the .mo files
    python tools/extract_messages.py --check   # change nothing; exit 1 and list what is missing

One catalog for the core (``grader/locale/ru/LC_MESSAGES/grader.po``) and one
per lab (``labs/<lab>/locale/ru/LC_MESSAGES/lab.po``), so that a lab brings its
own words and adding one touches nothing in ``grader/``.  The messages are
English source strings found in three places:

- ``_()`` calls in ``grader/`` and ``labs/<lab>/`` (Babel's Python extractor);
- ``_()`` calls in the report templates (Jinja's Babel extractor);
- the check titles: the first docstring line of every ``@check`` scenario of a lab
  (the plugin translates them with ``_(title)`` at grading time).

A message the core also has stays in the core's catalog only (a lab's is asked
first, then the core's).

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

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "grader" / "locale"
DOMAIN = "grader"
LANGUAGES = ("ru",)
LABS = ROOT / "labs"
SKIP_PARTS = {"__pycache__", "shim", "locale"}  # the shim runs inside the student's process: no messages
KEYWORDS = {"_": None}
HEADER = """\
# Russian messages (English source strings): the grader's core, or one lab.
# Updated by tools/extract_messages.py: translate each empty msgstr, keep every {placeholder},
# then run the tool again to compile grader.mo.
#"""


def catalogs():
    """(name, source folder, locale folder, domain) of the core and of every lab."""
    found = [("grader", ROOT / "grader", LOCALE, DOMAIN)]
    for lab in sorted(p for p in LABS.iterdir() if (p / "lab.toml").is_file()):
        found.append((f"labs/{lab.name}", lab, lab / "locale", "lab"))
    return found


def po_path(language, which="grader"):
    _name, _source, locale, domain = _catalog(which)
    return locale / language / "LC_MESSAGES" / f"{domain}.po"


def mo_path(language, which="grader"):
    _name, _source, locale, domain = _catalog(which)
    return locale / language / "LC_MESSAGES" / f"{domain}.mo"


def _catalog(which):
    for entry in catalogs():
        if entry[0] == which:
            return entry
    raise KeyError(which)


def _source_files(folder=None):
    folders = [folder] if folder is not None else [entry[1] for entry in catalogs()]
    for source in folders:
        for path in sorted(source.rglob("*")):
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


def extract(which=None):
    """A template Catalog (no translations): every message of one catalog (None: of all of them together)."""
    if which is not None and which != "grader":
        core = {m.id for m in extract("grader") if m.id}
        lab = extract_folder(_catalog(which)[1])
        for message in list(lab):
            if message.id and message.id in core:
                lab.delete(message.id)
        return lab
    return extract_folder(_catalog("grader")[1] if which == "grader" else None)


def extract_folder(folder):
    """A template Catalog of the messages in the sources under ``folder`` (None: the core and every lab)."""
    template = Catalog(project="grader", domain=DOMAIN, fuzzy=False)
    for path, method in _source_files(folder):
        relative = path.relative_to(ROOT).as_posix()
        options = {"extensions": "jinja2.ext.i18n"} if method.startswith("jinja2") else {}
        for line, message, comments, _context in extract_from_file(method, str(path), keywords=KEYWORDS,
                                                                   options=options):
            template.add(message, locations=[(relative, line)], auto_comments=comments)
        if path.name == "lab.toml":
            continue
        if method == "python" and relative.startswith("labs/"):
            for line, title in check_titles(path):
                template.add(title, locations=[(relative, line)], auto_comments=["check title (docstring)"])
    if folder is not None and (folder / "lab.toml").is_file():
        title = tomllib.loads((folder / "lab.toml").read_text(encoding="utf-8")).get("lab", {}).get("title")
        if title:
            template.add(title, locations=[((folder / "lab.toml").relative_to(ROOT).as_posix(), 1)],
                         auto_comments=["the lab's title (lab.toml)"])
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


def read_catalog(language, which="grader", seed=True):
    """The .po of ``which`` (the core or "labs/<lab>"); a lab without one yet starts from the core's
    translations (``seed``), so that messages moving into a lab keep theirs."""
    path = po_path(language, which)
    if not path.exists():
        if seed and which != "grader" and po_path(language).exists():
            return read_catalog(language)
        return Catalog(locale=language, domain=DOMAIN)
    with path.open("rb") as f:
        return read_po(f, locale=language, domain=DOMAIN)


def read_all(language):
    """Every catalog's translations together (what a grading of any lab can find)."""
    merged = Catalog(locale=language, domain=DOMAIN)
    for which, *_rest in catalogs():
        for message in read_catalog(language, which, seed=False):
            if message.id and merged.get(message.id) is None:
                merged[message.id] = message
    return merged


def update(language, template, which="grader", seed=None):
    """Merge ``template`` into the .po of ``which``: new messages untranslated, gone ones dropped.

    ``seed``: a catalog whose translations fill in messages this one does not have yet.
    """
    catalog = read_catalog(language, which)
    if seed is not None:
        for message in template:
            known = seed.get(message.id) if message.id else None
            if known is not None and known.string and catalog.get(message.id) is None:
                catalog.add(message.id, known.string)
    if po_path(language, which).exists():
        template.creation_date = catalog.creation_date  # no churn in the header when nothing changed
    # No fuzzy matching: a guessed translation of a similar sentence is worse than none.
    catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
    catalog.obsolete.clear()
    catalog.fuzzy = False
    catalog.project, catalog.version = "grader", _version()
    catalog.msgid_bugs_address = "the project's issue tracker"
    catalog.revision_date = catalog.creation_date
    catalog.header_comment = HEADER
    catalog.last_translator = "the kit's maintainers"
    catalog.language_team = "Russian"
    path = po_path(language, which)
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, include_lineno=False, ignore_obsolete=True, sort_output=False)
    path.write_bytes(buffer.getvalue())
    return catalog


def _version():
    text = (ROOT / "grader" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r"__version__\s*=\s*[\"']([^\"']+)", text)
    return match.group(1) if match else "0"


def compile_catalog(language, which="grader"):
    """Write the .mo of ``which`` in ``language`` from its .po (fuzzy entries left out)."""
    catalog = read_catalog(language, which, seed=False)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    mo_path(language, which).write_bytes(buffer.getvalue())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; report what is missing")
    args = parser.parse_args(argv)
    import gettext

    failed = False
    for language in LANGUAGES:
        # Every translation known anywhere, before any catalog changes: a message
        # that moves between catalogs keeps its translation.
        known = read_all(language)
        # Labs first: a lab's first catalog starts from the core's translations.
        for which, *_rest in reversed(catalogs()):
            template = extract(which)
            if not args.check:
                update(language, template, which, seed=known)
                compile_catalog(language, which)
            compiled = None
            if mo_path(language, which).exists():
                with mo_path(language, which).open("rb") as f:
                    compiled = gettext.GNUTranslations(f)
            found = problems(read_catalog(language, which, seed=False), template, compiled)
            for problem in found:
                print(f"{language} {which}: {problem}", file=sys.stderr)
            failed = failed or bool(found)
            print(f"{language} {which}: {len([m for m in template if m.id])} messages, {len(found)} problems")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
