"""Desensitization (Art. 8, 25): Presidio with Chinese recognizers decides what
may move into the open classes.

A stand-alone library with a CLI of its own (`python -m desensitize scan
file.csv`); it never imports portal/. The desensitization issue builds it; the
shared table reader (CSV in UTF-8/GBK/UTF-16, XLSX, JSON) will live here too,
as the lowest package that needs it.
"""
