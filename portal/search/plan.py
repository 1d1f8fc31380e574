"""From CKAN's parameters and the caller to one backend query tree.

The meaning of a search lives here, once, for every backend:

- a typed word matches where its characters stand side by side in the entry
  (the char field), or where one of its synonyms does, or (Latin letters only)
  where a title's pinyin or pinyin initials equal it; the word and title
  fields only rank: a title match counts most;
- words the bureau lists as stopwords (的, 数据, 查询...) do not have to match
  but rank higher when they do, unless the query holds nothing else;
- fq and who-may-see-what are filters and do not change the ranking.
"""

from __future__ import annotations

import re
from datetime import datetime

from portal.core.context import Caller
from portal.core.errors import SearchQueryError
from portal.search import backend as b
from portal.search import date_math
from portal.search.analysis import CJK, Analyzer
from portal.search.document import micros, pairs, triples
from portal.search.query import (
    AllOf,
    AnyOf,
    Everything,
    Expr,
    FieldMatch,
    FieldRange,
    NoneOf,
    QuotedPhrase,
    Words,
)

TITLE_BOOST = 3.0
PINYIN_BOOST = 2.0
# States a dataset may be in while it is in the index (deleted ones are removed).
DRAFT_STATES = ("draft", "pending", "withdrawn")

_KEYWORD_FIELD = {
    "organization": "organization", "tags": "tags", "groups": "groups",
    "res_format": "res_format", "open_type": "open_type", "share_type": "share_type",
    "classification": "classification", "update_period": "update_period",
    "license_id": "license_id", "grading": "grading", "name": "name", "id": "id",
    "resource_code": "resource_code", "dataset_type": "dataset_type",
    "owner_org": "owner_org", "publication_state": "state",
}
_HAN_CHAR = re.compile(f"[{CJK}]")


