"""Matched terms marked in search results: words, synonyms, phrases, pinyin; escaped."""

from __future__ import annotations

import re

import pytest

from portal.search.analysis import Dictionaries, shared_analyzer
from portal.search.highlight import ELLIPSIS, Highlighter
from portal.settings import PROJECT_ROOT
from tests.conftest import org_params, package_params
from tests.web.conftest import Catalog

SEARCH_CONFIG = PROJECT_ROOT / "config" / "search"
DICTS = Dictionaries(userdict=SEARCH_CONFIG / "userdict.txt",
                     synonyms=SEARCH_CONFIG / "synonyms.txt",
                     stopwords=SEARCH_CONFIG / "stopwords.txt")


def marked(q: str, text: str, *, title: bool = True) -> str:
    marker = Highlighter(shared_analyzer(DICTS), q)
    return str(marker.title(text) if title else marker.excerpt(text))


@pytest.mark.parametrize(("q", "text", "expected"), [
    ("水质", "出厂水水质月报", "出厂水<mark>水质</mark>月报"),
    # a synonym of the typed word (学校名录 is listed with 学校)
    ("学校", "全县学校名录", "全县<mark>学校名录</mark>"),
    # a synonym of the typed word
    ("最低生活保障", "城乡低保对象名单", "城乡<mark>低保</mark>对象名单"),
    ("公交车", "公交线路与公共交通站点", "<mark>公交</mark>线路与<mark>公共交通</mark>站点"),
    # the characters of a word side by side, as the index matches them
    ("交通事故", "农村交通 事故统计", "农村<mark>交通 事故</mark>统计"),
    # every word of a query; the words jieba cut from one chunk
    ("水质 月报", "出厂水水质月报", "出厂水<mark>水质月报</mark>"),
    ('"学校名录"', "学校的名录", "学校的名录"),
    ('"学校名录"', "全县学校名录", "全县<mark>学校名录</mark>"),
    # pinyin and pinyin initials of title characters
    ("gongjiao", "公交线路", "<mark>公交</mark>线路"),
    ("gjxl", "全县公交线路", "全县<mark>公交线路</mark>"),
    ("xianlu", "公交线路（2024）", "公交<mark>线路</mark>（2024）"),
    # Latin letters and digits match whole, whatever their width or case
    ("gdp", "全县ＧＤＰ统计", "全县<mark>ＧＤＰ</mark>统计"),
    ("2024", "2024年水质月报", "<mark>2024</mark>年水质月报"),
    ("202", "2024年水质月报", "2024年水质月报"),
    # stopwords do not have to match and are not marked, unless nothing else was asked
    ("水质数据", "水质数据", "<mark>水质</mark>数据"),
    ("数据", "水质数据", "水质<mark>数据</mark>"),
    # (as in the planner, a chunk of stopwords alone must match, so it is marked)
    ("水质 数据", "水质数据", "<mark>水质数据</mark>"),
    # what the query excludes is not marked
    ("水质 -月报", "水质月报", "<mark>水质</mark>月报"),
    ("tags:水质", "水质月报", "水质月报"),
    ("", "水质月报", "水质月报"),
])
def test_title_marks(q: str, text: str, expected: str) -> None:
    assert marked(q, text) == expected


def test_pinyin_marks_titles_only() -> None:
    assert marked("gongjiao", "公交线路", title=False) == "公交线路"


def test_markup_in_titles_and_queries_stays_text() -> None:
    out = marked("<script>", "<script>alert(1)</script>学校")
    assert out == "&lt;<mark>script</mark>&gt;alert(1)&lt;/<mark>script</mark>&gt;学校"
    out = marked("<img src=x onerror=alert(1)>", '"><img src=x onerror=alert(1)> 学校')
    assert "<img" not in out and "&lt;<mark>img</mark>" in out
    assert marked("<mark>", "a <mark> b") == "a &lt;<mark>mark</mark>&gt; b"


