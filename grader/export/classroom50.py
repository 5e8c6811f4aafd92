"""Classroom 50's per-assignment ``autograder.py``, with the kit's wheel (and the lab) beside it.

A teacher puts the folder's files into ``<classroom>/autograders/<slug>/`` of
the classroom50 repository; the runner fetches them as the assignment's
bundle (``CLASSROOM50_BUNDLE_DIR``) and runs ``autograder.py`` in the
student's checkout with the submission's identity in the environment.  It
grades the checkout with ``--format classroom50,html``, copies result.json
and release-body.md where the runner reads them, and the HTML report into
``classroom50-release-assets/`` (attached to the student's Release).
"""

import shutil
from pathlib import Path

from grader.export.kit import build_wheel, lab_files, wheel_glob

AUTOGRADER = r'''#!/usr/bin/env python3
"""Lab Kit autograder for Classroom 50 (written by `grader export classroom50`; kit {version}).

Run by Classroom 50's runner in the student's checkout, with CLASSROOM, ASSIGNMENT,
SUBMISSION_TAG, USERNAME, COMMIT_URL, RELEASE_URL, REVIEW_URL... in the environment.
Writes result.json and release-body.md (and classroom50-release-assets/report.html) in
the current folder; exits 0 when grading ran (whatever the score), 1 when it could not run.
"""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

KIT_VERSION = "{version}"
LAB = {lab!r}  # the lab folder inside this bundle, or None: the kit's built-in lab
HERE = Path(os.environ.get("CLASSROOM50_BUNDLE_DIR") or Path(__file__).resolve().parent)


def kit_python():
    """A Python with this kit: this one if it has the same version, else a venv with the bundled wheel."""
    probe = subprocess.run([sys.executable, "-c", "import grader, sys; sys.stdout.write(grader.__version__)"],
                           capture_output=True, text=True, timeout=120)
    if probe.returncode == 0 and probe.stdout.strip() == KIT_VERSION:
        return sys.executable
    venv = Path(os.environ.get("RUNNER_TEMP") or tempfile.gettempdir()) / "grader-kit-venv"
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    wheels = sorted(HERE.glob("{wheel_glob}"))
    if not wheels:
        raise SystemExit(f"autograder: no wheel of the kit ({wheel_glob}) in {{HERE}}")
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", str(wheels[-1])], check=True, timeout=900)
    return str(python)


def main():
    python = kit_python()
    with tempfile.TemporaryDirectory(prefix="grader-kit-") as scratch:
        return grade(python, Path(scratch))


def grade(python, out):
    command = [python, "-m", "grader", "check", ".", "--out", str(out), "--format", "classroom50,html", "--plain"]
    if LAB:
        command += ["--lab", str(HERE / LAB)]
    code = subprocess.run(command, timeout=1800).returncode
    print(f"autograder: grader exit code {{code}}")
    made = out / "classroom50"
    if not (made / "result.json").is_file():
        print(f"autograder: the grader wrote no result.json (exit code {{code}}); see the log above", file=sys.stderr)
        return 1
    Path("result.json").write_bytes((made / "result.json").read_bytes())
    Path("release-body.md").write_bytes((made / "release-body.md").read_bytes())
    if (out / "report.html").is_file():
        assets = Path("classroom50-release-assets")
        assets.mkdir(exist_ok=True)
        (assets / "report.html").write_bytes((out / "report.html").read_bytes())
    return 0


if __name__ == "__main__":
    sys.exit(main())
'''


def export_classroom50(out, lab=None):
    """Write autograder.py, the kit's wheel and the lab (when ``lab`` is given) into the folder ``out``."""
    import grader

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob(wheel_glob()):  # one wheel: the autograder installs the newest it finds
        old.unlink()
    build_wheel(out)
    if lab:
        shutil.rmtree(out / "lab", ignore_errors=True)
        for relative, path in lab_files(lab):
            target = out / "lab" / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    script = out / "autograder.py"
    text = AUTOGRADER.format(version=grader.__version__, lab="lab" if lab else None, wheel_glob=wheel_glob())
    script.write_text(text, encoding="utf-8")
    script.chmod(0o755)
    return script
