"""Every distinct file uploaded to a resource is kept as a version."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import create_engine, select, text

from portal.db import upgrade
from portal.models import Dataset, Organization, Resource, ResourceVersion
from tests.conftest import BACKEND
from tests.resources.conftest import Shelf, upload

V1 = "区域,人口\n城关镇,52000\n".encode()
V2 = "区域,人口\n城关镇,52310\n双河镇,18800\n".encode()


def create(shelf: Shelf, data: bytes = V1, name: str = "人口.csv") -> dict[str, Any]:
    return shelf.call("resource_create", {"package_id": "population",
                                          "upload": upload(name, data)})


def stored_versions(shelf: Shelf, rid: str) -> list[ResourceVersion]:
    with shelf.portal.session() as session:
        return list(session.scalars(select(ResourceVersion).where(
            ResourceVersion.resource_id == rid).order_by(ResourceVersion.version)))


def test_an_upload_is_version_one(shelf: Shelf) -> None:
    res = create(shelf)
    [version] = res["versions"]
    assert version["version"] == 1
    assert version["hash"] == res["hash"] and version["size"] == len(V1)
    assert version["filename"] == "人口.csv" and version["mimetype"] == "text/csv"
    assert version["created"]
    assert version["url"] == (f"{shelf.portal.site_url}/dataset/{res['package_id']}/resource/"
                              f"{res['id']}/version/{res['hash']}/download/%E4%BA%BA%E5%8F%A3.csv")
    assert "creator" not in version  # public pages must not name staff accounts
    assert stored_versions(shelf, res["id"])[0].creator == shelf.admin.name


@pytest.mark.parametrize("action", ["resource_update", "resource_patch"])
def test_replacing_the_file_keeps_the_earlier_version(shelf: Shelf, action: str) -> None:
    first = create(shelf)
    second = shelf.call(action, {"id": first["id"], "upload": upload("人口-修订.csv", V2)})
    assert [v["version"] for v in second["versions"]] == [1, 2]
    assert [v["hash"] for v in second["versions"]] == [first["hash"], second["hash"]]
    assert second["versions"][1]["filename"] == "人口-修订.csv"
    assert second["hash"] != first["hash"]
    # The earlier file is still in the store.
    assert shelf.portal.blobs.open(first["hash"]).read() == V1


@pytest.mark.parametrize("action", ["resource_update", "resource_patch"])
def test_the_same_file_again_is_not_a_new_version(shelf: Shelf, action: str) -> None:
    first = create(shelf)
    again = shelf.call(action, {"id": first["id"], "upload": upload("人口.csv", V1)})
    assert again["versions"] == first["versions"]


def test_metadata_changes_make_no_version(shelf: Shelf) -> None:
    first = create(shelf)
    patched = shelf.call("resource_patch", {"id": first["id"], "description": "2024年数据"})
    assert patched["versions"] == first["versions"]


def test_going_back_to_an_earlier_file_is_a_new_version(shelf: Shelf) -> None:
    res = create(shelf)
    shelf.call("resource_patch", {"id": res["id"], "upload": upload("b.csv", V2)})
    back = shelf.call("resource_patch", {"id": res["id"], "upload": upload("a.csv", V1)})
    assert [(v["version"], v["hash"]) for v in back["versions"]] == [
        (1, res["hash"]), (2, back["versions"][1]["hash"]), (3, res["hash"])]


def test_a_link_replacing_the_file_keeps_the_history(shelf: Shelf) -> None:
    res = create(shelf)
    linked = shelf.call("resource_patch", {"id": res["id"], "url": "https://tj.example.cn/p"})
    assert linked["url_type"] is None
    assert [v["hash"] for v in linked["versions"]] == [res["hash"]]


def test_links_have_no_versions(shelf: Shelf) -> None:
    res = shelf.call("resource_create", {"package_id": "population",
                                         "url": "https://tj.example.cn/p.csv"})
    assert res["versions"] == []


def test_uploads_through_package_update_are_versioned(shelf: Shelf) -> None:
    res = create(shelf)
    pkg = shelf.call("package_show", {"id": "population"})
    pkg["resources"][0]["upload"] = upload("人口.csv", V2)
    updated = shelf.call("package_update", pkg)
    assert [v["version"] for v in updated["resources"][0]["versions"]] == [1, 2]
    assert updated["resources"][0]["id"] == res["id"]


def test_versions_show_in_package_search(shelf: Shelf) -> None:
    res = create(shelf)
    shelf.call("package_patch", {"id": "population", "publication_state": "published"})
    found = shelf.call("package_search", {"q": "name:population"})["results"]
    assert found[0]["resources"][0]["versions"] == res["versions"]


# --- the migration back-fills version 1 for files uploaded before versions existed ---------------

@pytest.fixture
def fresh_database_url(tmp_path, request: pytest.FixtureRequest) -> str:
    if BACKEND == "postgresql":
        import uuid

        return request.getfixturevalue("pg_cluster").create_database(
            f"migrate_{uuid.uuid4().hex[:8]}")
    return f"sqlite:///{tmp_path / 'migrate.db'}"


def test_migration_makes_existing_uploads_version_one(fresh_database_url: str) -> None:
    upgrade(fresh_database_url, "0001")
    engine = create_engine(fresh_database_url)
    sha = "ab" * 32
    # Core inserts fill the models' column defaults; these three tables are as 0001 made them.
    with engine.begin() as conn:
        conn.execute(Organization.__table__.insert(), {"id": "org-1", "name": "stats",
                                                       "title": "县统计局"})
        conn.execute(Dataset.__table__.insert(), {
            "id": "ds-1", "name": "population", "title": "人口统计", "owner_org": "org-1",
            "resource_code": "341324-pop", "classification": "base",
            "update_period": "yearly", "share_type": "unconditional",
            "open_type": "unconditional"})
        conn.execute(Resource.__table__.insert(), {
            "id": "res-upload", "package_id": "ds-1", "url": "人口 2023.csv",
            "url_type": "upload", "blob_sha256": sha, "hash": sha, "size": 1234,
            "mimetype": "text/csv"})
        conn.execute(Resource.__table__.insert(), {
            "id": "res-link", "package_id": "ds-1", "url": "https://tj.example.cn/p"})
    upgrade(fresh_database_url)
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT resource_id, version, blob_sha256, size, filename, mimetype, creator "
            "FROM resource_version")).fetchall()
    engine.dispose()
    assert [tuple(r) for r in rows] == [
        ("res-upload", 1, sha, 1234, "人口 2023.csv", "text/csv", "")]
