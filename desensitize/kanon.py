"""k-anonymity on the quasi-identifier columns a policy names by role.

    kanon = KAnonymizer(role_columns(columns, roles), combos, k=5, start={"birth": "year"})
    for row in treated_rows:                 # first pass
        kanon.feed(kanon.base(row))
    result = kanon.plan()                    # levels climbed, groups to suppress
    for row in treated_rows:                 # second pass
        write(kanon.apply(kanon.base(row)))

Columns take a role (gender, birth, age, town...) from words in their header.
Each role may have a ladder of generalisations (birth: exact date, year, 5-year
band, 10-year band); the policy's `generalise` puts a role on a rung for every
row, whatever k says.

Counting: one counter keyed by the values of all quasi-identifier columns
together (the "joint key"), at the starting rungs. Memory grows with the
distinct combinations, not the rows; every combination the policy names, at any
rung, is a projection of that counter, so the file is read once to count.

Reaching k, in the manner of Datafly: while more rows than `max_suppressed`
allows sit in groups smaller than k (in any combination), the role with the
most distinct values climbs one rung. Then the quasi-identifier values of rows
still in small groups become "*" (suppression); as that can shrink another
combination's group below k, it repeats until no group is small. Suppressed rows
are left out of the smallest group reported, as they are out of every group.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any

from desensitize.treatments import age_band, birth_year, county, town, year_band

SUPPRESSED = "*"
MIN_ROLES = 2  # a combination is checked when at least this many of its roles are present

Level = Callable[[str], "str | None"]
Key = tuple[str | None, ...]  # one value per quasi-identifier column


def _exact(value: str) -> str | None:
    return value


LADDERS: dict[str, tuple[tuple[str, Level], ...]] = {
    "birth": (("exact", _exact), ("year", birth_year), ("5y", lambda v: year_band(v, 5)),
              ("10y", lambda v: year_band(v, 10))),
    "age": (("exact", _exact), ("5y", lambda v: age_band(v, 5)),
            ("10y", lambda v: age_band(v, 10)), ("20y", lambda v: age_band(v, 20))),
    "town": (("exact", _exact), ("town", lambda v: town(v) or None),
             ("county", lambda v: county(v) or None)),
}
_NO_LADDER: tuple[tuple[str, Level], ...] = (("exact", _exact),)


def ladder(role: str) -> tuple[tuple[str, Level], ...]:
    return LADDERS.get(role, _NO_LADDER)


def level_names(role: str) -> tuple[str, ...]:
    return tuple(name for name, _ in ladder(role))


@dataclass(frozen=True)
class Role:
    name: str
    headers: tuple[str, ...]
    exclude: tuple[str, ...] = ()

    def matches(self, header: str) -> bool:
        return _has_word(header, self.headers) and not _has_word(header, self.exclude)


_ASCII_WORDS = re.compile(r"[a-z0-9]+")


def _has_word(header: str, words: Iterable[str]) -> bool:
    """CJK words match anywhere in the header, ASCII words as whole words ("age" is not
    in "percentage")."""
    lowered = header.lower()
    tokens: set[str] | None = None
    for word in words:
        word = word.lower()
        if word.isascii():
            if tokens is None:
                tokens = set(_ASCII_WORDS.findall(lowered))
            if word in tokens:
                return True
        elif word in lowered:
            return True
    return False


def role_columns(columns: Sequence[str], roles: Iterable[Role],
                 skip: Iterable[int] = ()) -> dict[str, list[int]]:
    """role -> indices of the columns that take it (one role per column, the first
    that matches; `skip` columns, dropped ones, take none)."""
    skipped = set(skip)
    roles = list(roles)
    found: dict[str, list[int]] = {}
    for index, name in enumerate(columns):
        if index in skipped:
            continue
        for role in roles:
            if role.matches(name):
                found.setdefault(role.name, []).append(index)
                break
    return found


def lift(value: str | None, fn: Level) -> str | None:
    """A value on a rung; a value the rung cannot place (不详) stays as it is."""
    if value is None:
        return None
    return fn(value) or value


@dataclass
class KResult:
    """What the check found and did, for the report."""

    k: int
    quasi_identifiers: dict[str, list[str]]  # role -> column names
    combinations: list[list[str]]
    levels: dict[str, str]  # role -> rung reached
    rows: int = 0
    smallest_before: int | None = None  # at the starting rungs
    smallest_after: int | None = None  # after generalisation and suppression
    rows_suppressed: int = 0
    generalised: list[str] = field(default_factory=list)  # rungs climbed: "birth: 5y"

    @property
    def satisfied(self) -> bool:
        return self.smallest_after is None or self.smallest_after >= self.k

    def to_json(self) -> dict[str, Any]:
        return {"k": self.k, "quasi_identifiers": self.quasi_identifiers,
                "combinations": self.combinations, "levels": self.levels, "rows": self.rows,
                "smallest_group_before": self.smallest_before,
                "smallest_group_after": self.smallest_after,
                "rows_suppressed": self.rows_suppressed, "generalised": self.generalised,
                "k_reached": self.satisfied}


class KAnonymizer:
    """Base generalisation of role columns, group counting, and the plan to reach k."""

    def __init__(self, columns: Mapping[str, Sequence[int]], combinations: Iterable[Sequence[str]],
                 *, k: int, start: Mapping[str, str] | None = None,
                 max_suppressed: float = 0.05, names: Sequence[str] | None = None,
                 min_roles: int = MIN_ROLES) -> None:
        self.k = k
        self.max_suppressed = max_suppressed
        self.columns = {role: list(idx) for role, idx in columns.items() if idx}
        start = start or {}
        self.start = {role: level_names(role).index(start[role]) if role in start else 0
                      for role in self.columns}
        self._base = [(i, ladder(role)[self.start[role]][1]) for role, idx in self.columns.items()
                      if self.start[role] for i in idx]
        present = [tuple(r for r in dict.fromkeys(c) if r in self.columns) for c in combinations]
        # A combination inside another is implied by it (groups only grow as roles go).
        combos: list[tuple[str, ...]] = []
        for combo in sorted((c for c in present if len(c) >= min_roles), key=len, reverse=True):
            if not any(set(combo) <= set(other) for other in combos):
                combos.append(combo)
        self.combinations = combos if k > 0 else []
        self.roles = list(dict.fromkeys(r for combo in self.combinations for r in combo))
        # The joint key: one value per quasi-identifier column, in this order.
        self.key_columns = [(role, i) for role in self.roles for i in self.columns[role]]
        self._positions = {role: [p for p, (r, _) in enumerate(self.key_columns) if r == role]
                           for role in self.roles}
        self.names = list(names) if names is not None else None
        self.counts: Counter[Key] = Counter()
        self.levels = {role: self.start[role] for role in self.roles}
        self._suppressed: set[Key] = set()
        self._lifts: list[Level] | None = None
        self.result: KResult | None = None

    @property
    def enabled(self) -> bool:
        return bool(self.combinations)

    # --- per row ------------------------------------------------------------------

    def base(self, row: list[str | None]) -> list[str | None]:
        """The row with role columns on the policy's starting rungs (in place)."""
        for i, fn in self._base:
            if i < len(row):
                row[i] = lift(row[i], fn)
        return row

    def key(self, row: Sequence[str | None]) -> Key:
        return tuple(row[i] for _, i in self.key_columns)

    def feed(self, row: Sequence[str | None]) -> None:
        """Count a row already on its starting rungs."""
        if self.combinations:
            self.counts[self.key(row)] += 1

    def apply(self, row: list[str | None]) -> list[str | None]:
        """A row on its starting rungs -> the rungs of the plan, suppressed when its
        group is too small (in place)."""
        if not self.combinations:
            return row
        if self._lifts is None:
            raise RuntimeError("plan() before apply()")
        key = self._lift_key(self.key(row), self._lifts)
        suppress = key in self._suppressed
        for (_, i), value in zip(self.key_columns, key, strict=True):
            row[i] = SUPPRESSED if suppress else value
        return row

    # --- the plan -------------------------------------------------------------------

    def _level_fns(self, levels: Mapping[str, int]) -> list[Level]:
        return [ladder(role)[levels[role]][1] if levels[role] > self.start[role] else _exact
                for role, _ in self.key_columns]

    @staticmethod
    def _lift_key(key: Key, fns: Sequence[Level]) -> Key:
        return tuple(lift(v, fn) for v, fn in zip(key, fns, strict=True))

    def _aggregate(self, levels: Mapping[str, int]) -> Counter[Key]:
        fns = self._level_fns(levels)
        if all(fn is _exact for fn in fns):
            return Counter(self.counts)
        out: Counter[Key] = Counter()
        for key, n in self.counts.items():
            out[self._lift_key(key, fns)] += n
        return out

    def _projections(self) -> list[list[int]]:
        return [[p for role in combo for p in self._positions[role]]
                for combo in self.combinations]

    def _groups(self, joint: Mapping[Key, int],
                skip: AbstractSet[Key] = frozenset()) -> list[Counter[Key]]:
        groups = []
        for positions in self._projections():
            counter: Counter[Key] = Counter()
            for key, n in joint.items():
                if key not in skip:
                    counter[tuple(key[p] for p in positions)] += n
            groups.append(counter)
        return groups

    def _small(self, joint: Mapping[Key, int], skip: AbstractSet[Key] = frozenset()) -> set[Key]:
        """Joint keys in a group smaller than k in some combination."""
        groups = self._groups(joint, skip)
        projections = self._projections()
        return {key for key in joint if key not in skip and any(
            g[tuple(key[p] for p in positions)] < self.k
            for g, positions in zip(groups, projections, strict=True))}

    def _smallest(self, joint: Mapping[Key, int],
                  skip: AbstractSet[Key] = frozenset()) -> int | None:
        sizes = [n for g in self._groups(joint, skip) for n in g.values()]
        return min(sizes) if sizes else None

    def plan(self) -> KResult:
        """Choose rungs and the groups to suppress so every group has k rows."""
        names = self.names
        result = KResult(
            k=self.k,
            quasi_identifiers={role: [names[i] if names else str(i) for i in self.columns[role]]
                               for role in self.roles},
            combinations=[list(c) for c in self.combinations],
            levels={}, rows=sum(self.counts.values()))
        levels = dict(self.levels)
        joint = self._aggregate(levels)
        result.smallest_before = self._smallest(joint)
        budget = int(self.max_suppressed * result.rows)
        while True:
            small = self._small(joint)
            if sum(joint[key] for key in small) <= budget:
                break
            climbable = [r for r in self.roles if levels[r] + 1 < len(ladder(r))]
            if not climbable:
                break
            role = max(climbable, key=lambda r: self._distinct(joint, r))
            levels[role] += 1
            result.generalised.append(f"{role}: {level_names(role)[levels[role]]}")
            joint = self._aggregate(levels)
        suppressed: set[Key] = set()
        while small := self._small(joint, suppressed):
            suppressed |= small
        self.levels = levels
        self._lifts = self._level_fns(levels)
        self._suppressed = suppressed
        result.levels = {role: level_names(role)[levels[role]] for role in self.roles}
        result.rows_suppressed = sum(joint[key] for key in suppressed)
        result.smallest_after = self._smallest(joint, suppressed)
        self.result = result
        return result

    def _distinct(self, joint: Mapping[Key, int], role: str) -> int:
        positions = self._positions[role]
        return len({tuple(key[p] for p in positions) for key in joint})
