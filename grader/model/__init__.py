"""Frozen data that crosses every boundary: the lab, the submission, results, failures, transcript events."""
