"""Every module of the grader imports on its own, in a fresh interpreter: no import cycle, no hidden order."""

import pkgutil
import subprocess
import sys

import pytest

import grader

MODULES = sorted(
    info.name for info in pkgutil.walk_packages(grader.__path__, "grader.")
    if not info.name.startswith(("grader.labs", "grader.reference")) and not info.name.endswith("__main__")
)


def test_the_package_has_modules_to_check():
    assert "grader.engine.runner" in MODULES and "grader.cli" in MODULES


@pytest.mark.parametrize("module", MODULES)
def test_module_imports_alone(module):
    result = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_the_core_does_not_import_pytest_outside_its_glue():
    """The engine is pytest-free but for its glue: the runner and the lab's own API load it lazily."""
    code = ("import sys, grader.cli, grader.engine.runner, grader.engine.session, grader.report.formats; "
            "print('pytest' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "False", result.stderr


def test_preload_imports_the_renderers_of_the_chosen_formats_only():
    code = ("import sys; from grader.report.formats import preload; preload(['html', 'md']); "
            "print([f'grader.report.{m}' in sys.modules for m in ('html', 'markdown', 'junit')])")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "[True, True, False]", result.stderr
