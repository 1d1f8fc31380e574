"""Shuyuan (数源): an open-government-data portal with a CKAN-compatible API."""

__version__ = "0.1.0"
