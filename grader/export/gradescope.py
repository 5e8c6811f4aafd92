"""Gradescope's autograder zip: ``setup.sh``, ``run_autograder``, the kit's wheel and the lab (if not built in).

Gradescope unpacks the zip into ``/autograder/source``, runs ``setup.sh`` once
(as root, on its Ubuntu image) and ``run_autograder`` for each submission,
which must leave ``/autograder/results/results.json``.  ``run_autograder``
writes it whatever the grader's exit code: 1 (a check failed) and 2 (nothing
gradable: 0 points and the reason) are the student's results, not failures of
the autograder.  ``AUTOGRADER_ROOT`` (default ``/autograder``) lets the bundle
be tried outside Gradescope; ``AUTOGRADER_NO_APT=1`` skips the apt step there.
"""

import stat
import zipfile
from pathlib import Path

from grader.export.kit import build_wheel, lab_files, wheel_glob

SETUP = r"""#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
if [ -z "${AUTOGRADER_NO_APT:-}" ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    # bubblewrap: a pod per program where the container allows user namespaces (else process groups).
    apt-get install -y -q --no-install-recommends python3 python3-venv python3-pip bubblewrap
fi
# A venv of its own: Ubuntu 24.04's system Python refuses pip installs (PEP 668).
python3 -m venv "$ROOT/venv"
# The kit from the bundle itself; its dependencies (pytest, jinja2, psutil, ...) from the package index.
"$ROOT/venv/bin/python" -m pip install --quiet "$ROOT"/source/@WHEEL@
"$ROOT/venv/bin/grader" --version
"""

RUN = r"""#!/usr/bin/env bash
# Gradescope runs this for every submission. results.json is written whatever happens:
# a check that failed (exit 1) or a submission with nothing to grade (exit 2, 0 points and
# the reason) is the student's result, not a failure of the autograder.
ROOT="${AUTOGRADER_ROOT:-/autograder}"
GRADER="${GRADER:-$ROOT/venv/bin/grader}"
RESULTS="$ROOT/results"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
mkdir -p "$RESULTS"
LAB=()
if [ -d "$ROOT/source/lab" ]; then
    LAB=(--lab "$ROOT/source/lab")
fi
"$GRADER" check "$ROOT/submission" --out "$OUT" --format gradescope,html --plain "${LAB[@]}"
code=$?
echo "grader exit code: $code"
if [ -s "$OUT/gradescope.json" ]; then
    cp "$OUT/gradescope.json" "$RESULTS/results.json"
else
    # The grader could not even start (see the autograder output): never the student's fault.
    cat > "$RESULTS/results.json" <<JSON
{"score": 0.0, "output": "The autograder itself failed (grader exit code $code); this is not your fault: your instructor has the log.", "output_format": "text", "visibility": "visible", "stdout_visibility": "hidden", "tests": []}
JSON
fi
exit 0
"""


def _add(archive, name, data, executable=False):
    info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    mode = 0o755 if executable else 0o644
    info.external_attr = (stat.S_IFREG | mode) << 16
    archive.writestr(info, data)


def export_gradescope(out, lab=None, scratch=None):
    """Write the autograder zip to ``out`` (grading with the lab folder ``lab``, else the built-in one)."""
    import tempfile

    out = Path(out)
    with tempfile.TemporaryDirectory(dir=scratch) as folder:
        wheel = build_wheel(folder)
        partial = out.with_name(out.name + ".partial")
        with zipfile.ZipFile(partial, "w") as archive:
            _add(archive, "setup.sh", SETUP.replace("@WHEEL@", wheel_glob()), executable=True)
            _add(archive, "run_autograder", RUN, executable=True)
            _add(archive, wheel.name, wheel.read_bytes())
            for relative, path in lab_files(lab) if lab else ():
                _add(archive, f"lab/{relative}", path.read_bytes())
        partial.replace(out)
    return out
