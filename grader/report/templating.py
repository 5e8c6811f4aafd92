"""The Jinja environment of the report pages: the kit's templates, autoescape on, compiled once per machine.

Jinja compiles a template to Python on first use, about 60 ms for the
report page; every ``grader check`` is a new process, so the compiled code
is kept in Jinja's own cache folder (in the temporary directory, one per
user, owned by that user and checked by Jinja), and a template edited since
is compiled anew (the cache is keyed by its source).  Where no such folder
can be made, templates are compiled each time, as without a cache.
"""

from jinja2 import Environment, FileSystemBytecodeCache, PackageLoader, select_autoescape


def page_environment():
    """A new Environment for the templates in ``grader/report/templates``."""
    return Environment(loader=PackageLoader("grader.report", "templates"),
                       autoescape=select_autoescape(default=True, default_for_string=True),
                       bytecode_cache=_bytecode_cache())


def _bytecode_cache():
    try:
        return FileSystemBytecodeCache()
    except (OSError, RuntimeError):  # no usable temporary directory (Jinja raises RuntimeError for an unsafe one)
        return None
