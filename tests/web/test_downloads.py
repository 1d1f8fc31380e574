"""Downloads: exact bytes, the Chinese filename, links redirected, nothing leaks."""

from __future__ import annotations

import hashlib
import io
from typing import Any
from urllib.parse import quote

import pytest

from portal.actions.resources import Upload
from portal.web.public.downloads import content_disposition
from tests.conftest import package_params
from tests.web.conftest import CSV_BYTES, Catalog
from tests.web.signin import sign_in


def download_path(catalog: Catalog, dataset: str = "schools") -> str:
    return f"/dataset/{dataset}/resource/{catalog.upload['id']}/download"


def assert_served(response: Any, data: bytes, filename: str) -> None:
    assert response.status_code == 200
    assert response.data == data
    assert response.headers["Content-Type"] == "text/csv"
    assert response.headers["Content-Length"] == str(len(data))
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote(filename)}" in disposition


@pytest.mark.parametrize("suffix", ["", "/学校名录 2024.csv", "/any-name.csv"])
def test_download_returns_the_uploaded_bytes(client, catalog: Catalog, suffix: str) -> None:
    # The public is served the released file, named after the resource ("学校名录") with
    # the upload's extension, never the uploaded file's own name, whatever the URL ends with.
    public = catalog.portal.call("resource_show", {"id": catalog.upload["id"]})
    response = client.get(download_path(catalog) + suffix)
    # Nothing in this table needs treating: the released file holds the uploaded bytes.
    assert response.data == CSV_BYTES
    assert hashlib.sha256(response.data).hexdigest() == public["hash"]
    assert_served(response, CSV_BYTES, "学校名录.csv")
    assert quote("学校名录 2024.csv") not in response.headers["Content-Disposition"]
    # The department and the bureau download the uploaded file under its own name.
    sign_in(client, "bureau-admin")
    response = client.get(download_path(catalog) + suffix)
    assert hashlib.sha256(response.data).hexdigest() == catalog.upload["hash"]
    assert_served(response, CSV_BYTES, "学校名录 2024.csv")


def test_download_by_dataset_id(client, catalog: Catalog) -> None:
    response = client.get(download_path(catalog, catalog.schools["id"]))
    assert response.data == CSV_BYTES


def test_resource_url_from_the_api_is_served(client, catalog: Catalog) -> None:
    path = catalog.upload["url"].removeprefix(catalog.portal.site_url)
    assert client.get(path).data == CSV_BYTES


def test_download_supports_ranges_and_etags(client, catalog: Catalog) -> None:
    partial = client.get(download_path(catalog), headers={"Range": "bytes=0-9"})
    assert partial.status_code == 206 and partial.data == CSV_BYTES[:10]
    etag = client.get(download_path(catalog)).headers["ETag"]
    assert etag.strip('"') == catalog.upload["hash"]
    assert client.get(download_path(catalog), headers={"If-None-Match": etag}).status_code == 304


def test_link_resources_redirect(client, catalog: Catalog) -> None:
    response = client.get(f"/dataset/schools/resource/{catalog.link['id']}/download")
    assert response.status_code == 302
    assert response.headers["Location"] == "https://edu.example.cn/schools"


def test_link_without_a_web_scheme_is_not_followed(client, catalog: Catalog) -> None:
    # javascript: links are refused by resource_create; a bare path is stored but not redirected.
    res = catalog.portal.call("resource_create", {"package_id": "schools",
                                                  "url": "内网共享/学校名录.xlsx"},
                              user=catalog.admin)
    assert client.get(f"/dataset/schools/resource/{res['id']}/download").status_code == 404


def test_resource_of_another_dataset_is_404(client, catalog: Catalog) -> None:
    assert client.get(download_path(catalog, "water-quality")).status_code == 404
    assert client.get(download_path(catalog, "no-such-dataset")).status_code == 404


def test_unknown_resource_is_404(client, catalog: Catalog) -> None:
    assert client.get("/dataset/schools/resource/nope/download").status_code == 404


@pytest.mark.parametrize("state", [{"publication_state": "draft"}, {"private": True}])
def test_uploads_of_hidden_datasets_are_404(client, catalog: Catalog, state) -> None:
    pkg = catalog.portal.call("package_create", package_params(
        "hidden-upload", "edu", resources=[{"upload": Upload("秘密.csv", io.BytesIO(b"secret"))}],
        **state), user=catalog.admin)
    rid = pkg["resources"][0]["id"]
    for dataset in ("hidden-upload", pkg["id"]):
        response = client.get(f"/dataset/{dataset}/resource/{rid}/download/秘密.csv")
        assert response.status_code == 404
        assert b"secret" not in response.data


def test_missing_blob_is_404(client, catalog: Catalog) -> None:
    catalog.portal.blobs.path(catalog.upload["hash"]).unlink()
    assert client.get(download_path(catalog)).status_code == 404


@pytest.mark.parametrize(("name", "expected"), [
    ("report.csv", "attachment; filename=\"report.csv\"; filename*=UTF-8''report.csv"),
    ("学校名录.csv", "attachment; filename=\"download.csv\"; filename*=UTF-8''"
                    "%E5%AD%A6%E6%A0%A1%E5%90%8D%E5%BD%95.csv"),
    ('a"b;c.txt', "attachment; filename=\"abc.txt\"; filename*=UTF-8''a%22b%3Bc.txt"),
    ("2024年报告.xlsx", "attachment; filename=\"2024.xlsx\"; filename*=UTF-8''"
                       "2024%E5%B9%B4%E6%8A%A5%E5%91%8A.xlsx"),
])
def test_content_disposition(name: str, expected: str) -> None:
    assert content_disposition(name) == expected
