"""Per-entity precision, recall and F2 of predicted spans against gold spans.

Scored as presidio-evaluator scores PII detection: per entity type, a prediction is
right when it lands on a gold span of the same type, and the headline figure is the
F-beta score with beta = 2, recall weighing four times precision (a missed identity
number leaks; a false alarm costs a reviewer a glance).

presidio-evaluator's classic `Evaluator` compares token by token (each token's gold tag
against its predicted tag); its span evaluation matches spans by overlap instead.
Chinese has no spaces, so token counts would depend on a segmenter (jieba splits a
name or an address differently from one sentence to the next); this module therefore
works on character spans:

- a predicted span is a true positive when it overlaps a gold span of the same entity
  in the same place (table cell: row and column; text: line);
- a prediction that overlaps none is a false positive of its entity (also when it lies
  on a gold span of another entity: the wrong type is a miss for both);
- a gold span that no prediction of its entity overlaps is a false negative.

Precision = true positives / predictions and recall = gold spans found / gold spans,
so a name found as two pieces is one gold span found, not two. A ratio with nothing
to count (no predictions, no gold) is NaN, shown as "-": neither 0 nor 1 would be true,
and a target measured as NaN is not met.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

BETA = 2.0
SOURCES = ("table", "text", "all")


class Located(Protocol):
    """A span in a table cell or a text line (a Finding, a corpus Label)."""

    @property
    def entity(self) -> str | None: ...
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def row(self) -> int | None: ...
    @property
    def column(self) -> str | None: ...
    @property
    def line(self) -> int | None: ...


def place(span: Located) -> Hashable:
    """Where a span lies: its cell or its line."""
    return ("text", span.line) if span.line is not None else ("table", span.row, span.column)


def source(span: Located) -> str:
    return "text" if span.line is not None else "table"


def overlaps(a: Located, b: Located) -> bool:
    return a.start < b.end and b.start < a.end


def f_beta(precision: float, recall: float, beta: float = BETA) -> float:
    """(1 + beta²)·P·R / (beta²·P + R); 0 when both are 0, NaN when either is."""
    if math.isnan(precision) or math.isnan(recall):
        return math.nan
    if precision == 0 and recall == 0:
        return 0.0
    b2 = beta * beta
    return (1 + b2) * precision * recall / (b2 * precision + recall)


@dataclass(frozen=True)
class EntityScore:
    entity: str
    gold: int  # gold spans
    predicted: int  # predicted spans
    tp: int  # predictions overlapping a gold span of the entity
    found: int  # gold spans overlapped by a prediction of the entity

    @property
    def fp(self) -> int:
        return self.predicted - self.tp

    @property
    def fn(self) -> int:
        return self.gold - self.found

    @property
    def precision(self) -> float:
        return self.tp / self.predicted if self.predicted else math.nan

    @property
    def recall(self) -> float:
        return self.found / self.gold if self.gold else math.nan

    @property
    def f2(self) -> float:
        return f_beta(self.precision, self.recall)

    def __add__(self, other: EntityScore) -> EntityScore:
        return EntityScore(self.entity, self.gold + other.gold, self.predicted + other.predicted,
                           self.tp + other.tp, self.found + other.found)


def _by_place(spans: Iterable[Located]) -> dict[Hashable, list[Located]]:
    out: dict[Hashable, list[Located]] = defaultdict(list)
    for span in spans:
        out[place(span)].append(span)
    return out


def score(gold: Iterable[Located], predicted: Iterable[Located],
          entities: Sequence[str] | None = None) -> dict[str, EntityScore]:
    """Scores per entity: of `entities` when given (predictions of others are ignored),
    else of every entity in the gold or the predictions, in name order. Gold spans
    without an entity (corpus decoys) are skipped."""
    gold = [g for g in gold if g.entity]
    predicted = [p for p in predicted if p.entity]
    names = list(entities) if entities is not None else sorted(
        {str(s.entity) for s in (*gold, *predicted)})
    gold_at, guesses_at = _by_place(gold), _by_place(predicted)

    def hits(span: Located, others: Mapping[Hashable, list[Located]]) -> bool:
        return any(o.entity == span.entity and overlaps(o, span)
                   for o in others.get(place(span), ()))

    out = {}
    for e in names:
        mine = [g for g in gold if g.entity == e]
        guesses = [p for p in predicted if p.entity == e]
        out[e] = EntityScore(e, len(mine), len(guesses),
                             sum(hits(p, gold_at) for p in guesses),
                             sum(hits(g, guesses_at) for g in mine))
    return out


def score_by_source(gold: Iterable[Located], predicted: Iterable[Located],
                    entities: Sequence[str] | None = None) -> dict[str, dict[str, EntityScore]]:
    """Scores of the table, of the text and of both ("table", "text", "all"): the PERSON
    and LOCATION targets are on free text."""
    gold, predicted = list(gold), list(predicted)
    names = entities if entities is not None else sorted(
        {s.entity for s in (*gold, *predicted) if s.entity})
    out = {kind: score([g for g in gold if source(g) == kind],
                       [p for p in predicted if source(p) == kind], names)
           for kind in ("table", "text")}
    out["all"] = {e: out["table"][e] + out["text"][e] for e in names}
    return out


def score_by_class(labels: Iterable[Located], predicted: Iterable[Located],
                   class_of: Callable[[Any], str], classes: Sequence[str],
                   entity: str) -> dict[str, EntityScore]:
    """Scores of `entity` per class of label (`class_of(label)`, e.g. the corpus's
    harder-name classes): recall over the gold spans of the class; precision over the
    predictions in the places (lines, cells) that hold a label of the class (a gold
    span or a decoy), so a class's look-alike words count against it."""
    labels = list(labels)
    predicted = [p for p in predicted if p.entity == entity]
    gold_at, guesses_at = _by_place([g for g in labels if g.entity == entity]), \
        _by_place(predicted)
    out = {}
    for c in classes:
        mine = [g for g in labels if g.entity == entity and class_of(g) == c]
        places = {place(g) for g in labels if class_of(g) == c}
        guesses = [p for at in places for p in guesses_at.get(at, ())]
        tp = sum(any(overlaps(p, g) for g in gold_at.get(place(p), ())) for p in guesses)
        found = sum(any(overlaps(g, p) for p in guesses_at.get(place(g), ())) for g in mine)
        out[c] = EntityScore(c, len(mine), len(guesses), tp, found)
    return out


