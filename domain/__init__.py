"""Loyalty rules as plain Python: no I/O, no web, database or queue imports."""
