"""Hostile: lists the parent of its folder, and the batch folder it was handed in with (other students)."""
import os

import chatcore
from probe import PATHS, attempt, listing

attempt("parent", lambda: listing(os.path.dirname(os.getcwd())))
attempt("batch", lambda: listing(PATHS["batch"]))
attempt("neighbour", lambda: listing(os.path.join(PATHS["batch"], "alice")))
chatcore.run()
