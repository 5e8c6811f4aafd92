"""The report pages' Jinja environment keeps compiled templates between processes, and does without where it cannot."""

import tempfile

from grader.report import html
from grader.report.templating import page_environment


def _fresh_page_environment():
    html._environment.cache_clear()  # as in a new process
    return html._environment()


def test_a_compiled_template_is_kept_for_the_next_process(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    try:
        _fresh_page_environment().get_template("report.html.j2")
        cached = list(tmp_path.glob("_jinja2-cache-*/*.cache"))
        assert len(cached) == 1, cached
        # The next `grader check` loads that code instead of compiling the template's source.
        environment = _fresh_page_environment()
        compiled = []
        original = environment.compile
        monkeypatch.setattr(environment, "compile", lambda *a, **k: compiled.append(a) or original(*a, **k))
        environment.get_template("report.html.j2")
        assert compiled == []
    finally:
        html._environment.cache_clear()


def test_without_a_usable_temporary_folder_templates_are_compiled_each_time(tmp_path, monkeypatch):
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")
    monkeypatch.setattr(tempfile, "tempdir", str(not_a_folder))
    environment = page_environment()
    assert environment.bytecode_cache is None
    assert environment.from_string("{{ text }}").render(text="<b>") == "&lt;b&gt;"  # still escapes

