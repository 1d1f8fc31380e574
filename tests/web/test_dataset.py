"""One catalog entry's page, and what the public must not see."""

from __future__ import annotations

import pytest

from portal.core.errors import ValidationError
from tests.web.conftest import Catalog


def test_dataset_page_shows_every_catalog_element(client, catalog: Catalog) -> None:
    html = client.get("/dataset/schools").get_data(as_text=True)
    for text in (
        "全县学校名录", "用于测试的目录条目。", "信息资源代码", "341324-schools",
        "资源分类", "基础库", "教育/学校", "提供方", "县教育局", "更新周期", "每月",
        "共享类型", "有条件共享", "用于教育管理", "共享方式", "文件下载", "法律依据", "《教育法》",
        "开放类型", "无条件开放", "使用要求", "注明来源", "申请材料", "申请函",
        "数据分级", "一般数据",
        "发布日期", "2024-01-15", "空间范围", "全县", "时间范围", "2020-01-01 — 2023-12-31",
        "许可协议", "知识共享署名 4.0", "教育文化", "学校", "联系人", "王老师",
    ):
        assert text in html, text


def test_dataset_page_shows_data_items(client, catalog: Catalog) -> None:
    html = client.get("/dataset/schools").get_data(as_text=True)
    assert "信息项" in html and "学校名称" in html and "学校全称" in html and "校长姓名" in html
    assert '<span class="badge badge-personal">是</span>' in html


def test_dataset_page_lists_resources_with_download_links(client, catalog: Catalog) -> None:
    html = client.get("/dataset/schools").get_data(as_text=True)
    rid = catalog.upload["id"]
    assert f'href="/dataset/schools/resource/{rid}/download/' in html
    assert 'href="https://edu.example.cn/schools"' in html
    assert "学校名录" in html and "教育局网站" in html and "HTML" in html


def test_dataset_page_shows_an_api_example(client, catalog: Catalog) -> None:
    html = client.get("/dataset/schools").get_data(as_text=True)
    assert "/api/3/action/package_show?id=schools" in html
    assert "ckanapi action package_show id=schools" in html
    assert "RemoteCKAN" in html


def test_dataset_page_by_id(client, catalog: Catalog) -> None:
    response = client.get(f"/dataset/{catalog.schools['id']}")
    assert response.status_code == 200


def test_dataset_page_in_english(client, catalog: Catalog) -> None:
    html = client.get("/dataset/schools?lang=en").get_data(as_text=True)
    for text in ("Resource code", "Base library", "Conditional sharing", "Legal basis",
                 "Data items", "Personal information", "Monthly"):
        assert text in html, text


@pytest.mark.parametrize("name", ["budget-draft", "staff-private", "no-such-dataset"])
def test_hidden_and_unknown_datasets_are_404(client, catalog: Catalog, name: str) -> None:
    response = client.get(f"/dataset/{name}")
    assert response.status_code == 404
    assert "页面不存在" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/", "/dataset", "/dataset?q=预算", "/organization/edu",
                                  "/dataset?q=内部"])
def test_hidden_datasets_are_absent_from_lists(client, catalog: Catalog, path: str) -> None:
    html = client.get(path).get_data(as_text=True)
    assert "未发布的预算草稿" not in html and "budget-draft" not in html
    assert "内部人员名单" not in html and "staff-private" not in html


def test_deleted_dataset_is_404(client, catalog: Catalog) -> None:
    catalog.portal.call("package_delete", {"id": "schools"}, user=catalog.admin)
    assert client.get("/dataset/schools").status_code == 404


def test_summary_markdown_cannot_inject_script(client, catalog: Catalog) -> None:
    catalog.portal.call("package_patch", {"id": "schools", "notes": (
        "**粗体** <script>alert(1)</script> [link](javascript:alert(1))")}, user=catalog.admin)
    html = client.get("/dataset/schools").get_data(as_text=True)
    assert "<strong>粗体</strong>" in html
    assert "<script>alert" not in html and 'href="javascript:' not in html


def test_javascript_resource_urls_are_refused_before_they_reach_a_page(
        client, catalog: Catalog) -> None:
    with pytest.raises(ValidationError):
        catalog.portal.call("resource_create", {"package_id": "schools", "name": "危险链接",
                                                "url": "javascript:alert(1)"}, user=catalog.admin)
    html = client.get("/dataset/schools").get_data(as_text=True)
    assert "危险链接" not in html and 'href="javascript:' not in html
