"""Earlier files of a resource stay downloadable by their hash for the entry's department
and the bureau; they are raw files, so the public never gets them (the public gets the
file the desensitization gate released: tests/publication)."""

from __future__ import annotations

import hashlib
import io
from urllib.parse import quote

from portal.actions.resources import Upload
from tests.conftest import package_params
from tests.web.conftest import CSV_BYTES, Catalog

NEW_BYTES = "学校名称,地址\n县第一中学,城关镇人民路1号\n县第二中学,双河镇\n".encode()


def replace_file(catalog: Catalog) -> dict:
    return catalog.portal.call("resource_patch", {
        "id": catalog.upload["id"], "upload": Upload("学校名录 2025.csv", io.BytesIO(NEW_BYTES))},
        user=catalog.admin)


def version_path(catalog: Catalog, sha: str, dataset: str = "schools") -> str:
    return f"/dataset/{dataset}/resource/{catalog.upload['id']}/version/{sha}/download"


def staff_token(catalog: Catalog) -> dict[str, str]:
    made = catalog.portal.call("api_token_create", {"name": "web"}, user=catalog.admin)
    return {"Authorization": made["token"]}


def test_an_earlier_version_is_served_by_its_hash(client, catalog: Catalog) -> None:
    res = replace_file(catalog)
    old, new = res["versions"]
    staff = staff_token(catalog)
    response = client.get(old["url"].removeprefix(catalog.portal.site_url), headers=staff)
    assert response.status_code == 200 and response.data == CSV_BYTES
    assert f"filename*=UTF-8''{quote('学校名录 2024.csv')}" in response.headers["Content-Disposition"]
    assert response.headers["ETag"].strip('"') == old["hash"]
    assert client.get(version_path(catalog, new["hash"]), headers=staff).data == NEW_BYTES
    # The resource's own download is the new file.
    assert client.get(f"/dataset/schools/resource/{res['id']}/download",
                      headers=staff).data == NEW_BYTES


def test_the_public_gets_no_earlier_or_raw_file(client, catalog: Catalog) -> None:
    res = replace_file(catalog)
    old, new = res["versions"]
    for sha in (old["hash"], new["hash"]):
        response = client.get(version_path(catalog, sha))
        assert response.status_code == 404 and "城关镇人民路".encode() not in response.data
    # The current download is the released file: the address generalised to its town.
    public = client.get(f"/dataset/schools/resource/{res['id']}/download")
    assert public.status_code == 200
    assert "城关镇".encode() in public.data and "人民路".encode() not in public.data


def test_version_downloads_support_ranges(client, catalog: Catalog) -> None:
    old = replace_file(catalog)["versions"][0]
    partial = client.get(version_path(catalog, old["hash"]), headers={
        "Range": "bytes=0-5", **staff_token(catalog)})
    assert partial.status_code == 206 and partial.data == CSV_BYTES[:6]


def test_a_hash_that_is_not_this_resource_s_version_is_404(client, catalog: Catalog) -> None:
    other = catalog.portal.call("resource_create", {
        "package_id": "water-quality", "upload": Upload("水质.csv", io.BytesIO(b"pH,7.2\n"))},
        user=catalog.admin)
    # The blob exists in the store, but belongs to another resource.
    assert catalog.portal.blobs.exists(other["hash"])
    for sha in (other["hash"], hashlib.sha256(b"nothing").hexdigest(), "not-a-hash"):
        response = client.get(version_path(catalog, sha))
        assert response.status_code == 404
        assert b"pH" not in response.data


def test_versions_of_another_dataset_s_resource_are_404(client, catalog: Catalog) -> None:
    old = replace_file(catalog)["versions"][0]
    assert client.get(version_path(catalog, old["hash"], "water-quality")).status_code == 404
    assert client.get(version_path(catalog, old["hash"], "no-such")).status_code == 404


def test_versions_of_hidden_datasets_are_404(client, catalog: Catalog) -> None:
    pkg = catalog.portal.call("package_create", package_params(
        "hidden-versions", "edu", private=True,
        resources=[{"upload": Upload("秘密.csv", io.BytesIO(b"secret"))}]), user=catalog.admin)
    res = pkg["resources"][0]
    path = f"/dataset/hidden-versions/resource/{res['id']}/version/{res['hash']}/download"
    response = client.get(path)
    assert response.status_code == 404 and b"secret" not in response.data
