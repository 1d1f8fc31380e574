"""Seeded table generators for the demo county; see `generate`."""

from __future__ import annotations

import random
from datetime import date
from functools import lru_cache
from typing import Any

from faker import Faker

from portal.demo.places import Town
from portal.demo.tables import economy, environment, local, people, services, stats
from portal.demo.tables.base import GENERATORS, Column, Gen, Table

__all__ = ["GENERATORS", "Column", "Table", "generate", "kinds"]

_MODULES = (economy, environment, local, people, services, stats)  # imported to register


@lru_cache(maxsize=1)
def _faker() -> Faker:
    return Faker("zh_CN")


def kinds() -> list[str]:
    return sorted(GENERATORS)


def generate(kind: str, key: str, *, rows: int, start: date, end: date,
             town: Town | None = None, extra: dict[str, Any] | None = None) -> Table:
    """Build the table `kind`; the same key and arguments always give the same table."""
    fake = _faker()
    fake.seed_instance(f"faker:{key}")
    gen = Gen(rng=random.Random(f"rng:{key}"), fake=fake, rows=rows, start=start, end=end,
              town=town, extra=dict(extra or {}))
    return GENERATORS[kind](gen)