def test_excerpt_is_a_window_around_the_first_match() -> None:
    notes = "本表" + "各乡镇统计口径说明。" * 20 + "享受最低生活保障的城乡居民名单。" + "更新说明。" * 20
    out = marked("低保", notes, title=False)
    assert out.startswith(ELLIPSIS) and out.endswith(ELLIPSIS)
    assert "<mark>最低生活保障</mark>" in out
    plain = re.sub(r"</?mark>", "", out)
    assert 110 <= len(plain) - 2 <= 125
    before = plain[1:plain.index("最低生活保障")]
    assert 10 <= len(before) <= 30  # the match stands near the start


def test_excerpt_without_a_match_is_the_beginning() -> None:
    notes = "开头" + "一二三四五六七八九十" * 20
    out = marked("火星", notes, title=False)
    assert out.startswith("开头") and out.endswith(ELLIPSIS) and "<mark>" not in out
    assert marked("火星", "短的摘要", title=False) == "短的摘要"


def test_excerpt_near_the_end_shows_a_full_window() -> None:
    notes = "一二三四五六七八九十" * 20 + "学校"
    out = marked("学校", notes, title=False)
    assert out.startswith(ELLIPSIS) and out.endswith("<mark>学校</mark>")
    assert len(re.sub(r"</?mark>", "", out)) == 121


def test_excerpt_does_not_cut_latin_words() -> None:
    notes = " ".join(["lorem"] * 40) + " schools " + " ".join(["ipsum"] * 40)
    out = marked("schools", notes, title=False)
    words = re.sub(r"</?mark>", "", out).strip(ELLIPSIS).split()
    assert set(words) <= {"lorem", "schools", "ipsum"}


# --- on the page ---------------------------------------------------------------

def result_items(html: str) -> list[str]:
    return re.findall(r'<li class="ds-item">(.*?)</li>', html, re.S)


@pytest.fixture
def welfare(catalog: Catalog) -> Catalog:
    portal, admin = catalog.portal, catalog.admin
    portal.call("organization_create", org_params("civil", title="县民政局"), user=admin)
    portal.call("package_create", package_params(
        "dibao", "civil", title="城乡低保对象名单",
        notes="## 说明\n\n" + "本数据按乡镇汇总，" * 12 + "列出享受**最低生活保障**的城乡居民。"),
        user=admin)
    portal.call("package_create", package_params(
        "bus-routes", "civil", title="公交线路", notes="全县公交线路。"), user=admin)
    portal.call("package_create", package_params(
        "xss", "civil", title="<script>alert('t')</script>名册",
        notes="<script>alert('n')</script>名册说明"), user=admin)
    return catalog


def test_synonym_finds_and_marks_the_entry(client, welfare: Catalog) -> None:
    html = client.get("/dataset", query_string={"q": "最低生活保障"}).get_data(as_text=True)
    [item] = result_items(html)
    assert '<a href="/dataset/dibao">城乡<mark>低保</mark>对象名单</a>' in item
    notes = re.search(r'<p class="ds-notes">(.*?)</p>', item, re.S).group(1)
    # the summary's Markdown is read as text, and the window starts near the match
    assert notes.startswith(ELLIPSIS) and "##" not in notes and "**" not in notes
    assert "<mark>最低生活保障</mark>的城乡居民。" in notes


def test_pinyin_query_marks_the_title(client, welfare: Catalog) -> None:
    html = client.get("/dataset", query_string={"q": "gongjiao"}).get_data(as_text=True)
    [item] = result_items(html)
    assert "<mark>公交</mark>线路</a>" in item


def test_script_in_titles_and_in_the_query_is_inert(client, welfare: Catalog) -> None:
    html = client.get("/dataset", query_string={"q": "<script>名册"}).get_data(as_text=True)
    [item] = result_items(html)
    assert "<script>alert" not in html
    assert ("&lt;<mark>script</mark>&gt;alert(&#39;t&#39;)&lt;/<mark>script</mark>&gt;"
            "<mark>名册</mark></a>") in item
    assert "&lt;<mark>script</mark>&gt;alert(&#39;n&#39;)" in item
    assert 'value="&lt;script&gt;名册"' in html  # the search box


def test_no_query_marks_nothing(client, welfare: Catalog) -> None:
    html = client.get("/dataset").get_data(as_text=True)
    assert "<mark>" not in html
    assert "<script>alert" not in html
