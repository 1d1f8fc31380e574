"""The /dataset search page: query, facets as filters, sort, paging, errors, and the
searches offered when one finds nothing."""

from __future__ import annotations

import re

import pytest

from portal.services import Portal
from tests.conftest import org_params, package_params
from tests.web.conftest import Catalog


def titles(html: str) -> list[str]:
    """The result titles, without the <mark> of matched terms."""
    found = re.findall(r'<h3><a href="/dataset/[^"]+">(.*?)</a></h3>', html)
    return [re.sub(r"</?mark>", "", title) for title in found]


def suggestions(html: str) -> list[tuple[str, str, str, str]]:
    """(kind, link, link text, count) of each suggested search."""
    return re.findall(r'<li class="suggestion suggestion-([a-z_]+)">.*?<a href="([^"]+)">'
                      r'([^<]*)</a>\s*<span class="count">([^<]*)</span>', html, re.S)


def test_search_finds_by_words(client, catalog: Catalog) -> None:
    html = client.get("/dataset", query_string={"q": "学校"}).get_data(as_text=True)
    assert titles(html) == ["全县学校名录"]
    assert "共找到 1 个数据集" in html


def test_facets_are_shown_with_counts_and_labels(client, catalog: Catalog) -> None:
    html = client.get("/dataset").get_data(as_text=True)
    for heading in ("提供部门", "资源分类", "主题", "标签", "格式", "开放类型", "共享类型",
                    "更新周期", "许可协议"):
        assert f"<h2>{heading}</h2>" in html
    assert "基础库" in html and "主题库" in html
    assert "有条件共享" in html and "无条件共享" in html
    assert "知识共享署名 4.0" in html  # licence title in the page's language, not its id
    assert re.search(r'县教育局</span><span class="count">1</span>', html)


@pytest.mark.parametrize(("args", "expected"), [
    ({"organization": "water"}, ["出厂水水质月报"]),
    ({"classification": "base"}, ["全县学校名录"]),
    ({"tags": "教育"}, ["全县学校名录"]),
    ({"groups": "education"}, ["全县学校名录"]),
    ({"res_format": "CSV"}, ["全县学校名录"]),
    ({"share_type": "conditional"}, ["全县学校名录"]),
    ({"update_period": "monthly", "organization": "edu"}, ["全县学校名录"]),
    ({"classification": "base", "organization": "water"}, []),
])
def test_facet_filters_narrow_the_results(client, catalog: Catalog, args, expected) -> None:
    html = client.get("/dataset", query_string=args).get_data(as_text=True)
    assert titles(html) == expected


def test_facet_links_toggle_their_filter(client, catalog: Catalog) -> None:
    html = client.get("/dataset").get_data(as_text=True)
    assert 'href="/dataset?organization=water"' in html
    html = client.get("/dataset?organization=water").get_data(as_text=True)
    # the active value links back to the unfiltered page, and shows as a removable chip
    assert re.search(r'<a href="/dataset" class="active"', html)
    assert 'class="chip" href="/dataset"' in html


def test_sort_options(client, catalog: Catalog) -> None:
    html = client.get("/dataset", query_string={"sort": "name asc"}).get_data(as_text=True)
    assert titles(html) == ["全县学校名录", "出厂水水质月报"]  # schools < water-quality
    assert '<option value="name asc" selected>' in html
    html = client.get("/dataset", query_string={"sort": "title_string asc"}).get_data(as_text=True)
    assert '<option value="title_string asc" selected>' in html


def test_unknown_sort_falls_back_to_relevance(client, catalog: Catalog) -> None:
    response = client.get("/dataset", query_string={"sort": "drop table"})
    assert response.status_code == 200


def test_paging(client, portal: Portal, sysadmin) -> None:
    portal.call("organization_create", {"name": "stats", "title": "统计局"}, user=sysadmin)
    for n in range(45):
        portal.call("package_create", package_params(f"set-{n:02d}", "stats"), user=sysadmin)
    first = client.get("/dataset?sort=name+asc").get_data(as_text=True)
    assert len(titles(first)) == 20 and "共找到 45 个数据集" in first
    assert 'href="/dataset?sort=name+asc&amp;page=3"' in first
    third = client.get("/dataset?sort=name+asc&page=3").get_data(as_text=True)
    assert titles(third) == [f"测试数据集 set-{n}" for n in range(40, 45)]
    assert client.get("/dataset?page=abc").status_code == 200
    assert titles(client.get("/dataset?page=99").get_data(as_text=True)) == []


def test_paging_past_the_last_page_links_back(client, catalog: Catalog) -> None:
    html = client.get("/dataset?page=5").get_data(as_text=True)
    assert "没有更多结果了" in html and 'href="/dataset">回到第一页' in html
    assert "没有找到" not in html


