"""Hostile: writes a marker file at an absolute path outside its folder (in the test's folder)."""
import chatcore
from probe import PATHS, attempt


def write():
    with open(PATHS["marker"], "w") as f:
        f.write("written from inside the pod\n")
    return "WROTE"


attempt("marker", write)
chatcore.run()
