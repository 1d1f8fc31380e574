"""The real `ckanapi` command-line client against live servers.

A catalog is dumped from one instance with `ckanapi dump` and loaded into a
second, empty instance (its own database and blob store) with `ckanapi load`;
then every entry is compared field by field with package_show on both sides.

What may legitimately differ, and why:
- metadata_created / metadata_modified, the resources' created / last_modified /
  metadata_modified, and the organization's created: they are the time of the load;
- creator_user_id: the loading user on the second site;
- tag ids: a tag is a name, and each site numbers its tags itself;
- the host in the URL of an uploaded file: the file is copied (--upload-resources)
  and served by the second site, at the same path (same dataset and resource ids).
Everything else must be equal, including the national catalog elements.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests

from portal.core.context import SYSTEM
from portal.services import Portal
from tests.api.helpers import make_user
from tests.conftest import org_params, package_params

pytestmark = pytest.mark.slow

CKANAPI = Path(sys.executable).parent / "ckanapi"
TIMEOUT = 120

LOAD_TIME = {"metadata_created", "metadata_modified", "creator_user_id"}
RESOURCE_LOAD_TIME = {"created", "last_modified", "metadata_modified"}


def ckanapi(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    # `ckanapi load` and `dump` start workers by running "ckanapi" from PATH.
    env = {**os.environ, "PATH": f"{CKANAPI.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run([str(CKANAPI), *args], input=stdin, capture_output=True,
                          timeout=TIMEOUT, env=env, check=False)
    assert done.returncode == 0, (args, done.stdout[-2000:], done.stderr[-2000:])
    return done


def action(url: str, name: str, token: str = "", /, **params: Any) -> Any:
    response = requests.post(f"{url}/api/3/action/{name}", json=params, timeout=30,
                             headers={"Authorization": token} if token else {})
    body = response.json()
    assert body["success"], body
    return body["result"]


def upload(url: str, token: str, package_id: str, filename: str, content: bytes,
           **fields: str) -> dict[str, Any]:
    response = requests.post(f"{url}/api/3/action/resource_create", timeout=30,
                             data={"package_id": package_id, **fields},
                             files={"upload": (filename, io.BytesIO(content))},
                             headers={"Authorization": token})
    assert response.status_code == 200, response.text
    return response.json()["result"]


def build_catalog(url: str, portal: Portal, token: str) -> None:
    """Organizations, groups and entries with everything a round trip could lose."""
    portal.call("organization_create", org_params(
        "sx-bureau", title="泗县数据资源管理局", organization_type="bureau", code="11341324MB"),
        user=SYSTEM)
    # "edu" sorts before its parent "sx-bureau": the load must not depend on the order.
    portal.call("organization_create", org_params(
        "edu", title="泗县教育局", description="主管全县教育。", parent_id="sx-bureau",
        extras=[{"key": "联系电话", "value": "0557-1234567"}]), user=SYSTEM)
    portal.call("organization_create", org_params("health", title="泗县卫生健康委员会"),
                user=SYSTEM)
    for name, title in (("education", "教育"), ("public-health", "卫生健康")):
        portal.call("group_create", {"name": name, "title": title,
                                     "description": f"{title}主题的数据。"}, user=SYSTEM)
    action(url, "package_create", token, **package_params(
        "schools", "edu", title="全县中小学名录", notes="学校名称、地址与联系电话。",
        tags=[{"name": "学校"}, {"name": "教育"}], groups=[{"name": "education"}],
        extras=[{"key": "来源系统", "value": "学籍管理系统"}, {"key": "level", "value": "county"}],
        data_items=[{"name": "学校名称", "type": "text", "description": "全称", "personal": False},
                    {"name": "在校生数", "type": "integer", "description": "", "personal": False}],
        category_path="教育/基础教育", format="电子表格", issued="2024-03-01",
        temporal_start="2023-09-01", temporal_end="2024-07-15", spatial="泗县全域",
        required_materials=["申请函"], use_requirements="注明数据来源",
        license_id="CC-BY-4.0", version="2024",
        resources=[{"name": "教育局网站", "url": "http://edu.example.cn/schools",
                    "format": "HTML", "description": "原始发布页"}]))
    upload(url, token, "schools", "学校名单.csv", "学校名称,在校生数\n泗县一中,3200\n".encode(),
           name="学校名单", description="逗号分隔，UTF-8")
    action(url, "package_create", token, **package_params(
        "medical-permits", "health", title="医疗机构执业许可", notes="许可证号与有效期。",
        share_type="conditional", share_condition="仅向卫生健康、市场监管部门共享",
        share_method="table_exchange", legal_basis="《医疗机构管理条例》第二十四条",
        # Open: ckanapi copies files by downloading them anonymously, and the public
        # downloads only what the desensitization gate released.
        open_type="unconditional", grading="general", update_period="daily",
        tags=[{"name": "医疗"}, {"name": "许可"}], groups=[{"name": "public-health"}],
        data_items=[{"name": "法定代表人身份证号", "type": "text", "description": "",
                     "personal": True}],
        license_id="odc-odbl"))
    upload(url, token, "medical-permits", "permits.json", b'[{"no": "PDY0001"}]',
           format="JSON")
    # No broken file here: the gate cannot read one, so it is withheld from the public,
    # and ckanapi copies files by anonymous download (it would copy the 403 page).
    # Not public: must not travel with a public dump.
    portal.call("package_create", package_params("draft-plan", "edu", publication_state="draft"),
                user=SYSTEM)
    portal.call("package_create", package_params("private-list", "edu", private=True),
                user=SYSTEM)


def comparable(package: dict[str, Any]) -> dict[str, Any]:
    """package_show without what legitimately differs between the two sites (see above)."""
    out = {k: v for k, v in package.items() if k not in LOAD_TIME}
    out["organization"] = {k: v for k, v in package["organization"].items() if k != "created"}
    out["tags"] = [{k: v for k, v in t.items() if k != "id"} for t in package["tags"]]
    out["resources"] = []
    for res in package["resources"]:
        res = {k: v for k, v in res.items() if k not in RESOURCE_LOAD_TIME}
        if res["url_type"] == "upload":
            res["url"] = res["url"].split("/", 3)[3]  # drop scheme and host
        # A copied file is the target's version 1, made at load time.
        res["versions"] = [{k: v for k, v in ver.items() if k not in RESOURCE_LOAD_TIME | {"url"}}
                           for ver in res.get("versions", [])]
        out["resources"].append(res)
    return out


def test_status_show_and_search_through_the_ckanapi_cli(live_server_factory: Any) -> None:
    server, portal = live_server_factory("live")
    token = make_user(portal, "bureau", sysadmin=True)[1]
    portal.call("organization_create", org_params("edu"), user=SYSTEM)
    action(server.url, "package_create", token,
           **package_params("schools", "edu", title="全县中小学名录"))
    action(server.url, "package_create", token, **package_params("clinics", "edu"))
    status = json.loads(ckanapi("action", "status_show", "-r", server.url).stdout)
    assert status["site_url"] == server.url and status["ckan_version"].startswith("2.")
    found = ckanapi("search", "datasets", "q=中小学", "-r", server.url).stdout.splitlines()
    assert [json.loads(line)["name"] for line in found] == ["schools"]


def test_a_catalog_round_trips_through_ckanapi_dump_and_load(
        live_server_factory: Any, second_database_url: str, tmp_path: Path) -> None:
    source, source_portal = live_server_factory("source")
    build_catalog(source.url, source_portal,
                  make_user(source_portal, "bureau", sysadmin=True)[1])
    target, target_portal = live_server_factory("second", db_url=second_database_url)
    token = make_user(target_portal, "loader", sysadmin=True)[1]

    for thing in ("organizations", "groups", "datasets"):
        dump = tmp_path / f"{thing}.jsonl"
        ckanapi("dump", thing, "--all", "-q", "-p", "1", "-O", str(dump), "-r", source.url)
        extra = ["--upload-resources"] if thing == "datasets" else []
        ckanapi("load", thing, "-I", str(dump), "-p", "1", *extra, "-r", target.url, "-a", token)

    # Loading again updates what is there (ckanapi calls *_update): nothing is duplicated.
    for thing in ("organizations", "datasets"):
        extra = ["--upload-resources"] if thing == "datasets" else []
        ckanapi("load", thing, "-I", str(tmp_path / f"{thing}.jsonl"), "-p", "1", *extra,
                "-r", target.url, "-a", token)

    names = action(source.url, "package_list")
    assert sorted(names) == ["medical-permits", "schools"]
    assert action(target.url, "package_list") == names
    for name in names:
        before = action(source.url, "package_show", id=name)
        after = action(target.url, "package_show", id=name)
        assert comparable(after) == comparable(before), name
        for res in after["resources"]:
            if res["url_type"] == "upload":  # the file itself came across, byte for byte
                assert res["url"].startswith(target.url)
                copied = requests.get(res["url"], timeout=30)
                assert copied.status_code == 200
                original = requests.get(res["url"].replace(target.url, source.url), timeout=30)
                assert copied.content == original.content
    for org in ("sx-bureau", "edu", "health"):
        before = action(source.url, "organization_show", id=org)
        after = action(target.url, "organization_show", id=org)
        assert {k: v for k, v in after.items() if k != "created"} == \
            {k: v for k, v in before.items() if k != "created"}
    for group in ("education", "public-health"):
        before = action(source.url, "group_show", id=group)
        after = action(target.url, "group_show", id=group)
        assert {k: v for k, v in after.items() if k != "created"} == \
            {k: v for k, v in before.items() if k != "created"}
