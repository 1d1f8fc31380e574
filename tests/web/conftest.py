"""A small published catalog, plus entries the public must not see."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import pytest

from portal.actions.registry import Caller
from portal.actions.resources import Upload
from portal.services import Portal
from tests.conftest import org_params, package_params

CSV_BYTES = "学校名称,地址\n县第一中学,城关镇人民路1号\n".encode()


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
