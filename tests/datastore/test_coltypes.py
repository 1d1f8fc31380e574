"""The loader's column typer gives exactly the reference's types
(desensitize.tables.types), whatever the batches; its fast canonical checks
never accept a value the reference would not."""

from __future__ import annotations

import random
from itertools import chain

import pytest

from desensitize.tables.types import infer_types
from portal.datastore.coltypes import CANONICAL, ColumnTyper

# Values on and around every rule's edges.
EDGES = [
    "0", "-0", "7", "007", "-007", "12", "-12", "123456789012345", "1234567890123456",
    "-123456789012345", "1.5", "1.50", "-0.5", "0.0", "-0.0", ".5", "5.", "1e5", "+5", " 5",
    "5 ", "1,000", "12345.678901234", "1234567890.12345", "1234567890.123456", "1.2.3", "--1",
    "1-2", "-", "00", "13912345678", "12912345678", "139123456789", "2024-01-05", "2024-1-5",
    "2024/01/05", "2024/1/5", "2024年1月5日", "2024-01-05日", "2023-02-29", "2024-02-29",
    "1900-02-29", "2000-02-29", "2023-04-31", "2023-06-30", "2023-13-01", "2023-00-10",
    "2023-01-00", "2023-01-32", "0999-01-01", "1000-01-01", "9999-12-31", "2024-01-05 08:07:00",
    "2024-01-05T08:07:00", "2024-01-05 8:07", "2024-01-05 24:00:00", "2024-01-05 23:59:59",
    "2024-01-05 23:60:00", "2024-01-05 23:59:60", "2024-01-05 23:59:59.123",
    "2024-01-05 23:59:59.1234567", "2024/1/5 08:07:00", "2024-02-30 10:00:00",
    "2024-01-05  08:07:00", "2024-01-05 08:07:00Z", "１２", "٣", "abc", "", None, "1\n2",
    "2024-01-05\n", "泗城镇", "null",
]
MAKERS = {
    "integer": lambda r: str(r.randrange(-10**6, 10**6)),
    "number": lambda r: f"{r.uniform(-1000, 1000):.{r.randrange(0, 4)}f}",
    "date": lambda r: f"{r.randrange(1000, 9999)}-{r.randrange(1, 13):02d}-{r.randrange(1, 29):02d}",
    "datetime": lambda r: (f"{r.randrange(1900, 2100)}-{r.randrange(1, 13):02d}-"
                           f"{r.randrange(1, 32):02d} {r.randrange(24):02d}:"
                           f"{r.randrange(60):02d}:{r.randrange(60):02d}"),
    "mobile": lambda r: f"1{r.randrange(3, 10)}{r.randrange(10**9):09d}",
    "mixed": lambda r: r.choice(EDGES),
    "empty": lambda r: None,
}


def column(rng: random.Random, n: int) -> list[str | None]:
    make = MAKERS[rng.choice(list(MAKERS))]
    edge_rate = rng.choice([0, 0.0002, 0.02])
    return [rng.choice(EDGES) if rng.random() < edge_rate else make(rng) for _ in range(n)]


def typer_kinds(rows: list[list[str | None]], ncols: int, batch: int) -> list[str]:
    typer = ColumnTyper(ncols)
    for start in range(0, len(rows), batch):
        typer.feed(list(chain.from_iterable(rows[start:start + batch])))
    return typer.kinds


@pytest.mark.parametrize("seed", range(8))
def test_the_typer_agrees_with_the_reference(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(15):
        ncols = 4
        n = rng.choice([1, 5, 300, 5000, 9000])
        rows = [list(r) for r in zip(*(column(rng, n) for _ in range(ncols)), strict=True)]
        batch = rng.choice([1, 7, 1000, 5000])
        assert typer_kinds(rows, ncols, batch) == infer_types(rows, ncols)


@pytest.mark.parametrize("kind", CANONICAL)
def test_canonical_checks_accept_nothing_the_reference_refuses(kind: str) -> None:
    allowed = {"integer": {"integer"}, "number": {"integer", "number"}, "date": {"date"},
               "datetime": {"date", "datetime"}}[kind]
    for value in EDGES:
        if value and CANONICAL[kind]([value]):
            # a non-mobile integer keeps the mobile rule out of the reference's answer
            seed = [["0"]] if kind in ("integer", "number") else []
            assert infer_types([[value], *seed], 1)[0] in allowed, (kind, value)
