"""Search over the catalog. The database-backed implementation stands until the
search issue brings the SearchIndex with embedded and cluster backends."""
