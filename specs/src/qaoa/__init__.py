"""QAOA for MaxCut on a small ring graph."""
