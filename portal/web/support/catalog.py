"""A catalog entry's elements as the pages show them, from the one element table
(portal/core/catalog_elements.py).

`FACTS` (the template global `catalog_facts`) is the element table of the entry's
public page and of the console's review page, one row per SHOWN element, drawn by
the `catalog_facts` macro in macros.html. The table's labels and hints are English
message ids kept as plain strings there; `extract` hands them to Babel
(themes/default/babel.cfg), so `pybabel extract` and tests/web/test_translations.py
see them as they see the `_()` calls.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from portal.core.catalog_elements import ELEMENTS, FIELDSETS, SHOWN


@dataclass(frozen=True)
class Fact:
    """One row of the element table."""

    key: str
    heading: LazyString
    shown: str  # text, label (a coded value), list, organization, period
    choices: str | None = None  # a labels.MAPS kind, for coded values
    end: str | None = None  # a period's end: the element after it in the table


def _end(key: str) -> str:
    keys = [e.key for e in ELEMENTS]
    return keys[keys.index(key) + 1]


FACTS: tuple[Fact, ...] = tuple(
    Fact(e.key, _l(e.heading), str(e.shown), e.choices,
         _end(e.key) if e.shown == "period" else None)
    for e in SHOWN)


def messages() -> Iterator[str]:
    """Every message id of the element table: fieldsets, labels, hints, page labels."""
    yield from FIELDSETS
    for element in ELEMENTS:
        yield from (m for m in (element.label, element.hint, element.page_label) if m)


def extract(fileobj: IO[bytes], keywords: Any, comment_tags: Any,
            options: Any) -> Iterator[tuple[int, str, str, list[str]]]:
    """A Babel extraction method for catalog_elements.py: its message ids, each at the
    first line that quotes it."""
    lines = fileobj.read().decode("utf-8").splitlines()
    for message in dict.fromkeys(messages()):
        lineno = next((n for n, line in enumerate(lines, 1) if f'"{message}"' in line), 1)
        yield lineno, "_", message, []
