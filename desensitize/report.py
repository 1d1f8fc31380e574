"""The report of one `apply`: what was found, what was done, what remained, and the
decision with its reasons. JSON (`Report.to_json()`), rendered by the portal later.

Raw values never enter a report: a sample is the value as the output holds it
(the policy's treatment: 341324************ when the policy masks all but six),
and a value the output does not change (kept, dropped, blocked) is masked with
the default masks of `treatments.MASK_DEFAULTS` (a name as 王**, an ID as
341324********1234); samples are cut to SAMPLE_CHARS characters.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from desensitize.findings import Finding
from desensitize.kanon import KResult
from desensitize.risk import assess
from desensitize.treatments import mask

ALLOWED = "allowed"  # nothing needed treatment: the output is the input rewritten
ALLOWED_AFTER_TREATMENT = "allowed_after_treatment"
BLOCKED = "blocked"
DECISIONS = (ALLOWED, ALLOWED_AFTER_TREATMENT, BLOCKED)

SAMPLES = 3  # distinct masked samples kept per column and entity type
SAMPLE_CHARS = 40


def masked_sample(value: str, entity: str, shown: str | None = None) -> str:
    """A sample safe to show: `shown` (the treated value as written) when it differs
    from `value`, else `value` masked with the entity's default mask; then cut."""
    if shown is None or shown == value:
        shown = mask(value, entity)
    return shown if len(shown) <= SAMPLE_CHARS else shown[:SAMPLE_CHARS - 1] + "…"


@dataclass
class EntityCount:
    count: int = 0  # findings (cells can hold several)
    treatment: str = "keep"
    samples: list[str] = field(default_factory=list)

    def add(self, value: str, entity: str, shown: str | None = None) -> None:
        """Count one finding; `shown` is its treated value as written, if it was."""
        self.count += 1
        if len(self.samples) < SAMPLES:
            shown = masked_sample(value, entity, shown)
            if shown not in self.samples:
                self.samples.append(shown)

    def to_json(self) -> dict[str, Any]:
        return {"count": self.count, "treatment": self.treatment, "samples": self.samples}


@dataclass
class ColumnReport:
    name: str  # the header (tables) or "(text)" for a text file
    profile_entity: str | None = None  # the entity its cells are, whole (scanner profile)
    header_entities: list[str] = field(default_factory=list)
    treatment: str | None = None  # column-level: "drop", or a role's rung ("birth: year")
    entities: dict[str, EntityCount] = field(default_factory=dict)
    cells_changed: int = 0
    residual: dict[str, int] = field(default_factory=dict)  # findings left in the output
    # Of `entities`' counts, the near misses (Finding.near_miss: a mistyped identifier
    # treated as one because of its column or a context word), per entity type.
    near_misses: dict[str, int] = field(default_factory=dict)
    # What the catalog's data item says (desensitize.declared): "personal",
    # "public_by_law", "confirmed" (a reviewer's), or None for no item / no flag.
    declared: str | None = None
    legal_basis: str | None = None
    conflict: bool = False  # classified personal, declared neither: treated, flagged
    kept_as_declared: int = 0  # findings published as declared (public by law)

    def count(self, finding: Finding, value: str, treatment: str,
              shown: str | None = None) -> None:
        stats = self.entities.get(finding.entity)
        if stats is None:
            stats = self.entities[finding.entity] = EntityCount(treatment=treatment)
        stats.add(value, finding.entity, shown)
        if finding.near_miss:
            self.near_misses[finding.entity] = self.near_misses.get(finding.entity, 0) + 1

    def to_json(self) -> dict[str, Any]:
        return {"column": self.name, "profile_entity": self.profile_entity,
                "header_entities": self.header_entities, "treatment": self.treatment,
                "entities": {e: c.to_json() for e, c in sorted(self.entities.items())},
                "cells_changed": self.cells_changed,
                "residual": dict(sorted(self.residual.items())),
                "near_misses": dict(sorted(self.near_misses.items())),
                "declared": self.declared, "legal_basis": self.legal_basis,
                "conflict": self.conflict, "kept_as_declared": self.kept_as_declared}


@dataclass
class Report:
    file: str
    target: str
    grading: str
    format: str | None = None  # csv, tsv, xlsx, json, ndjson, or text
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    output: str | None = None  # the file written; None when blocked
    decision: str = ALLOWED
    reasons: list[str] = field(default_factory=list)
    rows: int = 0  # data rows (tables) or lines (text)
    columns: list[ColumnReport] = field(default_factory=list)
    kanon: KResult | None = None
    policy: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase
    issues: list[str] = field(default_factory=list)  # reader issues (ragged rows...)
    # What the input held and the release does not carry (never quoted): lines above the
    # header, cells past it, other sheets, comments, document properties...
    left_out: list[str] = field(default_factory=list)
    _by_name: dict[str, ColumnReport] = field(default_factory=dict, init=False, repr=False)

    @property
    def blocked(self) -> bool:
        return self.decision == BLOCKED

    def block(self, reason: str) -> None:
        self.decision = BLOCKED
        if reason not in self.reasons:
            self.reasons.append(reason)

    def column(self, name: str) -> ColumnReport:
        """The report of a column, added on first use (columns keep file order)."""
        col = self._by_name.get(name)
        if col is None:
            col = self._by_name[name] = ColumnReport(name)
            self.columns.append(col)
        return col

    @property
    def found(self) -> dict[str, int]:
        """Findings per entity type, over all columns."""
        return _total((e, c.count) for col in self.columns for e, c in col.entities.items())

    @property
    def residual(self) -> dict[str, int]:
        """Findings left in the output per entity type, over all columns."""
        return _total(item for col in self.columns for item in col.residual.items())

    @property
    def near_misses(self) -> dict[str, int]:
        """Near misses found (and treated as their entity) per entity type, over all columns."""
        return _total(item for col in self.columns for item in col.near_misses.items())

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file, "format": self.format, "encoding": self.encoding,
            "delimiter": self.delimiter, "sheet": self.sheet, "target": self.target,
            "grading": self.grading, "decision": self.decision, "reasons": self.reasons,
            "output": self.output, "rows": self.rows, "found": self.found,
            "residual": self.residual, "near_misses": self.near_misses,
            "columns": [c.to_json() for c in self.columns],
            "k_anonymity": self.kanon.to_json() if self.kanon else None,
            "issues": self.issues, "left_out": self.left_out, "policy": self.policy,
            "risk": assess(self),
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
        }


def _total(items: Iterable[tuple[str, int]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for entity, n in items:
        out[entity] = out.get(entity, 0) + n
    return dict(sorted(out.items()))
