"""`grader check` works from a plain (non-editable) install: the lab, the
reference and the templates ship inside the package."""

import shutil
import subprocess
import sys
import venv

from conftest import REFERENCE, ROOT


def test_wheel_install_grades_the_reference(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", wheels,
                    ROOT], check=True, capture_output=True, timeout=300)
    wheel = next(wheels.glob("*.whl"))
    env_dir = tmp_path / "venv"
    # System site-packages provide the dependencies: no network needed.
    venv.EnvBuilder(system_site_packages=True, with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "--no-deps", "-q", "--force-reinstall", wheel],
                   check=True, capture_output=True, timeout=300)
    solution = tmp_path / "solution"
    shutil.copytree(REFERENCE, solution, ignore=shutil.ignore_patterns("__init__.py", "__pycache__"))
    # Run from an empty folder, so nothing can come from the source tree.
    work = tmp_path / "elsewhere"
    work.mkdir()
    done = subprocess.run([python, "-m", "grader", "check", solution, "--plain"], cwd=work, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    located = subprocess.run([python, "-c", "import grader, grader.model.lab as l; print(grader.__file__); "
                              "print(l.builtin_lab_path())"], cwd=work, capture_output=True, text=True, check=True)
    assert str(ROOT) not in located.stdout, located.stdout
    assert (work / "reports" / "solution" / "report.html").is_file()


def test_wheel_ships_the_translations_and_templates(tmp_path):
    """--lang ru from a plain install needs the compiled catalog inside the package."""
    import zipfile

    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", tmp_path, ROOT],
                   check=True, capture_output=True, timeout=300)
    names = zipfile.ZipFile(next(tmp_path.glob("*.whl"))).namelist()
    assert "grader/locale/ru/LC_MESSAGES/grader.mo" in names
    assert "grader/report/templates/report.html.j2" in names
