"""What the actions mean, as CKAN defines it: update replaces, patch merges, resources
keep their order, uploads are content-addressed; plus the site-level read actions."""

from __future__ import annotations

import hashlib
import io
from typing import Any

import pytest

from portal.app import create_app
from portal.services import Portal, load_actions
from portal.settings import load_settings
from tests.api.conftest import Site, make_site
from tests.conftest import make_settings, org_params, package_params

FULL = {
    "version": "2.1", "author": "教育局信息科", "author_email": "info@edu.example.cn",
    "url": "http://edu.example.cn/", "tags": [{"name": "学校"}, {"name": "教育"}],
    "groups": [{"name": "theme"}], "extras": [{"key": "来源系统", "value": "学籍系统"}],
    "data_items": [{"name": "学校名称", "type": "text", "description": "全称", "personal": False}],
    "required_materials": ["申请函"], "issued": "2024-03-01", "spatial": "泗县",
    "category_path": "教育/基础教育", "use_requirements": "注明来源",
}
RESET = {  # what package_update without these fields leaves
    "version": "", "author": "", "author_email": "", "url": "", "tags": [], "groups": [],
    "extras": [], "data_items": [], "required_materials": [], "issued": None, "spatial": "",
    "category_path": "", "use_requirements": "",
}
IGNORED = {"metadata_modified", "resources", "num_resources"}


def call(site: Site, name: str, params: dict[str, Any]) -> Any:
    status, body = site.api.post(name, params, token=site.admin)
    assert status == 200, body
    return body["result"]


def make_entry(site: Site, name: str = "schools", resources: int = 2, **extra: Any) -> Any:
    res = [{"name": f"第{i}份", "url": f"http://example.cn/{i}.csv"} for i in range(resources)]
    return call(site, "package_create", package_params(name, "edu", resources=res,
                                                       **{**FULL, **extra}))


def upload(site: Site, action: str, fields: dict[str, Any], content: bytes,
           filename: str = "data.csv") -> Any:
    response = site.api.client.post(
        f"/api/3/action/{action}", data={**fields, "upload": (io.BytesIO(content), filename)},
        content_type="multipart/form-data", headers={"Authorization": site.admin})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["result"]


# --- package_update and package_patch ------------------------------------------------------------

def test_package_update_resets_fields_not_given_and_keeps_resources(site: Site) -> None:
    before = make_entry(site)
    after = call(site, "package_update", package_params("schools", "edu", id=before["id"]))
    for key, value in RESET.items():
        assert after[key] == value, key
    assert after["resources"] == before["resources"]  # no `resources` key: kept as they were


def test_package_update_with_resources_replaces_them_in_the_order_given(site: Site) -> None:
    before = make_entry(site, resources=3)
    first, _, third = before["resources"]
    wanted = [{**third, "name": "第三份（改）"}, {"name": "新的", "url": "http://example.cn/n.csv"},
              first]
    after = call(site, "package_update", {**before, "resources": wanted})
    assert [r["name"] for r in after["resources"]] == ["第三份（改）", "新的", first["name"]]
    assert [r["position"] for r in after["resources"]] == [0, 1, 2]
    assert after["resources"][0]["id"] == third["id"]
    assert after["resources"][2]["id"] == first["id"]
    assert after["num_resources"] == 3
    emptied = call(site, "package_update", {**after, "resources": []})
    assert emptied["resources"] == [] and emptied["num_resources"] == 0


def test_package_show_then_package_update_changes_nothing_but_the_time(site: Site) -> None:
    before = make_entry(site)
    after = call(site, "package_update", before)
    assert {k: v for k, v in after.items() if k not in IGNORED} == \
        {k: v for k, v in before.items() if k not in IGNORED}
    assert [{k: v for k, v in r.items() if k not in ("last_modified", "metadata_modified")}
            for r in after["resources"]] == \
        [{k: v for k, v in r.items() if k not in ("last_modified", "metadata_modified")}
         for r in before["resources"]]


