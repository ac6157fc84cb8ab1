"""Differential conformance of our compiler against the real Braket SDK (see conftest.py)."""
