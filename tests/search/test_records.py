"""Search documents are built from plain records read without the ORM; the package
dict made from them must be the one the API shows, key for key."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import quote

from sqlalchemy import select

from portal.actions.resources import Upload
from portal.core.context import SYSTEM
from portal.core.dictize import package_dict
from portal.models import Dataset
from portal.models.catalog import dataset_dict_loads
from portal.search.records import dataset_records
from portal.services import Portal
from tests.conftest import org_params, package_params


def _catalog(portal: Portal) -> list[str]:
    """Entries covering everything a package dict shows: a parent organization, tags
    and groups, extras, an upload replaced once (two versions), a link, a deleted
    resource, a loaded datastore table, and an entry with nothing attached."""
    def call(name: str, params: dict[str, Any]) -> Any:
        return portal.call(name, params, user=SYSTEM)

    call("organization_create", org_params("county", title="泗县人民政府"))
    call("organization_create", org_params("stats", title="县统计局", parent_id="county",
                                           extras=[{"key": "地址", "value": "泗城镇"}]))
    for name, title in (("shehui", "社会保障"), ("jiaotong", "交通出行")):
        call("group_create", {"name": name, "title": title})
    full = call("package_create", package_params(
        "population", "stats", title="人口统计", publication_state="published",
        tags=[{"name": "人口"}, {"name": "2026年"}, {"name": "户籍"}],
        groups=[{"name": "shehui"}, {"name": "jiaotong"}],
        extras=[{"key": "来源", "value": "普查"}, {"key": "b", "value": "2"}],
        data_items=[{"name": "乡镇", "type": "text"}], issued="2026-01-05"))
    csv = "乡镇,人口\n泗城镇,120000\n大庄镇,56000\n".encode()
    table = call("resource_create", {"package_id": full["id"], "name": "人口表",
                                     "upload": Upload("people.csv", io.BytesIO(csv))})
    assert portal.jobs.wait_idle(120)
    call("resource_patch", {"id": table["id"],
                            "upload": Upload("people-2.csv", io.BytesIO(csv + "草沟镇,40000\n".encode()))})
    assert portal.jobs.wait_idle(120)
    call("resource_create", {"package_id": full["id"], "name": "说明", "url": "https://example.org/a.pdf",
                             "format": "PDF"})
    gone = call("resource_create", {"package_id": full["id"], "name": "旧表", "url": "https://example.org/b"})
    call("resource_delete", {"id": gone["id"]})
    bare = call("package_create", package_params("bare", "county"))
    return [full["id"], bare["id"]]


def test_records_dictize_to_the_package_dict_of_the_orm(portal: Portal) -> None:
    ids = _catalog(portal)
    with portal.session_factory() as session:
        datasets = list(session.scalars(
            select(Dataset).options(*dataset_dict_loads()).where(Dataset.id.in_(ids))))
        found = dataset_records(session, ids + ["no-such-id"])
        # As the department and the bureau see it (the raw files, with their versions)
        # and as the public does (the released files, no versions): the index stores the
        # latter.
        orm = {ds.id: package_dict(ds, portal.site_url, SYSTEM) for ds in datasets}
        records = {i: package_dict(r, portal.site_url, SYSTEM) for i, r in found.items()}
        public_orm = {ds.id: package_dict(ds, portal.site_url) for ds in datasets}
        public_records = {i: package_dict(r, portal.site_url) for i, r in found.items()}
    assert set(records) == set(ids)
    assert records == orm
    assert public_records == public_orm
    public = public_records[ids[0]]["resources"][0]
    assert public["versions"] == [] and public["url"].endswith(f"/download/{quote('人口表.csv')}")
    full = records[ids[0]]
    # The catalog above really exercised what the comparison is meant to cover.
    assert [t["name"] for t in full["tags"]] == ["2026年", "人口", "户籍"]
    assert [g["name"] for g in full["groups"]] == ["jiaotong", "shehui"]
    assert full["organization"]["parent_name"] == "county"
    assert [r["name"] for r in full["resources"]] == ["人口表", "说明"]
    assert len(full["resources"][0]["versions"]) == 2
    assert full["resources"][0]["datastore_active"] is True
    assert records[ids[1]]["resources"] == []


def test_no_records_for_unknown_ids(portal: Portal) -> None:
    with portal.session_factory() as session:
        assert dataset_records(session, ["no-such-id"]) == {}
