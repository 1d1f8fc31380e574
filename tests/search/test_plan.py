"""The planner's simplifications change how much a search walks, never what it finds."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.search import backend as b
from portal.search import plan
from portal.search.analysis import Analyzer
from portal.search.document import cjk_triples
from tests.search.conftest import Searcher, open_backend

QUERIES = ["低保", "最低生活保障", "医疗机构", "医院", "社会保险", "交通事故", "道路交通事故",
           "粮食产量", "公交车站", "统计 年鉴", '"道路交通事故"', "企业", "gjxl", "户口", "名录"]


def walk(node: b.Node) -> list[b.Node]:
    out = [node]
    if isinstance(node, b.Bool):
        for part in node.must + node.should + node.must_not + node.filter:
            out += walk(part)
    return out


@pytest.fixture
def embedded(request: pytest.FixtureRequest, tmp_path: Path, analyzer: Analyzer) -> Searcher:
    backend = open_backend("embedded", request, tmp_path)
    request.addfinalizer(backend.close)
    return Searcher(backend, analyzer)


def test_alternatives_implied_by_others_are_dropped(embedded: Searcher) -> None:
    # 低保户 (a synonym of 低保) side by side always holds 低保: no phrase is walked for it.
    nodes = walk(embedded.request("低保").query)
    assert not any(isinstance(n, b.Phrase) and n.tokens == ("低保", "保户") for n in nodes)
    assert b.Term("bigrams", "低保") in nodes
    # 医疗机构 side by side implies its dictionary parts 医疗 … 机构 anywhere.
    nodes = walk(embedded.request("医疗机构").query)
    assert not any(isinstance(n, b.Phrase) and "疗机" in n.tokens for n in nodes)


def test_no_match_all_clause_for_an_empty_fq(embedded: Searcher) -> None:
    query = embedded.request("公交").query
    assert isinstance(query, b.Bool)
    assert not any(isinstance(n, b.MatchAll) for n in query.filter)
    assert b.Term("state", "published") in query.filter


@pytest.mark.parametrize("q", QUERIES)
def test_simplified_plans_find_what_full_plans_find(embedded: Searcher, q: str,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    simplified = embedded.search(q, facets=(("tags", "tags", -1, 1),))
    monkeypatch.setattr(plan, "_weakest", lambda alternatives: alternatives)
    full = embedded.search(q, facets=(("tags", "tags", -1, 1),))
    assert simplified.count == full.count
    assert {d["name"] for d in simplified.docs} == {d["name"] for d in full.docs}
    assert simplified.facets == full.facets


def test_trigrams_never_span_two_parts_or_a_latin_run() -> None:
    chars = "道 路 交 通 | 事 故 统 计 | 2024 年 度 报 gdp 增 |"
    assert cjk_triples(chars) == ["道路交", "路交通", "事故统", "故统计", "年度报"]


@pytest.mark.parametrize(("q", "field"), [("泗城镇", "trigrams"), ("低保", "bigrams"),
                                           ("gdp增长", "bigrams")])
def test_short_words_are_single_terms(embedded: Searcher, q: str, field: str) -> None:
    """Up to three ideographs are one term lookup; with a Latin run, pairs decide."""
    nodes = walk(embedded.request(q).query)
    assert not any(isinstance(n, b.Phrase) for n in nodes) or field == "bigrams" and "gdp" in q
    assert any(isinstance(n, b.Term) and n.field == field for n in nodes)
