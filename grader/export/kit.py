"""The installed kit as a wheel, so a platform installs it from the bundle (no index needed for the kit).

Built from the package files this very grader runs from (an editable
checkout or an installed wheel alike), with the metadata pip reads: the
dependencies, the ``grader`` command and the pytest plugin.
"""

import base64
import hashlib
import importlib.metadata
import importlib.util
import zipfile
from pathlib import Path


def _distribution():
    # The distribution that installed this package (its name is the project's, not the grader's business).
    return (importlib.metadata.packages_distributions().get("grader") or ["grader"])[0]


DISTRIBUTION = _distribution()
_SKIP_DIRS = {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"}
_SKIP_SUFFIXES = (".pyc", ".pyo")
# Where the package's subpackages live when installed (in a checkout, labs/ and reference/ sit at the top).
_PACKAGES = {"grader": "grader", "grader.labs": "grader/labs", "grader.reference": "grader/reference"}


def wheel_name():
    """The wheel's file name: ``<distribution>-<version>-py3-none-any.whl``."""
    return f"{_normalized()}-{_version()}-py3-none-any.whl"


def _version():
    return importlib.metadata.version(DISTRIBUTION)


def _normalized():
    return DISTRIBUTION.replace("-", "_")


def wheel_glob():
    """A shell / glob pattern that matches the kit's wheel of any version."""
    return f"{_normalized()}-*.whl"


def package_files():
    """(path inside the wheel, file on disk) for every file of the kit, once each."""
    files = {}
    for package, prefix in _PACKAGES.items():
        spec = importlib.util.find_spec(package)
        for root in spec.submodule_search_locations or ():
            root = Path(root)
            for path in sorted(root.rglob("*")):
                relative = path.relative_to(root)
                if path.is_dir() or _SKIP_DIRS & set(relative.parts) or path.suffix in _SKIP_SUFFIXES:
                    continue
                files.setdefault(f"{prefix}/{relative.as_posix()}", path)
    return files


def _metadata():
    meta = importlib.metadata.metadata(DISTRIBUTION)
    lines = ["Metadata-Version: 2.1", f"Name: {DISTRIBUTION}", f"Version: {_version()}",
             f"Summary: {meta.get('Summary', '')}"]
    if meta.get("Requires-Python"):
        lines.append(f"Requires-Python: {meta['Requires-Python']}")
    for requirement in importlib.metadata.requires(DISTRIBUTION) or ():
        if "extra ==" not in requirement:  # the test extra is for the kit's own tests
            lines.append(f"Requires-Dist: {requirement}")
    return "\n".join(lines) + "\n"


def _entry_points():
    text = importlib.metadata.distribution(DISTRIBUTION).read_text("entry_points.txt")
    return text or "[console_scripts]\ngrader = grader.__main__:run\n\n[pytest11]\ngrader = grader.engine.plugin\n"


def _record_line(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def build_wheel(folder):
    """Write the kit's wheel into ``folder``; return its path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / wheel_name()
    info = f"{_normalized()}-{_version()}.dist-info"
    extra = {f"{info}/METADATA": _metadata().encode(),
             f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: grader export\nRoot-Is-Purelib: true\n"
                              b"Tag: py3-none-any\n",
             f"{info}/entry_points.txt": _entry_points().encode()}
    records = []
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as wheel:
        for name, source in package_files().items():
            data = source.read_bytes()
            wheel.writestr(name, data)
            records.append(_record_line(name, data))
        for name, data in extra.items():
            wheel.writestr(name, data)
            records.append(_record_line(name, data))
        records.append(f"{info}/RECORD,,")
        wheel.writestr(f"{info}/RECORD", "\n".join(records) + "\n")
    return path


def lab_files(lab):
    """(relative path, file) of an instructor's lab folder, caches left out."""
    lab = Path(lab)
    return [(path.relative_to(lab).as_posix(), path) for path in sorted(lab.rglob("*"))
            if path.is_file() and not _SKIP_DIRS & set(path.relative_to(lab).parts)
            and path.suffix not in _SKIP_SUFFIXES]
