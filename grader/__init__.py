"""Lab Kit grader: runs a student's server and client for real and explains the result.

A lab's scenario files need three names, importable from here:
``from grader import check, CheckFailed, _``.  They are loaded on first use,
so that ``import grader`` (the CLI's start) does not load pytest.
"""

__version__ = "0.2.0"

_API = {"check": ("grader.engine.plugin", "check"), "CheckFailed": ("grader.model.failure", "CheckFailed"),
        "_": ("grader.i18n", "lazy"), "skip": ("grader.engine.plugin", "skip")}


def __getattr__(name):
    if name in _API:
        import importlib

        module, attribute = _API[name]
        return getattr(importlib.import_module(module), attribute)
    raise AttributeError(f"module 'grader' has no attribute {name!r}")
