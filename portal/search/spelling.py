""""您是不是要找": the query with a word replaced by a close catalog term.

For a query of plain words that finds few entries, each word the catalog does
not hold is replaced by its closest terms (portal.search.vocabulary); each new
query is searched as the visitor (the `search` callable suggest.py uses) and
offered only when it finds more than the query did. At most SEARCH_LIMIT
searches are made.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from portal.core.errors import SearchQueryError, ValidationError
from portal.search.analysis import Analyzer
from portal.search.suggest import Filters, Search, _Unit, query_units
from portal.search.vocabulary import Vocabulary

# A search finding this many entries or fewer is offered "did you mean".
FEW_HITS = 2
SEARCH_LIMIT = 3
MAX_OFFERS = 3


@dataclass(frozen=True)
class Correction:
    q: str
    count: int
    original: str
    replacement: str


def did_you_mean(analyzer: Analyzer, vocabulary: Vocabulary, q: str,
                 filters: Sequence[tuple[str, str]], search: Search,
                 found: int) -> list[Correction]:
    """Corrected queries finding more than the `found` entries q found."""
    units = query_units(analyzer, q) if q.strip() else None
    if not units or found > FEW_HITS:
        return []
    # The words as typed (jieba may cut a mistyped word into single characters),
    # then, for a typed word with nothing close, jieba's words of it.
    typed = [_Unit(w) for w in q.split() if not w.startswith('"') and _Unit(w).query() == w]
    words = [u for u in units if not u.quoted]
    candidates: list[tuple[str, str, str]] = []
    for word in typed:
        terms = vocabulary.close_terms(word.text)
        pieces = [] if terms else [u for u in words if u.text in word.text and u != word]
        for term in terms:
            candidates.append((_replace(q, word.text, term), word.text, term))
        for piece in pieces:
            for term in vocabulary.close_terms(piece.text):
                candidates.append((_replace(q, piece.text, term), piece.text, term))
    out: list[Correction] = []
    for new_q, original, term in candidates[:SEARCH_LIMIT]:
        try:
            count, _ = search(new_q, tuple(filters), 0)
        except (SearchQueryError, ValidationError):
            continue
        if count > found:
            out.append(Correction(new_q, count, original, term))
    return out[:MAX_OFFERS]


def _replace(q: str, original: str, term: str) -> str:
    """q with the first `original` replaced by `term` (spaces kept as typed)."""
    return " ".join(q.replace(original, term, 1).split())


__all__ = ["FEW_HITS", "Correction", "Filters", "did_you_mean"]
