"""Table generators: a named function turns a seeded context into columns and rows.

Each table gets its own `random.Random` and its own seeding of the shared
Faker instance, both derived from a key string, so any single table can be
regenerated on its own and comes out byte for byte the same.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from faker import Faker

from portal.demo import codes, places
from portal.demo.places import FIXED_DAY, TOWNS, Town

Value = str | int | float | date | None

_BRAND_CHARS = "鑫盛恒泰华宏利顺达源丰瑞兴隆金福康和嘉德润博汇佳信诚鼎昌明辉永安新天元聚众宇远航"


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # text, integer, number, date, datetime
    description: str
    personal: bool = False

    def as_data_item(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "description": self.description,
                "personal": self.personal}


@dataclass(frozen=True)
class Table:
    columns: tuple[Column, ...]
    rows: tuple[tuple[Value, ...], ...]

    @property
    def has_personal(self) -> bool:
        return any(c.personal for c in self.columns)


def col(name: str, kind: str = "text", description: str = "", personal: bool = False) -> Column:
    return Column(name, kind, description or name, personal)


@dataclass
class Gen:
    """What a generator may use: seeded randomness, Faker, the period and the place."""

    rng: random.Random
    fake: Faker
    rows: int
    start: date
    end: date
    town: Town | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    # places
    def a_town(self) -> Town:
        return self.town or self.rng.choice(TOWNS)

    def address(self, town: Town | None = None) -> str:
        return places.town_address(self.rng, town or self.a_town())

    def rural_address(self, town: Town | None = None, village: str | None = None) -> str:
        return places.village_address(self.rng, town or self.a_town(), village)

    def landline(self) -> str:
        return places.landline(self.rng)

    def lnglat(self) -> tuple[float, float]:
        return places.lnglat(self.rng)

    # people
    def person(self) -> tuple[str, bool]:
        """A name and whether the person is female."""
        female = self.rng.random() < 0.5
        given = self.fake.first_name_female() if female else self.fake.first_name_male()
        return self.fake.last_name() + given, female

    def name(self) -> str:
        return self.person()[0]

    def brand(self) -> str:
        """A two-character trade name (字号) such as 鑫盛 or 和泰."""
        if self.rng.random() < 0.3:
            prefix = self.fake.company_prefix()
            if len(prefix) == 2 and not prefix.isascii():
                return prefix
        first, second = self.rng.sample(_BRAND_CHARS, 2)
        return first + second

    def mobile(self) -> str:
        return self.fake.phone_number()

    def birth(self, min_age: int, max_age: int) -> date:
        """A birthday giving an age between min_age and max_age at the period's end."""
        ref = min(self.end, FIXED_DAY)
        if (ref.month, ref.day) == (2, 29):
            ref = ref.replace(day=28)
        oldest = ref.replace(year=ref.year - max_age - 1) + timedelta(days=1)
        youngest = ref.replace(year=ref.year - min_age)
        return oldest + timedelta(days=self.rng.randint(0, (youngest - oldest).days))

    def id_number(self, birth: date, female: bool) -> str:
        return codes.id_number(self.rng, birth, female)

    # organizations
    def uscc(self, kind: str = "91") -> str:
        return codes.uscc(self.rng, kind)

    def company(self, trades: Sequence[str], suffix: str = "有限公司") -> str:
        brand = self.brand()
        place = self.rng.choice(("泗县", "安徽", "宿州", "泗县"))
        return f"{place}{brand}{self.rng.choice(trades)}{suffix}"

    # time and numbers
    def day(self, start: date | None = None, end: date | None = None) -> date:
        start, end = start or self.start, end or self.end
        return start + timedelta(days=self.rng.randint(0, max(0, (end - start).days)))

    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]

    def money(self, low: float, high: float, step: float = 1.0) -> float:
        steps = int((high - low) / step)
        return round(low + self.rng.randint(0, steps) * step, 2)

    def pick(self, options: Sequence[Any], weights: Sequence[float] | None = None) -> Any:
        if weights is None:
            return self.rng.choice(options)
        return self.rng.choices(options, weights=weights)[0]


def add_years(day: date, years: int) -> date:
    """The same day `years` later (28 February for 29 February in a common year)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


Generator = Callable[[Gen], Table]
GENERATORS: dict[str, Generator] = {}


def generator(kind: str) -> Callable[[Generator], Generator]:
    def register(func: Generator) -> Generator:
        if kind in GENERATORS:
            raise ValueError(f"duplicate table generator {kind}")
        GENERATORS[kind] = func
        return func

    return register


def table(columns: Sequence[Column], rows: Sequence[Sequence[Value]]) -> Table:
    return Table(tuple(columns), tuple(tuple(r) for r in rows))


def with_sequence(rows: list[list[Value]]) -> list[list[Value]]:
    """Number the rows (序号) from 1."""
    return [[i, *row] for i, row in enumerate(rows, start=1)]


SEQ = col("序号", "integer", "行序号")
