"""q and fq as Solr reads them (the subset we support), and malformed input as a
Search Query Error rather than a crash."""

from __future__ import annotations

import pytest

from portal.core.errors import SearchQueryError
from portal.search.query import (
    AllOf,
    AnyOf,
    Everything,
    FieldMatch,
    FieldRange,
    NoneOf,
    QuotedPhrase,
    Words,
    parse,
    sort_spec,
)


def q(text: str):
    return parse(text, "")[0]


@pytest.mark.parametrize("text, tree", [
    ("", Everything()),
    ("*:*", Everything()),
    ("公交", Words("公交")),
    ("公交 线路", AllOf((Words("公交"), Words("线路")))),
    ('"道路交通事故"', QuotedPhrase("道路交通事故")),
    ("公交 OR 客运", AnyOf((Words("公交"), Words("客运")))),
    ("公交 || 客运", AnyOf((Words("公交"), Words("客运")))),
    ("公交 AND 线路", AllOf((Words("公交"), Words("线路")))),
    ("公交 -线路", AllOf((Words("公交"), NoneOf(Words("线路"))))),
    ("NOT 线路", NoneOf(Words("线路"))),
    ("+公交", Words("公交")),
    ("(公交 OR 客运) 线路", AllOf((AnyOf((Words("公交"), Words("客运"))), Words("线路")))),
    ("a OR b c", AnyOf((Words("a"), AllOf((Words("b"), Words("c")))))),  # AND binds tighter
    ("tags:交通", FieldMatch("tags", "交通")),
    ('license_id:"cc by"', FieldMatch("license_id", "cc by")),
    ("tags:(公交 OR 客运)", AnyOf((FieldMatch("tags", "公交"), FieldMatch("tags", "客运")))),
    ("-tags:交通", NoneOf(FieldMatch("tags", "交通"))),
    ("title:公交", Words("公交", "title")),
    ("metadata_modified:[2024-01-01T00:00:00Z TO NOW]",
     FieldRange("metadata_modified", "2024-01-01T00:00:00Z", "NOW")),
    ("metadata_created:{* TO 2025-01-01}",
     FieldRange("metadata_created", "*", "2025-01-01", False, False)),
    ("http://example.cn/a", Words("http://example.cn/a")),  # not a field: text to find
    ("2024-01", Words("2024-01")),  # a hyphen inside a word is not NOT
    ('"say \\"hi\\""', QuotedPhrase('say "hi"')),
])
def test_q_trees(text: str, tree: object) -> None:
    assert q(text) == tree


@pytest.mark.parametrize("text", [
    "(公交", "公交)", "()", "公交 OR", "AND", "NOT", "公交 AND",
    "metadata_modified:[2024 TO]", "tags:[a TO b]", "[a TO b]", "metadata_modified:2024",
    "tags:()", "(" * 30 + "a" + ")" * 30,
])
def test_malformed_q_is_a_search_query_error(text: str) -> None:
    with pytest.raises(SearchQueryError):
        q(text)


@pytest.mark.parametrize("fq", ["公交", "nosuch:field", '"phrase"', "tags:a OR 公交"])
def test_fq_takes_only_known_fields(fq: str) -> None:
    with pytest.raises(SearchQueryError):
        parse("", fq)


def test_fq_trees() -> None:
    assert parse("", "organization:edu tags:学校")[1] == AllOf(
        (FieldMatch("organization", "edu"), FieldMatch("tags", "学校")))
    assert parse("", "+organization:edu")[1] == FieldMatch("organization", "edu")


def test_sort_spec() -> None:
    assert sort_spec("") == [("score", True), ("metadata_modified", True)]
    assert sort_spec("title_string asc, name desc") == [("title_pinyin", False), ("name", True)]
    with pytest.raises(SearchQueryError):
        sort_spec("owner desc")
    with pytest.raises(SearchQueryError):
        sort_spec("name sideways")