@pytest.mark.parametrize("change", [
    {"title": "新标题"},
    {"tags": [{"name": "新标签"}]},
    {"share_type": "conditional", "share_condition": "仅限教育系统", "legal_basis": "《条例》"},
    {"data_items": []},
    {"private": True},
])
def test_package_patch_changes_only_the_given_fields(site: Site, change: dict[str, Any]) -> None:
    before = make_entry(site)
    after = call(site, "package_patch", {"id": before["id"], **change})
    changed = {k for k in after if after[k] != before[k]} - {"metadata_modified", "num_tags"}
    assert changed == set(change)
    for key, value in change.items():
        if key == "tags":
            assert [t["name"] for t in after["tags"]] == [t["name"] for t in value]
        else:
            assert after[key] == value


# --- resources ---------------------------------------------------------------------------------

def test_resource_update_with_a_new_file_changes_hash_and_size(site: Site) -> None:
    make_entry(site, resources=0)
    old = upload(site, "resource_create", {"package_id": "schools"}, b"a,b\n1,2\n")
    new_content = "学校,人数\n一中,1200\n二中,900\n".encode()
    new = upload(site, "resource_update", {"id": old["id"], "name": "名单"}, new_content,
                 filename="names.csv")
    assert new["id"] == old["id"]
    assert (new["hash"], new["size"]) == (hashlib.sha256(new_content).hexdigest(),
                                          len(new_content))
    assert new["hash"] != old["hash"]
    assert new["url"].endswith("/download/names.csv")
    assert site.portal.blobs.path(new["hash"]).read_bytes() == new_content
    # The new file's datastore load runs in the background: its status moves on meanwhile.
    def settled(res: dict) -> dict:
        return {k: v for k, v in res.items() if not k.startswith("datastore_")}
    assert settled(call(site, "resource_show", {"id": old["id"]})) == settled(new)


def test_resource_patch_keeps_the_file_and_the_fields_not_given(site: Site) -> None:
    make_entry(site, resources=0)
    made = upload(site, "resource_create", {"package_id": "schools", "description": "说明"},
                  b"a,b\n")
    patched = call(site, "resource_patch", {"id": made["id"], "name": "改名"})
    assert patched["name"] == "改名"
    assert {k: patched[k] for k in ("hash", "size", "url", "url_type", "description")} == \
        {k: made[k] for k in ("hash", "size", "url", "url_type", "description")}


def test_resource_delete_renumbers_the_positions(site: Site) -> None:
    made = make_entry(site, resources=4)
    call(site, "resource_delete", {"id": made["resources"][1]["id"]})
    after = call(site, "package_show", {"id": "schools"})["resources"]
    assert [r["id"] for r in after] == [made["resources"][i]["id"] for i in (0, 2, 3)]
    assert [r["position"] for r in after] == [0, 1, 2]
    added = call(site, "resource_create", {"package_id": "schools", "url": "http://x.cn/e.csv"})
    assert added["position"] == 3
    status, body = site.api.post("resource_show", {"id": made["resources"][1]["id"]})
    assert status == 404


# --- site-level reads --------------------------------------------------------------------------

def test_license_list_has_cc_by_and_the_open_data_commons_licences(site: Site) -> None:
    licences = {lic["id"]: lic for lic in call(site, "license_list", {})}
    for lid in ("CC-BY-4.0", "odc-by", "odc-odbl", "odc-pddl"):
        assert licences[lid]["title"] and licences[lid]["url"].startswith("https://")
        assert licences[lid]["od_conformance"] == "approved"
    made = make_entry(site, license_id="odc-odbl")
    assert (made["license_title"], made["isopen"]) == (licences["odc-odbl"]["title"], True)


def test_help_show_returns_each_action_s_docstring(site: Site) -> None:
    for name, spec in load_actions().items():
        status, body = site.api.get("help_show", {"name": name})
        assert status == 200 and body["result"] == spec.doc and spec.doc, name


def test_current_package_list_with_resources_lists_newest_changes_first(site: Site) -> None:
    for name in ("first", "second", "third"):
        make_entry(site, name)
    call(site, "package_patch", {"id": "first", "title": "改过"})
    listed = call(site, "current_package_list_with_resources", {})
    assert [p["name"] for p in listed] == ["first", "third", "second"]
    assert all(len(p["resources"]) == 2 for p in listed)
    page = call(site, "current_package_list_with_resources", {"limit": 1, "offset": 1})
    assert [p["name"] for p in page] == ["third"]