class Planner:
    def __init__(self, analyzer: Analyzer, now: datetime | None = None) -> None:
        self.analyzer = analyzer
        self.now = now
        # Whether q holds a word that is not a stopword (then stopwords never must match).
        self.has_content = False

    # --- text --------------------------------------------------------------

    def chars(self, text: str, exact: bool = False) -> b.Node | None:
        """`text`'s characters side by side: up to three characters (or Latin runs) by one
        term of the char, pair or triple field. Longer, a quoted phrase (`exact`) is the
        phrase of its overlapping pairs; a typed word needs every three adjacent
        characters of it side by side, which overlap by two: terms instead of a phrase
        query on positions, several times dearer, for the same entries in practice."""
        tokens = self.analyzer.char_tokens(text)
        if not tokens:
            return None
        if len(tokens) == 1:
            return b.Term("chars", tokens[0])
        if len(tokens) == 2:
            return b.Term("bigrams", tokens[0] + tokens[1])
        if not all(_HAN_CHAR.fullmatch(t) for t in tokens):  # Latin runs: pairs only
            return b.Phrase("bigrams", tuple(pairs(tokens)))
        if len(tokens) == 3:
            return b.Term(b.TRIGRAM_FIELD, "".join(tokens))
        if exact:
            return b.Phrase("bigrams", tuple(pairs(tokens)))
        return b.Bool(must=tuple(b.Term(b.TRIGRAM_FIELD, t)
                                 for t in dict.fromkeys(triples(tokens))))

    def word(self, word: str, field: str) -> b.Node:
        """One typed word: matched by its characters, a synonym's, or its pinyin; ranked
        by the same in the word and title fields.

        The ranking terms are optional clauses beside the required ones rather than
        more alternatives: the engine then only scores them on entries that match,
        instead of walking the union of their postings."""
        required: list[b.Node] = []
        ranking: list[b.Node] = []
        for term in self.analyzer.synonyms(word):
            if field == "title":
                required.append(b.Term("title", term, TITLE_BOOST))
                continue
            found = self.chars(term)
            required.append(found if found is not None else b.Term("text", term))
            if not (isinstance(found, b.Term) and found.field == "chars" and len(term) == 1):
                # A single character (年, 县) is in most entries: as a ranking term it
                # weighs next to nothing and costs a walk over most of the index.
                ranking += [b.Term("text", term), b.Term("title", term, TITLE_BOOST)]
        if self.analyzer.is_pinyin_candidate(word):
            required.append(b.Term("pinyin", word, PINYIN_BOOST))
        parts = self.analyzer.covering_words(word) if field != "title" else []
        if parts:
            # 粮食产量 kept whole by jieba also matches an entry with 粮食 and 产量 apart
            # (ranked below one holding the whole word). Only the typed word: its synonyms
            # apart would stray (公共交通 for 公交 is not 公共 … 交通).
            found_parts = [self.chars(p) for p in parts]
            required.append(b.Bool(must=tuple(n for n in found_parts if n is not None)))
        required = _weakest(required)
        match = required[0] if len(required) == 1 else b.Bool(should=tuple(required),
                                                              min_should=1)
        return b.Bool(must=(match,), should=tuple(ranking)) if ranking else match

    def words(self, node: Words) -> b.Node:
        found = self.analyzer.query_words(node.text)
        if not found:
            return b.MatchAll()
        required = [w for w in found if not self.analyzer.is_stopword(w)]
        if not required and not self.has_content:
            required = found
        optional = [w for w in found if w not in required]
        return b.Bool(must=tuple(self.word(w, node.field) for w in required) or (b.MatchAll(),),
                      should=tuple(self.word(w, node.field) for w in optional))

    def phrase(self, node: QuotedPhrase) -> b.Node:
        found = self.chars(node.text, exact=True)
        if found is None:
            return b.MatchAll()
        # The phrase decides; its words in the title rank it.
        ranking = tuple(b.Term("title", w, TITLE_BOOST) for w in self.analyzer.query_words(node.text))
        return b.Bool(must=(found,), should=ranking)

    # --- fields ------------------------------------------------------------

    def field(self, node: FieldMatch) -> b.Node:
        value = node.value
        if node.field == "capacity":
            if value not in ("public", "private"):
                raise SearchQueryError(f"capacity is public or private, not {value!r}")
            return b.Term("private", "true" if value == "private" else "false")
        if node.field == "res_format":
            value = value.upper()
        if node.field == "organization":
            return b.Bool(should=(b.Term("organization", value), b.Term("owner_org", value)),
                          min_should=1)
        return b.Term(_KEYWORD_FIELD[node.field], value)

    def moment(self, raw: str, field: str) -> int | None:
        try:
            moment = date_math.resolve(raw, self.now)
        except date_math.DateMathError as exc:
            raise SearchQueryError(f"{field}: {exc}") from None
        return None if moment is None else micros(moment)

    def range(self, node: FieldRange) -> b.Node:
        low = self.moment(node.low, node.field)
        high = self.moment(node.high, node.field)
        if low is not None and not node.include_low:
            low += 1
        if high is not None and not node.include_high:
            high -= 1
        if low is None and high is None:
            return b.MatchAll()
        return b.Range(node.field, low, high)

    # --- structure ---------------------------------------------------------

    def node(self, expr: Expr) -> b.Node:
        if isinstance(expr, Everything):
            return b.MatchAll()
        if isinstance(expr, Words):
            return self.words(expr)
        if isinstance(expr, QuotedPhrase):
            return self.phrase(expr)
        if isinstance(expr, FieldMatch):
            return self.field(expr)
        if isinstance(expr, FieldRange):
            return self.range(expr)
        if isinstance(expr, NoneOf):
            return b.Bool(must=(b.MatchAll(),), must_not=(self.node(expr.item),))
        if isinstance(expr, AnyOf):
            return b.Bool(should=tuple(self.node(e) for e in expr.items), min_should=1)
        if isinstance(expr, AllOf):
            must = [self.node(e) for e in expr.items if not isinstance(e, NoneOf)]
            must_not = [self.node(e.item) for e in expr.items if isinstance(e, NoneOf)]
            return b.Bool(must=tuple(must or [b.MatchAll()]), must_not=tuple(must_not))
        raise TypeError(expr)

    def content_words(self, expr: Expr) -> bool:
        if isinstance(expr, Words):
            return any(not self.analyzer.is_stopword(w)
                       for w in self.analyzer.query_words(expr.text))
        if isinstance(expr, QuotedPhrase):
            return True
        if isinstance(expr, AllOf | AnyOf):
            return any(self.content_words(e) for e in expr.items)
        return False

    def plan(self, q: Expr, fq: Expr, visible: b.Node) -> b.Node:
        self.has_content = self.content_words(q)
        # Every clause is one more posting list walked beside the words (the visibility
        # terms hold nearly every entry): no match-all filter for an empty fq, and the
        # terms of a plain conjunction as filters of their own.
        filters = [n for n in (self.node(fq), visible) if not isinstance(n, b.MatchAll)]
        flat = [part for n in filters for part in _conjuncts(n)]
        return b.Bool(must=(self.node(q),), filter=tuple(flat))


