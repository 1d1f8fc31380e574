"""The Action API as a CKAN client sees it: envelopes, statuses, methods and bodies,
and bad input that is refused clearly (never a 500) without writing anything."""

from __future__ import annotations

import hashlib
import io
import json
from typing import Any

import pytest

from portal.app import create_app
from portal.core.context import SYSTEM
from portal.services import Portal
from tests.api.conftest import Site, make_site
from tests.api.helpers import blob_files, make_user, unchanged
from tests.conftest import make_settings, package_params

PREFIXES = ["/api/3/action", "/api/action"]


def entry(name: str = "schools", **extra: Any) -> dict[str, Any]:
    return package_params(name, "edu", **extra)


def assert_error(status: int, body: dict[str, Any], expected_status: int, error_type: str) -> None:
    assert status == expected_status, body
    assert set(body) == {"help", "success", "error"}
    assert body["success"] is False
    assert body["error"]["__type"] == error_type
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert body["help"].endswith("/api/3/action/help_show?name=" + body["help"].rsplit("=")[-1])


# --- envelopes ---------------------------------------------------------------------------------

@pytest.mark.parametrize("prefix", PREFIXES)
def test_a_result_comes_in_ckan_s_envelope(site: Site, prefix: str) -> None:
    response = site.api.client.get(f"{prefix}/status_show")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"help", "success", "result"}
    assert body["success"] is True
    assert body["help"].endswith("/api/3/action/help_show?name=status_show")
    assert body["result"]["ckan_version"].startswith("2.")


@pytest.mark.parametrize("prefix", PREFIXES)
def test_errors_come_in_ckan_s_envelope_with_ckan_s_statuses(site: Site, prefix: str) -> None:
    assert_error(*site.api.post("package_show", {"id": "nope"}, prefix=prefix), 404,
                 "Not Found Error")
    status, body = site.api.post("package_create", {"name": "x"}, token=site.admin, prefix=prefix)
    assert_error(status, body, 409, "Validation Error")
    assert_error(*site.api.post("package_create", entry(), prefix=prefix), 403,
                 "Authorization Error")
    status, body = site.api.post("no_such_action", {}, prefix=prefix)
    assert status == 400 and body["success"] is False
    assert "no_such_action" in body["error"]["message"]


def test_a_validation_error_names_every_missing_catalog_element(site: Site) -> None:
    with unchanged(site.portal):
        status, body = site.api.post("package_create", {"name": "schools"}, token=site.admin)
    assert status == 409
    required = {"title", "notes", "owner_org", "resource_code", "classification",
                "update_period", "share_type", "open_type"}
    assert required <= set(body["error"])
    assert all(isinstance(body["error"][f], list) and body["error"][f] for f in required)
    assert "name" not in body["error"]


# --- methods and bodies --------------------------------------------------------------------------

def test_read_actions_take_get_with_query_parameters(site: Site) -> None:
    site.api.post("package_create", entry(), token=site.admin)
    status, body = site.api.get("package_search", {"q": "schools", "rows": "5"})
    assert status == 200 and [d["name"] for d in body["result"]["results"]] == ["schools"]
    status, body = site.api.get("package_show", {"id": "schools"})
    assert status == 200 and body["result"]["name"] == "schools"


@pytest.mark.parametrize("prefix", PREFIXES)
def test_a_write_action_called_with_get_is_refused(site: Site, prefix: str) -> None:
    with unchanged(site.portal):
        response = site.api.client.get(f"{prefix}/package_create",
                                       query_string=entry(), headers={"Authorization": site.admin})
    assert_error(response.status_code, response.get_json(), 400, "Bad request")


def test_write_actions_take_json_form_and_multipart_bodies(site: Site) -> None:
    status, body = site.api.post("package_create", entry("by-json"), token=site.admin)
    assert status == 200 and body["result"]["name"] == "by-json"
    form = {**entry("by-form"), "tag_string": "学校,教育", "private": "false",
            "data_items": json.dumps([{"name": "学校名称", "type": "text"}])}
    response = site.api.client.post("/api/3/action/package_create", data=form,
                                    headers={"Authorization": site.admin})
    assert response.status_code == 200, response.get_json()
    made = response.get_json()["result"]
    assert ({t["name"] for t in made["tags"]}, made["data_items"][0]["name"]) == \
        ({"学校", "教育"}, "学校名称")
    content = "学校,人数\n一中,1200\n".encode()
    upload = {"package_id": "by-form", "name": "名单",
              "upload": (io.BytesIO(content), "schools.csv")}
    response = site.api.client.post("/api/3/action/resource_create", data=upload,
                                    headers={"Authorization": site.admin},
                                    content_type="multipart/form-data")
    assert response.status_code == 200, response.get_json()
    res = response.get_json()["result"]
    assert (res["url_type"], res["format"], res["size"], res["hash"]) == \
        ("upload", "CSV", len(content), hashlib.sha256(content).hexdigest())
    assert res["url"].endswith(f"/resource/{res['id']}/download/schools.csv")


