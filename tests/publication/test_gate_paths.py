"""No path around the desensitization gate (issue 13, item 7). A department editor tries
every way to put a raw resident ID and mobile number in front of the public through an
open entry: a new file, a replaced file, a new version, opening an entry that holds a
raw table, rows pushed through the datastore API. After each, the public (anonymous)
reads neither value by any path: the download, datastore_search, datastore_search_sql,
package_show, the entry's page."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from portal.actions.resources import Upload
from portal.core.context import SYSTEM
from portal.core.errors import ActionError, ValidationError
from tests.api.helpers import settle
from tests.publication.conftest import County

RAW_ID, RAW_MOBILE = "110101199003074514", "13812345678"
RAW = (RAW_ID, RAW_MOBILE)
RAW_CSV = f"序号,姓名,身份证号,手机号\n1,张伟,{RAW_ID},{RAW_MOBILE}\n".encode()
RAW_ROWS = [{"姓名": "张伟", "身份证号": RAW_ID, "手机号": RAW_MOBILE}]


@pytest.fixture(scope="module")
def portal_config() -> dict[str, dict[str, Any]]:
    return {"datastore": {"sql_enabled": True}}


def published(county: County, name: str, **extra: Any) -> dict[str, Any]:
    ds = county.entry(name=name, resource_code=f"341324-{name}", **extra)
    county.call("edu-editor", "publication_submit", {"id": ds["id"]})
    county.call("bureau", "publication_approve", {"id": ds["id"]})
    settle(county.portal)
    return county.call("bureau", "package_show", {"id": ds["id"]})


def leaks(county: County, client: Any, ds: dict[str, Any]) -> list[str]:
    """Where an anonymous caller reads a raw value of the entry `ds`."""
    settle(county.portal)
    found: list[str] = []

    def look(where: str, text: str) -> None:
        found.extend(f"{where}: {value}" for value in RAW if value in text)

    def anonymous(action: str, params: dict[str, Any]) -> str:
        try:
            return json.dumps(county.call("anonymous", action, params), ensure_ascii=False)
        except ActionError:
            return ""

    look("package_show", anonymous("package_show", {"id": ds["id"]}))
    look("entry page", client.get(f"/dataset/{ds['name']}").get_data(as_text=True))
    for res in county.call("bureau", "package_show", {"id": ds["id"]})["resources"]:
        rid = res["id"]
        got = client.get(f"/dataset/{ds['name']}/resource/{rid}/download")
        if got.status_code == 200:
            look(f"download {res['name']}", got.data.decode("utf-8", "replace"))
        look(f"datastore_search {res['name']}",
             anonymous("datastore_search", {"resource_id": rid, "limit": 1000}))
        look(f"datastore_search_sql {res['name']}",
             anonymous("datastore_search_sql", {"sql": f'SELECT * FROM "{rid}"'}))
    return found


def refused_by_gate(county: County, action: str, params: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as refused:
        county.call("edu-editor", action, params)
    text = str(refused.value.as_error_dict())
    assert "desensitization gate" in text, text
    return text


def test_new_replaced_and_versioned_files_go_through_review(county: County,
                                                           client: Any) -> None:
    for number, (action, params) in enumerate([
        ("resource_create", lambda ds: {"package_id": ds["id"], "name": "补充名单",
                                        "upload": Upload("补充名单.csv", io.BytesIO(RAW_CSV))}),
        ("resource_update", lambda ds: {"id": ds["resources"][0]["id"], "name": "名册",
                                        "upload": Upload("名册.csv", io.BytesIO(RAW_CSV))}),
        ("resource_patch", lambda ds: {"id": ds["resources"][0]["id"],
                                       "upload": Upload("名册v2.csv", io.BytesIO(RAW_CSV))}),
    ]):
        ds = published(county, f"files-{number}")
        assert not leaks(county, client, ds)
        county.call("edu-editor", action, params(ds))
        assert county.call("bureau", "package_show", {"id": ds["id"]})["publication_state"] \
            == "pending", action
        assert leaks(county, client, ds) == [], action
        # Approved, the public gets the treated file: still no raw value.
        county.call("bureau", "publication_approve", {"id": ds["id"]})
        assert leaks(county, client, ds) == [], action


def test_opening_an_entry_that_holds_raw_tables(county: County, client: Any) -> None:
    ds = county.entry(name="closed", resource_code="341324-closed", open_type="none",
                      share_type="conditional", license_id="other-closed",
                      raw=RAW_CSV, filename="名单.csv")
    county.call("edu-editor", "publication_submit", {"id": ds["id"]})
    county.call("bureau", "publication_approve", {"id": ds["id"]})
    # Not open: the department pushes raw rows through the API, no gate asked.
    pushed = county.call("edu-editor", "datastore_create", {
        "resource": {"package_id": ds["id"], "name": "接口推送"}, "records": RAW_ROWS})
    settle(county.portal)
    assert leaks(county, client, ds) == []

    county.call("edu-editor", "package_patch", {"id": ds["id"], "open_type": "unconditional",
                                                "license_id": "cc-by"})
    assert leaks(county, client, ds) == []  # back in review
    county.call("bureau", "publication_approve", {"id": ds["id"]})
    shown = county.call("bureau", "package_show", {"id": ds["id"]})
    assert shown["publication_state"] == "published"
    assert leaks(county, client, ds) == []
    # The file's table is the treated file's; the pushed table never passed the gate.
    file_res = next(r for r in shown["resources"] if r["url_type"] == "upload")
    rows = county.call("anonymous", "datastore_search", {"resource_id": file_res["id"]})
    assert rows["records"]
    with pytest.raises(ActionError, match="desensitization gate"):
        county.call("anonymous", "datastore_search", {"resource_id": pushed["resource_id"]})
    # Asking the gate about it now (a data dictionary edit) is refused: it holds raw IDs.
    refused_by_gate(county, "datastore_create", {
        "resource_id": pushed["resource_id"],
        "fields": [{"id": "姓名", "info": {"label": "姓名"}}]})
    assert leaks(county, client, ds) == []


def test_datastore_writes_into_a_published_open_entry(county: County, client: Any) -> None:
    ds = published(county, "pushed")
    file_rid = ds["resources"][0]["id"]
    assert not leaks(county, client, ds)

    # Raw rows in a new table, into the released file's table, an upsert, a delete.
    refused_by_gate(county, "datastore_create", {
        "resource": {"package_id": ds["id"], "name": "接口推送"}, "records": RAW_ROWS})
    refused_by_gate(county, "datastore_create", {"resource_id": file_rid, "records": RAW_ROWS})
    refused_by_gate(county, "datastore_upsert", {"resource_id": file_rid, "method": "insert",
                                                 "records": RAW_ROWS})
    refused_by_gate(county, "datastore_delete", {"resource_id": file_rid,
                                                 "filters": {"_id": 1}})
    assert leaks(county, client, ds) == []
    assert county.call("bureau", "package_show", {"id": ds["id"]})["num_resources"] == 1

    # Rows the gate allows as they are go public at once...
    clean = county.call("edu-editor", "datastore_create", {
        "resource": {"package_id": ds["id"], "name": "分校统计"},
        "records": [{"学段": "小学", "学校数": 12}, {"学段": "初中", "学校数": 5}]})
    rid = clean["resource_id"]
    public = county.call("anonymous", "datastore_search", {"resource_id": rid})
    assert [r["学校数"] for r in public["records"]] == [12, 5]
    # ...raw rows into that table do not, whatever the method.
    refused_by_gate(county, "datastore_create", {
        "resource_id": rid, "fields": [{"id": "身份证号"}, {"id": "手机号"}],
        "records": [{"学段": "高中", "学校数": 1, "身份证号": RAW_ID, "手机号": RAW_MOBILE}]})
    refused_by_gate(county, "datastore_upsert", {"resource_id": rid, "method": "update",
                                                 "records": [{"_id": 1, "学段": RAW_ID}]})
    refused_by_gate(county, "datastore_upsert", {"resource_id": rid, "method": "insert",
                                                 "records": [{"学段": RAW_MOBILE}]})
    county.call("edu-editor", "datastore_delete", {"resource_id": rid,
                                                   "filters": {"学段": "初中"}})
    assert [r["学段"] for r in county.call("anonymous", "datastore_search", {
        "resource_id": rid})["records"]] == ["小学"]
    assert leaks(county, client, ds) == []

    # The bureau has no way around it either.
    with pytest.raises(ValidationError, match="desensitization gate"):
        county.portal.call("datastore_upsert", {"resource_id": rid, "method": "insert",
                                                "records": [{"学段": RAW_ID}]}, user=SYSTEM)
    assert leaks(county, client, ds) == []


def test_links_are_marked_outside_the_gate(county: County) -> None:
    ds = published(county, "linked")
    link = county.call("edu-editor", "resource_create", {
        "package_id": ds["id"], "name": "外部系统", "url": "https://data.example.cn/x.csv"})
    assert link["gate"] == "outside"
    shown = county.call("anonymous", "package_show", {"id": ds["id"]})
    assert {r["name"]: r.get("gate") for r in shown["resources"]} == {
        "名册": None, "外部系统": "outside"}
    got = county.call("anonymous", "resource_download", {"id": link["id"]})
    assert got["gate"] == "outside" and got["sha256"] is None


def test_the_review_lists_links_as_outside_the_gate(county: County) -> None:
    ds = county.entry()
    county.call("edu-editor", "resource_create", {
        "package_id": ds["id"], "name": "外部系统", "url": "https://data.example.cn/x.csv"})
    review = county.call("edu-editor", "publication_submit", {"id": ds["id"]})
    assert [(r["name"], r["url"]) for r in review["outside_gate"]] == [
        ("外部系统", "https://data.example.cn/x.csv")]
    assert [r["resource_name"] for r in review["reports"]] == ["名册"]  # the file is gated
