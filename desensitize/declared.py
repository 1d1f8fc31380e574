"""What the catalog says about a file's columns: its data items (信息项).

    items = [DataItem("姓名", personal=True),
             DataItem("统一社会信用代码", public_by_law=True, legal_basis="企业信息公示暂行条例")]
    apply(path, "unconditional-open", out, items=items)

The gate reads each file in the context of its catalog entry:

- a column declared `personal` is treated even where the scanner finds nothing
  (a marital status, an ethnicity: no recognizer knows them, the department does);
- a column declared `public_by_law` is published as it is, the report naming the
  legal basis: a company's credit code and legal representative (企业信息公示暂行条例),
  an office's phone. The declaration covers what the law makes public about
  organisations and offices, never a natural person's document numbers: resident
  IDs, bank cards, passports, permits and plates found in such a column are still
  treated, and so is a credit code of category 92 (个体工商户), which identifies a
  person;
- a column the scanner classifies as personal data that the items call neither is
  a conflict: treated (fail closed) and reported, so a reviewer can look. A
  reviewer who confirms the declaration (`confirmed=True`, with a reason kept by
  the portal) has the column published as declared.

Columns match items by name, ignoring surrounding whitespace and case.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from desensitize import entities as E

# What a public-by-law declaration may keep: facts about organisations and offices.
PUBLIC_BY_LAW_KEEPS = frozenset({E.PERSON, E.CN_USCC, E.CN_MOBILE, E.CN_LANDLINE,
                                 E.EMAIL_ADDRESS, E.LOCATION, E.IP_ADDRESS})
# 统一社会信用代码: the second character is the organisation type; "92" is 个体工商户.
INDIVIDUAL_BUSINESS_PREFIX = "92"
# The report's name for declared personal cells in which no recognizer found anything.
DECLARED_PERSONAL = "DECLARED_PERSONAL"


@dataclass(frozen=True)
class DataItem:
    name: str
    personal: bool = False
    public_by_law: bool = False
    legal_basis: str = ""
    confirmed: bool = False  # a reviewer confirmed the declaration against the scanner

    def __post_init__(self) -> None:
        if self.personal and self.public_by_law:
            raise ValueError(f"data item {self.name!r}: personal and public_by_law exclude "
                             "each other")
        if self.public_by_law and not self.legal_basis.strip():
            raise ValueError(f"data item {self.name!r}: public_by_law needs a legal_basis")

    @classmethod
    def from_json(cls, item: Mapping[str, Any]) -> DataItem:
        """A catalog data item (`data_items` in the API) as the gate reads it."""
        return cls(name=str(item.get("name") or ""), personal=bool(item.get("personal")),
                   public_by_law=bool(item.get("public_by_law")),
                   legal_basis=str(item.get("legal_basis") or ""),
                   confirmed=bool(item.get("confirmed")))


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


class Declarations:
    """The items of one file, looked up by column name."""

    def __init__(self, items: Iterable[DataItem] = ()) -> None:
        self.items = {_key(i.name): i for i in items if i.name.strip()}

    def __bool__(self) -> bool:
        return bool(self.items)

    def get(self, column: str) -> DataItem | None:
        return self.items.get(_key(column))

    def personal(self, column: str) -> bool:
        item = self.get(column)
        return item is not None and item.personal

    def public_by_law(self, column: str) -> DataItem | None:
        item = self.get(column)
        return item if item is not None and item.public_by_law else None

    def kept_as_declared(self, column: str) -> bool:
        """Findings in this column stay: public by law, or a reviewer confirmed the
        column is not personal."""
        item = self.get(column)
        return item is not None and not item.personal and (item.public_by_law
                                                           or item.confirmed)

    def conflict(self, column: str, profile_entity: str | None) -> bool:
        """The scanner says the column holds personal data; the items say it does not."""
        item = self.get(column)
        return (profile_entity is not None and item is not None and not item.personal
                and not item.public_by_law and not item.confirmed)


def keepable(entity: str, value: str) -> bool:
    """May a public-by-law (or confirmed) column keep this finding as it is?"""
    if entity not in PUBLIC_BY_LAW_KEEPS:
        return False
    return not (entity == E.CN_USCC and value[:2].upper() == INDIVIDUAL_BUSINESS_PREFIX)
