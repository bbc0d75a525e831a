"""Terminals (助农机具) installed at service points."""
