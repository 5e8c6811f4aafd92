"""Hostile: lists the grading's output folder and reads the gradebook in it."""
import os

import chatcore
from probe import PATHS, attempt, listing, read

attempt("out", lambda: listing(PATHS["out"]))
attempt("gradebook", lambda: read(os.path.join(PATHS["out"], "gradebook.sqlite")))
chatcore.run()
