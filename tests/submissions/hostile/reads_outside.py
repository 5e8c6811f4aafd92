"""Hostile: reads a file outside its own folder, at an absolute path (the test's secret)."""
import chatcore
from probe import PATHS, attempt, read

attempt("secret", lambda: read(PATHS["secret"]))
chatcore.run()
