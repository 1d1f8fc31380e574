"""The logic layer: every operation is an action (see registry.py)."""
