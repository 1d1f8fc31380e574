"""The /dataset search page: query, facets as filters, sort, paging, errors."""

from __future__ import annotations

import re

import pytest

from portal.services import Portal
from tests.conftest import package_params
from tests.web.conftest import Catalog


def titles(html: str) -> list[str]:
    return re.findall(r'<h3><a href="/dataset/[^"]+">([^<]+)</a></h3>', html)


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
    assert "Creative Commons Attribution 4.0" in html  # licence title, not its id
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


def test_zero_results_page_is_friendly(client, catalog: Catalog) -> None:
    response = client.get("/dataset", query_string={"q": "没有这样的数据"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "没有找到数据集" in html and "请尝试减少或更换关键词" in html


@pytest.mark.parametrize("q", ['"unbalanced', "x" * 2500])
def test_malformed_query_is_a_friendly_400(client, catalog: Catalog, q: str) -> None:
    response = client.get("/dataset", query_string={"q": q})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "无法识别的搜索条件" in html and "重新搜索" in html


def test_unknown_field_in_the_search_box_is_searched_as_text(client, catalog: Catalog) -> None:
    response = client.get("/dataset", query_string={"q": "nosuchfield:value"})
    assert response.status_code == 200
    assert "没有找到数据集" in response.get_data(as_text=True)


def test_filter_value_with_a_quote_is_searched_literally(client, catalog: Catalog) -> None:
    response = client.get("/dataset", query_string={"tags": 'a"b'})
    assert response.status_code == 200
    assert "没有找到数据集" in response.get_data(as_text=True)


def test_organization_page_search_keeps_the_organization(client, catalog: Catalog) -> None:
    html = client.get("/organization/edu", query_string={"q": "水质"}).get_data(as_text=True)
    assert titles(html) == []
    html = client.get("/organization/edu", query_string={"q": "学校"}).get_data(as_text=True)
    assert titles(html) == ["全县学校名录"]
    assert "<h2>提供部门</h2>" not in html  # no facet for the fixed organization
