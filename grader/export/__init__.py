"""Bundles that take the kit to a grading platform: Gradescope's autograder zip, Classroom 50's autograder.py."""