@pytest.mark.parametrize("raw, content_type", [
    (b"[1, 2]", "application/json"),
    (b'"package"', "application/json"),
    (b"null", "application/json"),
    (b"{not json", "application/json"),
    (b'{"name": "x",', "text/plain"),
    (b"\xff\xfe\x00", "application/json"),
])
def test_a_body_that_is_not_a_json_object_is_a_bad_request(site: Site, raw: bytes,
                                                           content_type: str) -> None:
    with unchanged(site.portal):
        response = site.api.client.post("/api/3/action/package_create", data=raw,
                                        content_type=content_type,
                                        headers={"Authorization": site.admin})
    assert_error(response.status_code, response.get_json(), 400, "Bad request")


# --- uploads -----------------------------------------------------------------------------------

@pytest.fixture
def small_site(database_url: str, settings: Any, tmp_path: Any) -> Any:
    """A portal that refuses uploads over 1000 bytes (`settings` empties the tables)."""
    portal = Portal(make_settings(tmp_path / "small", database_url,
                                  storage={"max_upload_bytes": 1000}))
    app = create_app(portal)
    app.config["TESTING"] = True
    yield make_site(portal, app.test_client())
    portal.dispose()


def _upload(site: Site, action: str, fields: dict[str, Any], content: bytes,
            filename: str = "big.csv") -> tuple[int, dict[str, Any]]:
    data = {**fields, "upload": (io.BytesIO(content), filename)}
    response = site.api.client.post(f"/api/3/action/{action}", data=data,
                                    content_type="multipart/form-data",
                                    headers={"Authorization": site.admin})
    return response.status_code, response.get_json()


@pytest.mark.parametrize("size", [1001, 3 * 2**20], ids=["over the limit", "over the body limit"])
def test_an_oversize_upload_is_refused_naming_upload_and_leaves_nothing(small_site: Site,
                                                                        size: int) -> None:
    small_site.api.post("package_create", entry(), token=small_site.admin)
    with unchanged(small_site.portal):
        status, body = _upload(small_site, "resource_create", {"package_id": "schools"},
                               b"x" * size)
        assert_error(status, body, 409, "Validation Error")
        assert "upload" in body["error"] and "1000" in body["error"]["upload"][0]
    assert blob_files(small_site.portal) == []
    tmp = small_site.portal.blobs.root / "tmp"
    assert not tmp.exists() or list(tmp.iterdir()) == []


def test_an_upload_at_the_limit_is_stored(small_site: Site) -> None:
    small_site.api.post("package_create", entry(), token=small_site.admin)
    content = b"y" * 1000
    status, body = _upload(small_site, "resource_create", {"package_id": "schools"}, content)
    assert status == 200, body
    sha = hashlib.sha256(content).hexdigest()
    assert body["result"]["hash"] == sha
    assert small_site.portal.blobs.path(sha).read_bytes() == content


def test_an_oversize_replacement_keeps_the_old_file(small_site: Site) -> None:
    small_site.api.post("package_create", entry(), token=small_site.admin)
    _, body = _upload(small_site, "resource_create", {"package_id": "schools"}, b"old")
    rid = body["result"]["id"]
    # The public is shown the released file; the department and the bureau the upload.
    assert small_site.portal.jobs.wait_idle(60)
    public = small_site.portal.call("resource_show", {"id": rid})
    with unchanged(small_site.portal):
        status, _ = _upload(small_site, "resource_update", {"id": rid}, b"n" * 2000)
    assert status == 409
    shown = small_site.portal.call("resource_show", {"id": rid}, user=SYSTEM)
    old = hashlib.sha256(b"old").hexdigest()
    assert shown["hash"] == old and shown["size"] == 3
    assert [v["hash"] for v in shown["versions"]] == [old]
    assert small_site.portal.blobs.path(old).read_bytes() == b"old"
    after = small_site.portal.call("resource_show", {"id": rid})
    assert [after[k] for k in ("url", "size", "hash", "versions")] == [
        public[k] for k in ("url", "size", "hash", "versions")]


def test_an_upload_with_an_overlong_file_name_is_kept_shortened_on_every_backend(
        site: Site) -> None:
    """PostgreSQL once refused the long name at flush (a 500); it is now cut to 200
    characters, the extension kept (portal/actions/upload_names.py)."""
    site.api.post("package_create", entry(), token=site.admin)
    status, body = _upload(site, "resource_create", {"package_id": "schools"}, b"a,b\n",
                           filename="长" * 300 + ".csv")
    assert status == 200, body
    assert body["result"]["name"] == "长" * 196 + ".csv"


def test_an_upload_to_an_entry_the_caller_may_not_edit_stores_no_file(site: Site) -> None:
    site.api.post("package_create", entry(), token=site.admin)
    outsider = make_user(site.portal, "outsider")[1]
    with unchanged(site.portal):
        data = {"package_id": "schools", "upload": (io.BytesIO(b"secret"), "a.csv")}
        response = site.api.client.post("/api/3/action/resource_create", data=data,
                                        content_type="multipart/form-data",
                                        headers={"Authorization": outsider})
    assert response.status_code == 403
