"""Driving programs: streams with a mark, the one wait primitive, sockets, keyboards and screens, pacing."""