def test_zero_results_page_is_friendly(client, catalog: Catalog) -> None:
    response = client.get("/dataset", query_string={"q": "没有这样的数据"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "没有找到与“没有这样的数据”相关的数据集" in html
    assert "请尝试减少或更换关键词" in html and "请检查是否有错别字" in html
    assert "请检查上方的筛选条件" not in html  # no filters chosen
    assert 'class="suggestions"' not in html  # nothing to offer


# (A stray quote is searched as text: tests/web/test_search_page_quotes.py.)
@pytest.mark.parametrize("q", ["(unbalanced", "x" * 2500])
def test_malformed_query_is_a_friendly_400(client, catalog: Catalog, q: str) -> None:
    response = client.get("/dataset", query_string={"q": q})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "无法识别的搜索条件" in html and "重新搜索" in html


def test_unknown_field_in_the_search_box_is_searched_as_text(client, catalog: Catalog) -> None:
    response = client.get("/dataset", query_string={"q": "nosuchfield:value"})
    assert response.status_code == 200
    assert "没有找到与“nosuchfield:value”相关的数据集" in response.get_data(as_text=True)


def test_filter_value_with_a_quote_is_searched_literally(client, catalog: Catalog) -> None:
    response = client.get("/dataset", query_string={"tags": 'a"b'})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "没有找到数据集" in html
    # the chosen value stays visible, and removable, although no entry carries it
    assert 'class="chip" href="/dataset"' in html and "标签：a&#34;b" in html


def test_organization_page_search_keeps_the_organization(client, catalog: Catalog) -> None:
    html = client.get("/organization/edu", query_string={"q": "水质"}).get_data(as_text=True)
    assert titles(html) == []
    html = client.get("/organization/edu", query_string={"q": "学校"}).get_data(as_text=True)
    assert titles(html) == ["全县学校名录"]
    assert "<h2>提供部门</h2>" not in html  # no facet for the fixed organization


# --- searches offered when one finds nothing -----------------------------------

@pytest.fixture
def transit(catalog: Catalog) -> Catalog:
    """The small catalog plus entries the suggestions lead to (and one they must not)."""
    portal, admin = catalog.portal, catalog.admin
    portal.call("organization_create", org_params("traffic", title="县交通运输局"), user=admin)
    portal.call("package_create", package_params(
        "bus-routes", "traffic", title="公交线路", notes="全县公交线路及站点。",
        tags=[{"name": "交通"}]), user=admin)
    portal.call("package_create", package_params(
        "dibao", "edu", title="城乡低保对象名单", notes="享受最低生活保障的城乡居民。"), user=admin)
    portal.call("package_create", package_params(
        "bus-secret", "traffic", title="公交司机排班表", private=True), user=admin)
    return catalog


def test_homophone_is_suggested_with_its_count(client, transit: Catalog) -> None:
    html = client.get("/dataset", query_string={"q": "公教"}).get_data(as_text=True)
    assert "没有找到与“公教”相关的数据集" in html
    assert ("homophone", "/dataset?q=%E5%85%AC%E4%BA%A4", "公交", "1 个数据集") in suggestions(html)
    assert "您是不是要找：<a" in html
    # the link finds what it promised
    found = client.get("/dataset?q=%E5%85%AC%E4%BA%A4").get_data(as_text=True)
    assert titles(found) == ["公交线路"]


def test_homophone_of_a_longer_query(client, transit: Catalog) -> None:
    html = client.get("/dataset", query_string={"q": "公教线路"}).get_data(as_text=True)
    offered = suggestions(html)
    assert offered[0][0] == "homophone" and offered[0][2:] == ("公交线路", "1 个数据集")


def test_words_that_found_nothing_are_dropped(client, transit: Catalog) -> None:
    html = client.get("/dataset", query_string={"q": "低保 火星"}).get_data(as_text=True)
    assert ("drop_words", "/dataset?q=%E4%BD%8E%E4%BF%9D", "低保", "1 个数据集") in suggestions(html)
    assert "去掉“火星”：" in html


def test_a_listed_term_inside_an_unknown_word(client, transit: Catalog) -> None:
    html = client.get("/dataset", query_string={"q": "公交车站"}).get_data(as_text=True)
    kinds = {(kind, text) for kind, _link, text, _count in suggestions(html)}
    assert ("related", "公交车") in kinds
    assert "相关词：" in html


def test_filters_that_exclude_everything_are_offered_for_removal(client, transit: Catalog) -> None:
    html = client.get("/dataset", query_string={"q": "学校", "organization": "water",
                                                 "tags": "水质"}).get_data(as_text=True)
    # dropping either filter alone still finds nothing: only dropping both is offered
    assert suggestions(html) == [
        ("drop_filters", "/dataset?q=%E5%AD%A6%E6%A0%A1", "学校", "1 个数据集")]
    assert "去掉筛选条件“提供部门：县自来水公司、标签：水质”" in html
    assert "请检查上方的筛选条件" in html
    # both filters still show as chips, with their names, though no entry has them now
    assert html.count('class="chip"') == 2 and "提供部门：县自来水公司" in html


def test_dropping_one_filter_of_several(client, transit: Catalog) -> None:
    html = client.get("/dataset", query_string={"q": "学校", "organization": "edu",
                                                 "tags": "水质"}).get_data(as_text=True)
    offered = suggestions(html)
    assert offered[0] == ("drop_filters", "/dataset?organization=edu&amp;q=%E5%AD%A6%E6%A0%A1",
                          "学校", "1 个数据集")
    assert "去掉筛选条件“标签：水质”" in html


def test_filters_alone_finding_nothing(client, transit: Catalog) -> None:
    html = client.get("/dataset", query_string={"organization": "water", "tags": "教育"}
                      ).get_data(as_text=True)
    assert "没有找到数据集" in html
    offered = {(kind, text, count) for kind, _link, text, count in suggestions(html)}
    assert ("drop_filters", "全部数据集", "4 个数据集") in offered


def test_suggestions_never_reveal_private_entries(client, transit: Catalog) -> None:
    # 司机排班 is only in a private entry's title: its homophone is not offered to the public
    html = client.get("/dataset", query_string={"q": "司机排版"}).get_data(as_text=True)
    assert suggestions(html) == [] and "排班" not in html
    transit.portal.call("package_patch", {"id": "bus-secret", "private": False},
                        user=transit.admin)
    html = client.get("/dataset", query_string={"q": "司机排版"}).get_data(as_text=True)
    assert ("homophone", "/dataset?q=%E5%8F%B8%E6%9C%BA%E6%8E%92%E7%8F%AD", "司机排班",
            "1 个数据集") in suggestions(html)


def test_suggestions_stay_on_the_organization_page(client, transit: Catalog) -> None:
    html = client.get("/organization/traffic", query_string={"q": "公教"}).get_data(as_text=True)
    assert ("homophone", "/organization/traffic?q=%E5%85%AC%E4%BA%A4", "公交",
            "1 个数据集") in suggestions(html)
    html = client.get("/organization/edu", query_string={"q": "公教"}).get_data(as_text=True)
    assert suggestions(html) == []  # 公交线路 is not the education bureau's


def test_zero_results_in_english(client, transit: Catalog) -> None:
    html = client.get("/dataset", query_string={"q": "公教", "lang": "en"}).get_data(as_text=True)
    assert "No datasets found for “公教”" in html
    assert "Did you mean <a" in html and "1 dataset" in html
    assert "Check the spelling" in html


def test_query_is_escaped_on_the_zero_results_page(client, transit: Catalog) -> None:
    q = '<img src=x onerror=alert(1)>火星'
    html = client.get("/dataset", query_string={"q": q}).get_data(as_text=True)
    assert "<img src=x" not in html
    assert "没有找到与“&lt;img src=x onerror=alert(1)&gt;火星”相关的数据集" in html


def test_suggestions_make_at_most_five_searches() -> None:
    from portal.search.analysis import shared_analyzer
    from portal.search.suggest import suggest
    from tests.web.test_search_highlight import DICTS

    made: list[tuple[str, tuple[tuple[str, str], ...]]] = []

    def search(q: str, filters: tuple[tuple[str, str], ...], rows: int) -> tuple[int, list[str]]:
        made.append((q, filters))
        return (3, ["公交线路"]) if q in ("gongjiao", "公交", "线路") else (0, [])

    analyzer = shared_analyzer(DICTS)
    found = suggest(analyzer, "公教 线路 火星 名单 站台 里程", [("tags", "x"), ("res_format", "CSV")],
                    search)
    assert len(made) <= 5
    assert len(made) == len(set(made))  # nothing searched twice
    assert all(s.count for s in found)
    made.clear()
    found = suggest(analyzer, "公教", [], search)
    assert [(s.kind, s.q, s.count) for s in found] == [("homophone", "公交", 3)]
    assert made == [("gongjiao", ()), ("公交", ())]


@pytest.mark.parametrize("q", ["tags:教育", "学校 OR 医院", "-学校", "title:公教", "*:*"])
def test_queries_with_syntax_get_no_word_suggestions(q: str) -> None:
    from portal.search.analysis import shared_analyzer
    from portal.search.suggest import query_units, suggest
    from tests.web.test_search_highlight import DICTS

    analyzer = shared_analyzer(DICTS)
    assert query_units(analyzer, q) is None
    assert suggest(analyzer, q, [], lambda *_: (7, ["学校"])) == []
