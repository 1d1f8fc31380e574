""""您是不是要找" on the search page: close catalog words for a query with few hits."""

from __future__ import annotations

import re

import pytest

from portal.services import Portal
from tests.web.conftest import Catalog
from tests.web.test_search import suggestions, titles


@pytest.fixture(autouse=True)
def fresh_vocabulary(portal: Portal) -> None:
    # Each test builds its catalog in its own transaction: read the words anew.
    portal.search._vocabulary = None


def corrections(html: str) -> list[str]:
    """Searches offered as "did you mean": above the results, or (a homophone of a
    search that found nothing, with its count) among the suggestions below."""
    block = re.search(r'<p class="did-you-mean" id="did-you-mean">(.*?)</p>', html, re.S)
    above = re.findall(r'<a href="[^"]+">([^<]*)</a>', block.group(1)) if block else []
    below = [text for kind, _link, text, _count in suggestions(html) if kind == "homophone"]
    return above + below


@pytest.mark.parametrize(("q", "expected"), [
    ("学效", "学校"),       # a wrong character that reads the same
    ("xuexao", "学校"),     # pinyin with a slip
    ("自来谁", "自来水"),   # a wrong character in a longer word
    ("水值", "水质"),
])
def test_close_words_are_offered(client, catalog: Catalog, q: str, expected: str) -> None:
    html = client.get("/dataset", query_string={"q": q}).get_data(as_text=True)
    assert "您是不是要找：" in html
    assert expected in corrections(html)


def test_the_link_searches_the_corrected_words(client, catalog: Catalog) -> None:
    html = client.get("/dataset", query_string={"q": "学效"}).get_data(as_text=True)
    link = re.search(r'(?:id="did-you-mean">|suggestion-homophone">).*?<a href="([^"]+)">学校</a>',
                     html, re.S)
    assert link
    followed = client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert titles(followed) == ["全县学校名录"] and "did-you-mean" not in followed


def test_pinyin_that_already_finds_is_not_corrected(client, catalog: Catalog) -> None:
    # xuexiao finds 全县学校名录 by its title's pinyin: 学校 would find no more.
    html = client.get("/dataset", query_string={"q": "xuexiao"}).get_data(as_text=True)
    assert titles(html) == ["全县学校名录"] and corrections(html) == []


def test_english_page(client, catalog: Catalog) -> None:
    html = client.get("/dataset", query_string={"q": "xuexao", "lang": "en"}).get_data(as_text=True)
    assert "Did you mean:" in html and "学校" in corrections(html)


def test_words_of_unpublished_or_private_entries_are_never_offered(client,
                                                                    catalog: Catalog) -> None:
    # 预算草稿 is a draft's title, 人员名单 a private entry's: a near miss must not reveal them.
    for q in ("预算草搞", "人员名担", "yusuancaogao", "renyuanmingdan"):
        html = client.get("/dataset", query_string={"q": q}).get_data(as_text=True)
        offered = corrections(html)
        assert not any(w in " ".join(offered) for w in ("预算", "草稿", "人员", "名单")), offered


def test_a_query_with_enough_hits_gets_none(client, catalog: Catalog) -> None:
    html = client.get("/dataset", query_string={"q": "学校"}).get_data(as_text=True)
    assert "did-you-mean" not in html


def test_odd_input_is_no_error(client, catalog: Catalog) -> None:
    for q in ("ｘｕｅｘａｏ", "学效\"", "a" * 500, "' OR 1=1 --", "学效 AND", "\u200b学效"):
        assert client.get("/dataset", query_string={"q": q}).status_code in (200, 400)
