"""What citizens see without signing in: the home page, the catalog's search and entry
pages, providers and themes, and the files: downloads, an entry's zip, datastore dumps."""
