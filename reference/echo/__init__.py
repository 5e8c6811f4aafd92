"""The echo lab's model answer (a package only so that it ships inside the grader)."""
