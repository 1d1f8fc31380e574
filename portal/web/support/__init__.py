"""What the pages share: the call to the actions, the error pages, Jinja filters, form
errors, code labels, the language choice, charts and zip streaming. Nothing here
imports a page module."""
