"""Licence titles in the page's language.

The API answers CKAN's English titles (portal/core/licenses.py); pages show
them through the translation catalogue, each English title being its msgid,
so the Chinese UI reads 知识共享署名 4.0. The titles are spelled out here for
the extractor; tests/web/test_search_page_licences.py checks that every
licence of the list has one.
"""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

TITLES: dict[str, LazyString] = {
    "Creative Commons Attribution 4.0": _l("Creative Commons Attribution 4.0"),
    "Creative Commons Attribution Share-Alike 4.0":
        _l("Creative Commons Attribution Share-Alike 4.0"),
    "Creative Commons CCZero": _l("Creative Commons CCZero"),
    "Open Data Commons Public Domain Dedication and License (PDDL)":
        _l("Open Data Commons Public Domain Dedication and License (PDDL)"),
    "Open Data Commons Attribution License": _l("Open Data Commons Attribution License"),
    "Open Data Commons Open Database License (ODbL)":
        _l("Open Data Commons Open Database License (ODbL)"),
    "Creative Commons Attribution": _l("Creative Commons Attribution"),
    "Creative Commons Attribution Share-Alike": _l("Creative Commons Attribution Share-Alike"),
    "Creative Commons Non-Commercial (Any)": _l("Creative Commons Non-Commercial (Any)"),
    "政务数据开放使用协议 (Government open data terms of use)":
        _l("政务数据开放使用协议 (Government open data terms of use)"),
    "Other (Open)": _l("Other (Open)"),
    "Other (Not Open)": _l("Other (Not Open)"),
    "License not specified": _l("License not specified"),
}


def shown_title(title: str) -> str:
    """A licence title in the page's language (an unknown title as it is)."""
    found = TITLES.get(title)
    return str(found) if found is not None else title
