"""HTTP APIs: the CKAN Action API (action.py)."""
