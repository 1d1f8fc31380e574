"""Other searches to offer when one finds nothing.

Every suggestion is checked with a real search before it is offered, through
the `search` callable the page passes in (package_search as the visitor, so a
suggestion never counts entries the visitor may not see), and is shown with
its count. At most `limit` searches are made (five by default); cheaper and
likelier ideas go first:

1. without the filters, when the words alone find something (then the words
   are fine and only the filters are suggested);
2. a homophone: the query's Chinese characters read as pinyin and searched
   for in titles' pinyin (公教线路 -> gongjiaoxianlu -> 公交线路); the title
   characters that spelled it become the new query;
3. the words that found something, without those that found nothing
   (each word is searched alone for this);
4. for a word that found nothing: a homophone of that word alone, or a term
   from the synonym list that it contains, is contained in, or (for a group
   that overlaps another) is a synonym of it with other synonyms of its own.

Only a query of plain words and "phrases" gets word suggestions: one using
field:value, OR or NOT is the visitor's own syntax and is left alone.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from portal.core.errors import SearchQueryError, ValidationError
from portal.search.analysis import CJK, PINYIN_WINDOW, Analyzer, normalise, text_pinyin
from portal.search.highlight import pinyin_spans
from portal.search.query import AllOf, QuotedPhrase, Words, parse

Filters = tuple[tuple[str, str], ...]
# search(q, filters, rows) -> (count, titles of the first `rows` results)
Search = Callable[[str, Filters, int], tuple[int, list[str]]]

SEARCH_LIMIT = 5
MAX_SUGGESTIONS = 5
# Results read when looking for the title characters a pinyin query spelled.
PINYIN_ROWS = 10

_HAN = re.compile(rf"[{CJK}]")
# A word the q parser reads back as itself (no operator, quote, bracket or colon).
_PLAIN = re.compile(rf"[0-9a-z{CJK}][0-9a-z{CJK}._%#&+-]*")


@dataclass(frozen=True)
class Suggestion:
    """A search to offer: q and filters for its link, and what it changed."""
    kind: str                      # homophone | related | drop_words | drop_filters
    q: str
    filters: Filters
    count: int
    dropped: tuple[str, ...] = ()  # words left out (drop_words)
    dropped_filters: Filters = ()  # filters left out (drop_filters)
    original: str = ""             # the text replaced (homophone, related)
    replacement: str = ""


@dataclass(frozen=True)
class _Unit:
    """One word of the query (after jieba), or one quoted phrase."""
    text: str
    quoted: bool = False

    def query(self) -> str:
        if not self.quoted and _PLAIN.fullmatch(self.text):
            return self.text
        return '"' + self.text.replace("\\", "\\\\").replace('"', '\\"') + '"'

    @property
    def han(self) -> str:
        return "".join(_HAN.findall(self.text))


def _join(units: Sequence[_Unit]) -> str:
    return " ".join(u.query() for u in units)


def query_units(analyzer: Analyzer, q: str) -> list[_Unit] | None:
    """The query's words, or None when it is not made of plain words and phrases.

    Stopwords are left out (they never decide whether an entry matches) unless
    the query holds nothing else.
    """
    try:
        expr, _ = parse(q, "")
    except SearchQueryError:
        return None
    items = expr.items if isinstance(expr, AllOf) else (expr,)
    units: list[_Unit] = []
    stop: list[_Unit] = []
    for item in items:
        if isinstance(item, QuotedPhrase) and item.field == "text":
            if analyzer.char_tokens(item.text):
                units.append(_Unit(normalise(item.text), quoted=True))
        elif isinstance(item, Words) and item.field == "text":
            for word in analyzer.query_words(item.text):
                (stop if analyzer.is_stopword(word) else units).append(_Unit(word))
        else:
            return None
    units = list(dict.fromkeys(units or stop))
    return units or None


class _Searches:
    """The search callable, counted, cached and stopped at the limit."""

    def __init__(self, search: Search, limit: int) -> None:
        self.search = search
        self.limit = limit
        self.used = 0
        self.seen: dict[tuple[str, Filters], tuple[int, list[str], int]] = {}

    @property
    def left(self) -> int:
        return self.limit - self.used

    def run(self, q: str, filters: Filters, rows: int = 0) -> tuple[int, list[str]] | None:
        known = self.seen.get((q, filters))
        if known is not None and known[2] >= rows:
            return known[0], known[1]
        if self.used >= self.limit:
            return None
        self.used += 1
        try:
            count, titles = self.search(q, filters, rows)
        except (SearchQueryError, ValidationError):
            count, titles = 0, []
        self.seen[(q, filters)] = (count, titles, rows)
        return count, titles

    def count(self, q: str, filters: Filters) -> int | None:
        found = self.run(q, filters)
        return None if found is None else found[0]


def suggest(analyzer: Analyzer, q: str, filters: Sequence[tuple[str, str]], search: Search,
            limit: int = SEARCH_LIMIT) -> list[Suggestion]:
    """Searches that find something, for a q and filters that found nothing."""
    searches = _Searches(search, limit)
    filters = tuple(filters)
    out: list[Suggestion] = []
    words_find_something = False
    by_filters: list[Suggestion] = []
    if filters:
        count = searches.count(q, ())
        if count:
            words_find_something = True
            by_filters.append(Suggestion("drop_filters", q, (), count, dropped_filters=filters))
            if len(filters) > 1:
                for one in filters:
                    rest = tuple(f for f in filters if f != one)
                    count = searches.count(q, rest)
                    if count:
                        by_filters.insert(-1, Suggestion("drop_filters", q, rest, count,
                                                         dropped_filters=(one,)))
    units = query_units(analyzer, q) if q else None
    if units and not words_find_something:
        out.extend(_by_words(analyzer, units, filters, searches))
    out.extend(by_filters)
    unique: dict[tuple[str, Filters], Suggestion] = {}
    for s in out:
        if s.count and (s.q, s.filters) != (q, filters):
            unique.setdefault((s.q, s.filters), s)
    return list(unique.values())[:MAX_SUGGESTIONS]


def _by_words(analyzer: Analyzer, units: list[_Unit], filters: Filters,
              searches: _Searches) -> Iterator[Suggestion]:
    han = "".join(u.han for u in units)
    # Titles' pinyin is indexed for runs of up to three words: a longer query cannot match.
    if han and sum(1 for u in units if u.han) <= PINYIN_WINDOW:
        fixed = _homophone(han, filters, searches)
        if fixed:
            others = [u for u in units if not u.han]
            new_q = _join([_Unit(fixed), *others])
            count = searches.count(new_q, filters)
            if count:
                yield Suggestion("homophone", new_q, filters, count, original=han,
                                 replacement=fixed)
    if len(units) == 1:
        failed = units
    else:
        counts: dict[_Unit, int] = {}
        for unit in units:
            if searches.left <= 1:
                break
            found = searches.count(unit.query(), filters)
            if found is not None:
                counts[unit] = found
        failed = [u for u in units if counts.get(u) == 0]
        hits = [u for u in units if counts.get(u)]
        if failed and hits:
            best = max(hits, key=lambda u: counts[u])
            together = counts[best] if len(hits) == 1 else searches.count(_join(hits), filters)
            if together:
                yield Suggestion("drop_words", _join(hits), filters, together,
                                 dropped=tuple(u.text for u in units if u not in hits))
            else:
                yield Suggestion("drop_words", best.query(), filters, counts[best],
                                 dropped=tuple(u.text for u in units if u != best))
    for unit in failed:
        yield from _unit_alternatives(analyzer, unit, units, filters, searches, han)


def _unit_alternatives(analyzer: Analyzer, unit: _Unit, units: list[_Unit], filters: Filters,
                       searches: _Searches, whole_han: str) -> Iterator[Suggestion]:
    def replaced(text: str) -> str:
        return _join([_Unit(text) if u == unit else u for u in units])

    if unit.han and unit.han != whole_han and searches.left >= 2:
        fixed = _homophone(unit.han, filters, searches)
        if fixed:
            new_q = replaced(fixed)
            count = searches.count(new_q, filters)
            if count:
                yield Suggestion("homophone", new_q, filters, count, original=unit.text,
                                 replacement=fixed)
    if unit.quoted:
        return
    for term in related_terms(analyzer, unit.text):
        if searches.left < 1:
            return
        new_q = replaced(term)
        count = searches.count(new_q, filters)
        if count:
            yield Suggestion("related", new_q, filters, count, original=unit.text,
                             replacement=term)
            return


def _homophone(han: str, filters: Filters, searches: _Searches) -> str | None:
    """Title characters that read like `han`, from the titles found by its pinyin."""
    spelled = text_pinyin(han)
    if len(spelled) < 2 or not spelled.isascii() or not spelled.isalpha():
        return None
    found = searches.run(spelled, filters, PINYIN_ROWS)
    if not found or not found[0]:
        return None
    seen: Counter[str] = Counter()
    for title in found[1]:
        for start, end in pinyin_spans(title, {spelled}):
            text = normalise(title[start:end])
            if _HAN.search(text) and text != han:
                seen[text] += 1
    return seen.most_common(1)[0][0] if seen else None


def related_terms(analyzer: Analyzer, word: str) -> list[str]:
    """Terms of the synonym list worth trying instead of `word`, best first.

    A word is already searched with its own synonyms, so these are: a listed term
    inside it (公交车站 -> 公交车), a listed term holding it (生活保障 -> 最低生活保障),
    and a synonym whose own synonyms reach further (五保 -> 特困供养, which also
    means 特困人员).
    """
    group = analyzer.synonyms(word)
    terms = {t for g in analyzer.synonym_groups() for t in g}
    inside = sorted((t for t in terms if t != word and len(t) >= 2 and t in word),
                    key=lambda t: (-len(t), t))
    around = sorted((t for t in terms if t != word and len(word) >= 2 and word in t),
                    key=lambda t: (len(t), t))
    further = [t for t in group if t != word and set(analyzer.synonyms(t)) - set(group)]
    if len(group) > 1:  # the word is listed: its synonyms already take part
        inside = around = []
    return list(dict.fromkeys(inside + around + further))
