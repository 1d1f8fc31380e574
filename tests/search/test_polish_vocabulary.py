"""The "did you mean" vocabulary: close terms by reading, pinyin and spelling, bounded."""

from __future__ import annotations

from collections import Counter

import pytest

from portal.search.analysis import Analyzer
from portal.search.vocabulary import Vocabulary, edit_distance

WORDS = Counter({"学校": 5, "交通": 4, "公交线路": 3, "自来水": 2, "水质": 2, "census": 1,
                 "x": 9, "私密": 0})


@pytest.fixture
def vocabulary(analyzer: Analyzer) -> Vocabulary:
    return Vocabulary(lambda: WORDS, analyzer)


@pytest.mark.parametrize(("a", "b", "bound", "expected"), [
    ("xuexiao", "xuexiao", 1, 0), ("xuexao", "xuexiao", 1, 1), ("abc", "xyz", 1, 2),
    ("a", "abcdef", 2, 3), ("学效", "学校", 1, 1),
])
def test_edit_distance_stops_at_its_bound(a: str, b: str, bound: int, expected: int) -> None:
    assert edit_distance(a, b, bound) == expected


@pytest.mark.parametrize(("word", "expected"), [
    ("学效", ["学校"]), ("xuexiao", ["学校"]), ("ＸＵＥＸＡＯ", ["学校"]), ("gongjiaoxianlu", ["公交线路"]),
    ("公交线陆", ["公交线路"]), ("自来谁", ["自来水"]), ("cencus", ["census"]),
])
def test_close_terms(vocabulary: Vocabulary, word: str, expected: list[str]) -> None:
    assert vocabulary.close_terms(word)[:1] == expected


@pytest.mark.parametrize("word", ["学校", "x", "学", "zz", "", "a" * 41, "' or 1=1", "完全无关的词"])
def test_no_terms_for_known_short_or_far_words(vocabulary: Vocabulary, word: str) -> None:
    assert vocabulary.close_terms(word) == []


def test_the_vocabulary_is_read_once_a_minute(analyzer: Analyzer) -> None:
    reads: list[int] = []

    def read() -> Counter[str]:
        reads.append(1)
        return WORDS

    vocabulary = Vocabulary(read, analyzer)
    for _ in range(5):
        vocabulary.close_terms("xuexao")
    assert len(reads) == 1
