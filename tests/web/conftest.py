"""A small published catalog, plus entries the public must not see."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import pytest

from portal.actions.resources import Upload
from portal.core.context import Caller
from portal.services import Portal
from tests.conftest import org_params, package_params

CSV_BYTES = "学校名称,学生数\n县第一中学,1200\n".encode()


@dataclass
class Catalog:
    portal: Portal
    admin: Caller
    schools: dict[str, Any]
    upload: dict[str, Any]
    link: dict[str, Any]


def create_catalog(portal: Portal, admin: Caller) -> Catalog:
    portal.call("organization_create", org_params("edu", title="县教育局"), user=admin)
    portal.call("organization_create",
                org_params("water", title="县自来水公司", organization_type="public_utility"),
                user=admin)
    portal.call("group_create", {"name": "education", "title": "教育文化"}, user=admin)
    schools = portal.call("package_create", package_params(
        "schools", "edu", title="全县学校名录", classification="base",
        category_path="教育/学校", tags=[{"name": "教育"}, {"name": "学校"}],
        groups=[{"name": "education"}], spatial="全县", issued="2024-01-15",
        temporal_start="2020-01-01", temporal_end="2023-12-31",
        share_type="conditional", share_condition="用于教育管理", legal_basis="《教育法》",
        share_method="file", use_requirements="注明来源", required_materials=["申请函"],
        data_items=[{"name": "学校名称", "type": "text", "description": "学校全称"},
                    {"name": "校长姓名", "type": "text", "personal": True}],
        extras=[{"key": "联系人", "value": "王老师"}],
        resources=[
            {"name": "学校名录", "upload": Upload("学校名录 2024.csv", io.BytesIO(CSV_BYTES))},
            {"name": "教育局网站", "url": "https://edu.example.cn/schools", "format": "HTML"},
        ],
    ), user=admin)
    portal.call("package_create", package_params(
        "water-quality", "water", title="出厂水水质月报", classification="thematic",
        update_period="monthly", tags=[{"name": "水质"}],
        resources=[{"name": "2024年1月", "url": "https://water.example.cn/q.xlsx"}],
    ), user=admin)
    portal.call("package_create", package_params(
        "budget-draft", "edu", title="未发布的预算草稿", publication_state="draft"), user=admin)
    portal.call("package_create", package_params(
        "staff-private", "edu", title="内部人员名单", private=True), user=admin)
    upload, link = schools["resources"]
    return Catalog(portal, admin, schools, upload, link)


@pytest.fixture
def catalog(portal: Portal, sysadmin: Caller) -> Catalog:
    return create_catalog(portal, sysadmin)


# A county spreadsheet as departments send them: GBK, quoted commas and line breaks,
# negative numbers, and text that a spreadsheet would run as a formula.
TABLE_ROWS = [
    ["区域", "人口", "面积", "日期", "备注"],
    ["城关镇", "52000", "-12.5", "2024-01-05", "=1+1"],
    ["双河镇", "18800", "3.25", "2024-02-01", "含,逗号"],
    ["大庄镇", "-7", "0.5", "2023-12-31", "+1 (800) 000"],
    ["草沟镇", "21000", "-0.75", "2024-03-15", "@SUM(A1)"],
    ["黄圩镇", "9900", "12.75", "2024-04-01", "多行\n备注"],
    ["长沟镇", "15000", "-3.5", "2024-05-20", "-12.5"],
    ["墩集镇", "", "1.5", "", '引号"内'],
]


def gbk_csv(rows: list[list[str]]) -> bytes:
    import csv

    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode("gbk")


@dataclass
class Table:
    catalog: Catalog
    resource: dict[str, Any]

    @property
    def id(self) -> str:
        return str(self.resource["id"])


def load_table(catalog: Catalog, rows: list[list[str]], name: str = "乡镇人口.csv",
               dataset: str = "schools") -> Table:
    """Upload a GBK CSV and wait for the background load into the datastore."""
    res = catalog.portal.call("resource_create", {
        "package_id": dataset, "name": name.rsplit(".", 1)[0],
        "upload": Upload(name, io.BytesIO(gbk_csv(rows)))}, user=catalog.admin)
    assert catalog.portal.jobs.wait_idle(60)
    res = catalog.portal.call("resource_show", {"id": res["id"]}, user=catalog.admin)
    assert res["datastore_active"], res.get("datastore_error")
    return Table(catalog, res)


@pytest.fixture
def table(catalog: Catalog) -> Table:
    return load_table(catalog, TABLE_ROWS)
