"""What the dataset page shows around each resource: earlier versions and the zip of all files."""

from __future__ import annotations

import io
import json

import pytest

from portal.actions.resources import Upload
from portal.datastore.names import TYPES
from portal.web.support import labels
from tests.web.conftest import CSV_BYTES, Catalog, Table
from tests.web.signin import sign_in


def test_earlier_versions_are_listed_with_their_downloads(client, catalog: Catalog) -> None:
    res = catalog.portal.call("resource_patch", {
        "id": catalog.upload["id"], "upload": Upload("学校名录 2025.csv", io.BytesIO(b"new"))},
        user=catalog.admin)
    old = res["versions"][0]
    link = (f'/dataset/schools/resource/{res["id"]}/version/{old["hash"]}/download/'
            f'%E5%AD%A6%E6%A0%A1%E5%90%8D%E5%BD%95%202024.csv')
    # Earlier versions are raw files: the public's page does not list them, nor serves them.
    public = client.get("/dataset/schools").get_data(as_text=True)
    assert "历史版本" not in public and "第 1 版" not in public
    assert "/version/" not in public and old["hash"] not in public
    assert client.get(link).status_code == 404
    # The department and the bureau see them, each with its download.
    sign_in(client, "bureau-admin")
    html = client.get("/dataset/schools").get_data(as_text=True)
    assert "历史版本" in html and "第 1 版" in html
    assert f'href="{link}"' in html
    assert client.get(link).data == CSV_BYTES
    # The current file is the resource's own download, not listed as an earlier version.
    assert f'/version/{res["hash"]}/' not in html


def test_a_single_version_shows_no_history(client, catalog: Catalog) -> None:
    assert "历史版本" not in client.get("/dataset/schools").get_data(as_text=True)


def test_the_page_links_the_zip_of_all_files(client, catalog: Catalog) -> None:
    html = client.get("/dataset/schools").get_data(as_text=True)
    assert 'href="/dataset/schools/download.zip"' in html and "下载全部文件" in html


def test_no_preview_script_without_a_datastore_table(client, catalog: Catalog) -> None:
    html = client.get("/dataset/water-quality").get_data(as_text=True)  # a link only
    assert "datastore-preview.js" not in html and "data-datastore-preview" not in html


def test_every_datastore_type_has_a_label() -> None:
    assert set(labels.DATASTORE_TYPE) == set(TYPES)


# --- a resource with a datastore table ----------------------------------------------------------

def page(client, lang: str = "") -> str:
    return client.get("/dataset/schools" + (f"?lang={lang}" if lang else "")).get_data(as_text=True)


def test_a_loaded_table_gets_a_preview_downloads_and_an_api_example(client, table: Table) -> None:
    html = page(client)
    assert f'data-resource-id="{table.id}"' in html
    assert 'data-api="/api/3/action/datastore_search"' in html
    assert "datastore-preview.js" in html
    for query in ("format=csv", "format=csv&amp;bom=true", "format=tsv", "format=json",
                  "format=xlsx"):
        assert f'href="/datastore/dump/{table.id}?{query}"' in html
    assert "CSV（Excel 适用）" in html and "下载数据表" in html
    site = table.catalog.portal.site_url
    assert f"curl '{site}/api/3/action/datastore_search?resource_id={table.id}&amp;limit=5'" in html
    assert f'datastore_search(resource_id="{table.id}", limit=5)' in html


def test_the_preview_texts_are_translated(client, table: Table) -> None:
    def texts(html: str) -> dict:
        block = html.split('id="datastore-preview-text">', 1)[1].split("</script>", 1)[0]
        return json.loads(block)

    zh, en = texts(page(client)), texts(page(client, "en"))
    assert zh["rows"] == "第 {first}–{last} 行，共 {total} 行"
    assert en["rows"] == "Rows {first}–{last} of {total}"
    assert zh["types"] == {"text": "文本", "integer": "整数", "numeric": "数值", "date": "日期",
                           "timestamp": "日期时间"}
    assert en["types"]["numeric"] == "Number"


def set_status(catalog: Catalog, rid: str, status: str, loaded: bool) -> None:
    from portal.models import DatastoreTable
    from portal.models.base import utcnow

    with catalog.portal.session() as session, session.begin():
        row = session.get(DatastoreTable, rid) or DatastoreTable(resource_id=rid, fields=[])
        row.status, row.message = status, "第 3 行格式错误" if status == "error" else ""
        row.loaded_at = utcnow() if loaded else None
        session.add(row)


@pytest.mark.parametrize(("status", "loaded", "shown", "preview"), [
    ("pending", False, "数据表正在导入数据库", False),
    ("loading", False, "数据表正在导入数据库", False),
    ("error", False, "数据表导入失败。", False),
    ("loading", True, "新文件正在导入", True),
    ("error", True, "最新文件导入失败", True),
])
def test_load_status_is_shown(client, catalog: Catalog, status: str, loaded: bool, shown: str,
                              preview: bool) -> None:
    assert catalog.portal.jobs.wait_idle(60)  # the fixture's own upload has loaded
    set_status(catalog, catalog.upload["id"], status, loaded)
    html = page(client)
    assert shown in html
    assert ("第 3 行格式错误" in html) == (status == "error")
    assert ("data-datastore-preview" in html) == preview


def test_a_file_that_is_no_table_shows_the_loader_s_error(client, catalog: Catalog) -> None:
    catalog.portal.call("resource_create", {
        "package_id": "schools", "upload": Upload("坏表.csv", io.BytesIO(b"\x00\x01\x02" * 500))},
        user=catalog.admin)
    assert catalog.portal.jobs.wait_idle(60)
    html = page(client)
    assert "数据表导入失败。" in html and 'class="datastore-error"' in html
