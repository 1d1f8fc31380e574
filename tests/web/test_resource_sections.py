"""What the dataset page shows around each resource: earlier versions and the zip of all files."""

from __future__ import annotations

import io

from portal.actions.resources import Upload
from portal.datastore.names import TYPES
from portal.web import labels
from tests.web.conftest import Catalog


def test_earlier_versions_are_listed_with_their_downloads(client, catalog: Catalog) -> None:
    res = catalog.portal.call("resource_patch", {
        "id": catalog.upload["id"], "upload": Upload("学校名录 2025.csv", io.BytesIO(b"new"))},
        user=catalog.admin)
    html = client.get("/dataset/schools").get_data(as_text=True)
    old = res["versions"][0]
    assert "历史版本" in html and "第 1 版" in html
    assert (f'href="/dataset/schools/resource/{res["id"]}/version/{old["hash"]}/download/'
            f'%E5%AD%A6%E6%A0%A1%E5%90%8D%E5%BD%95%202024.csv"') in html
    # The current file is the resource's own download, not listed as an earlier version.
    assert f'/version/{res["hash"]}/' not in html


def test_a_single_version_shows_no_history(client, catalog: Catalog) -> None:
    assert "历史版本" not in client.get("/dataset/schools").get_data(as_text=True)


def test_the_page_links_the_zip_of_all_files(client, catalog: Catalog) -> None:
    html = client.get("/dataset/schools").get_data(as_text=True)
    assert 'href="/dataset/schools/download.zip"' in html and "下载全部文件" in html


def test_no_preview_script_without_a_datastore_table(client, catalog: Catalog) -> None:
    html = client.get("/dataset/schools").get_data(as_text=True)
    assert "datastore-preview.js" not in html and "data-datastore-preview" not in html


def test_every_datastore_type_has_a_label() -> None:
    assert set(labels.DATASTORE_TYPE) == set(TYPES)
