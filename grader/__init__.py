"""Chat Lab Kit grader: runs a student's chat server and client for real and explains the result."""

__version__ = "0.1.0"
