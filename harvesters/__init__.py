"""Harvesters: pull catalog entries from department systems (Art. 9-11, 20-21).

Planned shape (the harvesting issue builds it): a base class owns the job,
its status, errors and report (gather -> fetch -> import, a template method);
each source type (CKAN portal, DCAT catalog, catalog spreadsheet, department
SQL database, file drop) writes only "list the remote items" and "turn one
item into a normalised catalog record", with its options declared as data.
Harvesters know nothing of Flask or of portal internals: the portal hands
them records to import through its actions (package_create/package_update).
"""
