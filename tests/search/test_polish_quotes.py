"""An unbalanced quote in q is searched as plain words, the same on every backend."""

from __future__ import annotations

import pytest

from portal.core.errors import SearchQueryError
from portal.search.query import parse, searchable_q, unbalanced_quotes
from tests.search.conftest import Searcher


@pytest.mark.parametrize(("q", "unbalanced"), [
    ('学校"', True), ('"学校', True), ('"a" "b', True), ('a\\"', True),
    ('"学校"', False), ("学校", False), ('"a \\" b"', False), ("", False),
])
def test_unbalanced_quotes_are_found(q: str, unbalanced: bool) -> None:
    assert unbalanced_quotes(q) is unbalanced
    assert ('"' in searchable_q(q)) is ('"' in q and not unbalanced)


def test_fq_is_still_strict() -> None:
    with pytest.raises(SearchQueryError):
        parse("", 'tags:"交通')


def test_a_stray_quote_finds_what_the_words_find(searcher: Searcher) -> None:
    plain = searcher.names("交通 事故")
    assert plain
    assert searcher.names('交通 事故"') == plain
    assert searcher.names('"交通 事故') == plain