def micro(scores: Mapping[str, EntityScore], name: str = "ALL") -> EntityScore:
    """All entities' counts summed (a micro average)."""
    total = EntityScore(name, 0, 0, 0, 0)
    for s in scores.values():
        total = total + EntityScore(name, s.gold, s.predicted, s.tp, s.found)
    return total


# --- what went wrong ------------------------------------------------------------------

@dataclass(frozen=True)
class Miss:
    """A false positive (a prediction) or a false negative (a gold span), with what lay
    under it: the gold entity or decoy kind a false positive fell on, the entity
    predicted instead over a false negative ("" for nothing)."""

    kind: str  # "FP" or "FN"
    span: Located
    under: str


def misses(labels: Iterable[Located], predicted: Iterable[Located]) -> list[Miss]:
    """Every false positive and false negative. `labels` may hold decoys (entity None,
    with a `kind` attribute naming the hard negative): they explain false positives."""
    labels, predicted = list(labels), [p for p in predicted if p.entity]
    labels_at, guesses_at = _by_place(labels), _by_place(predicted)
    out: list[Miss] = []
    for p in predicted:
        near = [g for g in labels_at.get(place(p), ()) if overlaps(g, p)]
        if not any(g.entity == p.entity for g in near):
            under = (near[0].entity or f"decoy {getattr(near[0], 'kind', '?')}") if near else ""
            out.append(Miss("FP", p, under))
    for g in labels:
        if not g.entity:
            continue
        near = [p for p in guesses_at.get(place(g), ()) if overlaps(g, p)]
        if not any(p.entity == g.entity for p in near):
            out.append(Miss("FN", g, "+".join(sorted({str(p.entity) for p in near}))))
    return out


