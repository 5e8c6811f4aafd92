"""Renderers: pure functions from a GradingResult to text (terminal, HTML, ...)."""