def _pairs_needed(node: b.Node) -> tuple[tuple[str, ...], bool] | None:
    """(the character pairs a match requires, whether side by side), when that is all
    it requires: a pair, a phrase of pairs, or a conjunction of those (pairs anywhere)."""
    if isinstance(node, b.Term) and node.field == "bigrams":
        return (node.value,), True
    if isinstance(node, b.Term) and node.field == b.TRIGRAM_FIELD:
        return (node.value[:2], node.value[1:]), True
    if isinstance(node, b.Phrase) and node.field == "bigrams":
        return node.tokens, True
    if (isinstance(node, b.Bool) and node.must and not (node.should or node.must_not
                                                        or node.filter)):
        parts = [_pairs_needed(n) for n in node.must]
        if all(p is not None for p in parts):
            return tuple(t for p in parts for t in p[0]), False  # type: ignore[index]
    return None



def _implies(a: tuple[tuple[str, ...], bool], b_: tuple[tuple[str, ...], bool]) -> bool:
    """Whether every entry matching need `a` also matches need `b_`."""
    (mine, _), (theirs, side_by_side) = a, b_
    if not side_by_side or len(theirs) == 1:
        return set(theirs) <= set(mine)
    n = len(theirs)
    return a[1] and any(mine[i:i + n] == theirs for i in range(len(mine) - n + 1))


def _weakest(alternatives: list[b.Node]) -> list[b.Node]:
    """Drops each alternative that implies another one (低保户 side by side implies 低保;
    医疗机构 side by side implies its parts 医疗 … 机构 anywhere): the union matches the
    same entries with fewer posting lists to walk, and no phrase where a term will do."""
    needs = [_pairs_needed(n) for n in alternatives]
    kept = []
    for i, node in enumerate(alternatives):
        mine = needs[i]
        implied = mine is not None and any(
            other is not None and _implies(mine, other) and (not _implies(other, mine) or j < i)
            for j, other in enumerate(needs) if j != i)
        if not implied:
            kept.append(node)
    return kept


def _conjuncts(node: b.Node) -> tuple[b.Node, ...]:
    """A Bool of must clauses only, as its clauses; anything else as itself."""
    if isinstance(node, b.Bool) and node.must and not (node.should or node.must_not
                                                       or node.filter):
        return tuple(part for n in node.must for part in _conjuncts(n))
    return (node,)


def visibility(user: Caller | None, include_private: bool, include_drafts: bool) -> b.Node:
    """Published public entries for everyone; with include_private / include_drafts, also
    the caller's organizations' private entries and drafts (every organization's for sysadmins)."""
    public = b.Bool(must=(b.Term("state", "published"), b.Term("private", "false")))
    if user is None or not (include_private or include_drafts):
        return public
    states = ("published",) + (DRAFT_STATES if include_drafts else ())
    mine: list[b.Node] = [b.Bool(should=tuple(b.Term("state", s) for s in states), min_should=1)]
    if not include_private:
        mine.append(b.Term("private", "false"))
    if not user.sysadmin:
        orgs = tuple(b.Term("owner_org", org) for org in sorted(user.roles))
        if not orgs:
            return public
        mine.append(b.Bool(should=orgs, min_should=1))
    return b.Bool(should=(public, b.Bool(must=tuple(mine))), min_should=1)
