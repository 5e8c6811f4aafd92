"""`grader check` works from a plain (non-editable) install: the lab, the
reference and the templates ship inside the package.

The wheel goes into a fresh virtual environment, and its dependencies come
from wherever this environment's pip takes them (its configured index and
find-links, constraints, certificates): the same pip runs, pointed at the new
interpreter with ``--python``.  Without a reachable index the tests skip and
say so; any other install failure fails them.
"""

import shutil
import subprocess
import sys
import venv
import zipfile

import pytest

from conftest import REFERENCE, ROOT

pytestmark = pytest.mark.slow  # a wheel build and an install

PIP_TIMEOUT_S = 600
# Not copied into the build folder: caches, earlier builds, reports, the VCS.
NOT_SOURCE = shutil.ignore_patterns(".git", "__pycache__", "*.egg-info", "build", "dist", "reports", ".pytest_cache",
                                    ".ruff_cache", ".venv")


def _index_reachable(scratch):
    """Can pip, as configured here, fetch the one package every build needs?"""
    try:
        done = subprocess.run([sys.executable, "-m", "pip", "download", "--disable-pip-version-check", "-q",
                               "--no-deps", "-d", str(scratch), "setuptools>=64"], capture_output=True, text=True,
                              timeout=PIP_TIMEOUT_S, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return False
    return done.returncode == 0


def _pip(*args, python=None, scratch):
    """Run pip (this environment's, or ``python``'s); skip the test when the index cannot be reached.

    A failure is only blamed on the network when pip, configured the same way,
    cannot fetch setuptools either; otherwise it fails the test.
    """
    command = [python or sys.executable, "-m", "pip", "--disable-pip-version-check", *map(str, args)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=PIP_TIMEOUT_S,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        done = None
    if done is not None and done.returncode == 0:
        return done
    if not _index_reachable(scratch):
        pytest.skip(f"offline: pip cannot reach its package index (pip {args[0]} needs it; see `pip config list`)")
    if done is None:
        pytest.fail(f"pip {args[0]} did not finish in {PIP_TIMEOUT_S} s although the index answers")
    pytest.fail(f"pip {' '.join(map(str, args))} failed:\n{(done.stdout + done.stderr)[-4000:]}")


def _pip_has_python_option():
    # `pip --python` (pip >= 22.3) installs into another interpreter with this pip and its configuration.
    import pip

    major, minor = (int(part) for part in pip.__version__.split(".")[:2])
    return (major, minor) >= (22, 3)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """The kit's wheel, built from a copy of the source tree (builds never race in the checkout)."""
    base = tmp_path_factory.mktemp("wheel")
    source = base / "source"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
    _pip("wheel", "--no-deps", "-q", "-w", base / "wheels", source, scratch=base / "probe")
    return next((base / "wheels").glob("*.whl"))


def test_wheel_install_grades_the_reference(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    # No system site-packages: the dependencies must come with the install, as for a newcomer.
    venv.EnvBuilder(system_site_packages=False, with_pip=not _pip_has_python_option()).create(env_dir)
    python = env_dir / "bin" / "python"
    if _pip_has_python_option():
        _pip("--python", python, "install", "-q", wheel, scratch=tmp_path / "probe")
    else:
        # An older pip: the new environment's own pip reads the same user and global configuration.
        _pip("install", "-q", wheel, python=python, scratch=tmp_path / "probe")
    solution = tmp_path / "solution"
    shutil.copytree(REFERENCE, solution, ignore=shutil.ignore_patterns("__init__.py", "__pycache__"))
    # Run from an empty folder, so nothing can come from the source tree.
    work = tmp_path / "elsewhere"
    work.mkdir()
    done = subprocess.run([python, "-m", "grader", "check", solution, "--plain"], cwd=work, capture_output=True,
                          text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stdout + done.stderr
    located = subprocess.run([python, "-c", "import grader, grader.model.lab as l; print(grader.__file__); "
                              "print(l.builtin_lab_path())"], cwd=work, capture_output=True, text=True, check=True)
    assert str(ROOT) not in located.stdout, located.stdout
    assert str(env_dir) in located.stdout, located.stdout
    assert (work / "reports" / "solution" / "report.html").is_file()


def test_wheel_ships_the_translations_and_templates(wheel):
    """--lang ru from a plain install needs the compiled catalog inside the package."""
    names = zipfile.ZipFile(wheel).namelist()
    assert "grader/locale/ru/LC_MESSAGES/grader.mo" in names
    assert "grader/report/templates/report.html.j2" in names