def test_package_search_rows_are_capped_at_api_max_rows(database_url: str, settings: Any,
                                                       tmp_path: Any) -> None:
    assert load_settings(environ={}).get("api", "max_rows") == 1000  # the default cap
    portal = Portal(make_settings(tmp_path / "capped", database_url, api={"max_rows": 2}))
    app = create_app(portal)
    app.config["TESTING"] = True
    site = make_site(portal, app.test_client())
    for name in ("a1", "a2", "a3"):
        make_entry(site, name)
    result = call(site, "package_search", {"rows": 1000})
    assert (result["count"], len(result["results"])) == (3, 2)
    portal.dispose()


def test_resources_given_at_creation_keep_their_order_and_positions(site: Site) -> None:
    made = make_entry(site, resources=3)
    shown = call(site, "package_show", {"id": made["id"]})
    for result in (made, shown):
        assert [r["name"] for r in result["resources"]] == ["第0份", "第1份", "第2份"]
        assert [r["position"] for r in result["resources"]] == [0, 1, 2]


def test_an_uploaded_file_s_hash_is_the_file_s_whatever_the_client_says(site: Site) -> None:
    make_entry(site, resources=0)
    other = upload(site, "resource_create", {"package_id": "schools"}, b"someone else's file")
    made = upload(site, "resource_create", {"package_id": "schools"}, b"a,b\n")
    for action in ("resource_patch", "resource_update"):
        changed = call(site, action, {**made, "hash": other["hash"], "name": action})
        assert (changed["name"], changed["hash"]) == (action, made["hash"])
        assert changed["url_type"] == "upload"


def test_upload_url_escapes_characters_that_would_end_the_path(portal, sysadmin):
    from urllib.parse import unquote

    from portal.actions.resources import Upload

    portal.call("organization_create", org_params("names-org"), user=sysadmin)
    portal.call("package_create", package_params("names", "names-org"), user=sysadmin)
    res = portal.call("resource_create", {"package_id": "names",
                                          "upload": Upload("报表?第1期#a.csv", io.BytesIO(b"a\n"))},
                      user=sysadmin)
    tail = res["url"].rsplit("/download/", 1)[1]
    assert "?" not in tail and "#" not in tail
    assert unquote(tail) == "报表?第1期#a.csv"
    # package_show -> package_update echoes the URL back: the upload is kept.
    pkg = portal.call("package_show", {"id": "names"})
    updated = portal.call("package_update", pkg, user=sysadmin)
    assert updated["resources"][0]["url_type"] == "upload"
    assert updated["resources"][0]["hash"] == res["hash"]


def test_group_update_renames_and_patch_keeps_what_is_not_given(portal, sysadmin):
    portal.call("group_create", {"name": "edu-theme", "title": "教育", "description": "旧说明"},
                user=sysadmin)
    patched = portal.call("group_patch", {"id": "edu-theme", "title": "教育文化"}, user=sysadmin)
    assert (patched["title"], patched["description"]) == ("教育文化", "旧说明")
    updated = portal.call("group_update", {"id": "edu-theme", "name": "edu-culture",
                                           "title": "教育文化"}, user=sysadmin)
    assert (updated["name"], updated["description"]) == ("edu-culture", "")
    assert portal.call("group_list", {}) == ["edu-culture"]


def test_the_datastore_actions_take_the_resource_as_resource_id_or_id(site: Site) -> None:
    """CKAN clients send either key; datastore_info's own is id."""
    rid = make_entry(site, resources=1)["resources"][0]["id"]
    call(site, "datastore_create", {"id": rid, "fields": [{"id": "n", "type": "integer"}],
                                    "records": [{"n": 1}]})
    call(site, "datastore_upsert", {"id": rid, "records": [{"n": 2}], "method": "insert"})
    for key in ("id", "resource_id"):
        assert call(site, "datastore_info", {key: rid})["meta"]["count"] == 2
        assert call(site, "datastore_search", {key: rid})["total"] == 2
    status, body = site.api.post("datastore_info", {}, token=site.admin)
    assert status == 409 and body["error"]["id"] == ["Missing value"]
