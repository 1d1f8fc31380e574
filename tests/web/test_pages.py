"""Every public page renders, in Chinese by default and in English on request."""

from __future__ import annotations

import pytest

from tests.web.conftest import Catalog

PAGES = ["/", "/dataset", "/dataset/schools", "/organization", "/organization/edu", "/group",
         "/group/education"]


@pytest.mark.parametrize("path", PAGES)
def test_page_renders_in_chinese_by_default(client, catalog: Catalog, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="zh-CN">' in html
    assert "泗县公共数据开放平台" in html
    assert "数据目录" in html and "首页" in html


@pytest.mark.parametrize("path", PAGES)
def test_page_renders_in_english_with_the_switch(client, catalog: Catalog, path: str) -> None:
    html = client.get(path, query_string={"lang": "en"}).get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Sixian County Open Data Portal" in html
    assert ">Datasets<" in html
    assert "数据目录" not in html


def test_language_choice_is_remembered(client, catalog: Catalog) -> None:
    client.get("/?lang=en")
    html = client.get("/dataset/schools").get_data(as_text=True)
    assert "Resource code" in html and "信息资源代码" not in html
    client.get("/?lang=zh")
    assert "信息资源代码" in client.get("/dataset/schools").get_data(as_text=True)


def test_unknown_language_is_ignored(client, catalog: Catalog) -> None:
    html = client.get("/?lang=xx").get_data(as_text=True)
    assert '<html lang="zh-CN">' in html


def test_header_links_switch_language_and_keep_the_query(client, catalog: Catalog) -> None:
    html = client.get("/dataset?q=学校&tags=教育").get_data(as_text=True)
    assert 'href="/dataset?q=%E5%AD%A6%E6%A0%A1&amp;tags=%E6%95%99%E8%82%B2&amp;lang=en"' in html


def test_home_shows_counts_classes_themes_chart_and_newest(client, catalog: Catalog) -> None:
    html = client.get("/").get_data(as_text=True)
    for text in ("基础库", "主题库", "部门库", "教育文化", "全县学校名录", "出厂水水质月报"):
        assert text in html
    assert 'href="/dataset?classification=base"' in html
    assert "<svg" in html and "各部门数据集数量" in html
    assert 'href="/organization/edu"' in html
    assert '<strong>2</strong><span>数据目录</span>' in html  # two public datasets
    assert 'action="/dataset"' in html


def test_home_on_an_empty_catalog(client) -> None:
    html = client.get("/").get_data(as_text=True)
    assert "尚未发布数据集" in html


def test_organization_list_shows_type_labels_and_counts(client, catalog: Catalog) -> None:
    html = client.get("/organization").get_data(as_text=True)
    assert "委办局" in html and "公用企业" in html
    assert "县教育局" in html and "1 个数据集" in html


def test_organization_page_lists_its_datasets_only(client, catalog: Catalog) -> None:
    html = client.get("/organization/water").get_data(as_text=True)
    assert "出厂水水质月报" in html and "全县学校名录" not in html
    assert "公用企业" in html


def test_group_page_lists_its_datasets(client, catalog: Catalog) -> None:
    html = client.get("/group/education").get_data(as_text=True)
    assert "全县学校名录" in html and "出厂水水质月报" not in html


@pytest.mark.parametrize("path", ["/organization/nobody", "/group/nothing", "/no/such/page"])
def test_unknown_pages_are_themed_404s(client, catalog: Catalog, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "页面不存在" in html and "返回首页" in html


def test_api_errors_stay_out_of_the_theme(client) -> None:
    response = client.get("/api/3/no-such-endpoint")
    assert response.status_code == 404
    assert "返回首页" not in response.get_data(as_text=True)


def test_server_error_page_is_themed(app, client, monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    app.config["TESTING"] = False
    app.config["PROPAGATE_EXCEPTIONS"] = False
    monkeypatch.setattr(app.extensions["shuyuan"], "call", broken)
    response = client.get("/")
    assert response.status_code == 500
    assert "系统出错了" in response.get_data(as_text=True)


def test_static_assets_are_local(client) -> None:
    html = client.get("/").get_data(as_text=True)
    assert "//cdn" not in html and "https://" not in html.split("<main")[0]
    assert client.get("/static/css/portal.css").status_code == 200
    assert client.get("/static/js/portal.js").status_code == 200


@pytest.mark.parametrize("query", ["id=x", "_external=1&_scheme=javascript", "name=y&lang=en"])
def test_odd_query_arguments_do_not_break_pages(client, catalog: Catalog, query: str) -> None:
    for path in ("/dataset/schools", "/organization/edu", "/dataset"):
        response = client.get(f"{path}?{query}")
        assert response.status_code == 200
        assert "javascript:" not in response.get_data(as_text=True)