# --- reports --------------------------------------------------------------------------

def _ratio(x: float) -> str:
    return "    -" if math.isnan(x) else f"{x:.3f}"


def format_scores(scores: Mapping[str, EntityScore], title: str) -> str:
    """A fixed-width table: one line per entity, then the micro average."""
    lines = [title, f"  {'entity':<20}{'gold':>7}{'pred':>7}{'TP':>7}{'FP':>6}{'FN':>6}"
                    f"{'P':>8}{'R':>8}{'F2':>8}"]
    rows = [*scores.values(), micro(scores)] if scores else []
    for s in rows:
        lines.append(f"  {s.entity:<20}{s.gold:>7}{s.predicted:>7}{s.tp:>7}{s.fp:>6}{s.fn:>6}"
                     f"{_ratio(s.precision):>8}{_ratio(s.recall):>8}{_ratio(s.f2):>8}")
    return "\n".join(lines)


# --- the targets ------------------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    entity: str
    scope: str  # "table", "text" or "all"
    metric: str  # "precision" or "recall"
    minimum: float

    def value(self, by_source: Mapping[str, Mapping[str, EntityScore]]) -> float:
        s = by_source[self.scope].get(self.entity)
        return math.nan if s is None else float(getattr(s, self.metric))

    def met(self, by_source: Mapping[str, Mapping[str, EntityScore]]) -> bool:
        return self.value(by_source) >= self.minimum  # NaN (nothing to measure) fails

    def describe(self) -> str:
        where = {"all": "table + text", "table": "table", "text": "free text"}[self.scope]
        return f"{self.entity} {self.metric} ({where}) >= {self.minimum:g}"


def issue_targets() -> tuple[Target, ...]:
    """The issue's: recall >= 0.99 and precision >= 0.97 for the checksummed and shaped
    identifiers over the whole corpus, recall >= 0.90 for names and addresses in free
    text."""
    structured = ("CN_RESIDENT_ID", "CN_USCC", "CN_MOBILE", "CN_BANK_CARD", "EMAIL_ADDRESS")
    return (*(t for e in structured for t in (Target(e, "all", "recall", 0.99),
                                               Target(e, "all", "precision", 0.97))),
            Target("PERSON", "text", "recall", 0.90),
            Target("LOCATION", "text", "recall", 0.90))


TARGETS = issue_targets()


def check(by_source: Mapping[str, Mapping[str, EntityScore]],
          targets: Sequence[Target] = TARGETS) -> list[tuple[Target, float, bool]]:
    """(target, measured value, met) for each target."""
    return [(t, t.value(by_source), t.met(by_source)) for t in targets]


def format_targets(results: Sequence[tuple[Target, float, bool]]) -> str:
    return "\n".join(f"  {'PASS' if ok else 'MISS'}  {t.describe():<50} measured {_ratio(v)}"
                     for t, v, ok in results)


def format_misses(found: Sequence[Miss], text_of: Callable[[Located], str],
                  top: int = 20, examples: int = 2) -> str:
    """The commonest kinds of miss (entity, where, what lay under it), with examples
    (the span in [brackets] inside its cell or line)."""
    groups: dict[tuple[str, str, str, str], list[Miss]] = defaultdict(list)
    for m in found:
        where = "text" if m.span.line is not None else str(m.span.column)
        groups[(m.kind, str(m.span.entity), where, m.under)].append(m)
    ranked = sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))
    lines = []
    for (kind, entity, where, under), group in ranked[:top]:
        on = f" on {under}" if kind == "FP" and under else ""
        instead = f" (found as {under})" if kind == "FN" and under else ""
        lines.append(f"  {len(group):>5} {kind} {entity:<17} in {where}{on}{instead}")
        for m in group[:examples]:
            text = text_of(m.span)
            shown = f"{text[:m.span.start]}[{text[m.span.start:m.span.end]}]{text[m.span.end:]}"
            lines.append(f"          {shown[:110]}")
    if len(ranked) > top:
        lines.append(f"  ... and {len(ranked) - top} more kinds of miss")
    return "\n".join(lines)
