"""A catalog entry's resources as one zip: the files by name (the released ones for the
public, the uploaded ones for the department and the bureau), links in README.txt."""

from __future__ import annotations

import io
import zipfile
from hashlib import sha256
from urllib.parse import quote

import pytest

from portal.actions.resources import Upload
from tests.conftest import package_params
from tests.web.conftest import CSV_BYTES, Catalog
from tests.web.signin import sign_in


def open_zip(client, dataset: str) -> zipfile.ZipFile:
    response = client.get(f"/dataset/{dataset}/download.zip")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(response.data))


def readme(archive: zipfile.ZipFile) -> str:
    return archive.read("README.txt").decode("utf-8-sig")


def test_the_zip_holds_the_files_and_lists_the_links(client, catalog: Catalog) -> None:
    # The public gets the released files, named as the public's resource dicts name them
    # (the resource's name with the upload's extension), never the uploaded file's name.
    archive = open_zip(client, "schools")
    assert archive.testzip() is None
    assert archive.namelist() == ["README.txt", "学校名录.csv"]
    released = archive.read("学校名录.csv")
    public = catalog.portal.call("resource_show", {"id": catalog.upload["id"]})
    assert sha256(released).hexdigest() == public["hash"]
    assert released == CSV_BYTES  # nothing in this table needs treating
    text = readme(archive)
    assert text.splitlines()[0] == "全县学校名录"
    assert f"{catalog.portal.site_url}/dataset/schools" in text
    assert "学校名录.csv" in text and "学校名录 2024" not in text
    assert "教育局网站: https://edu.example.cn/schools" in text
    assert "\r\n" in text

    # The department and the bureau get the uploaded files under their own names.
    sign_in(client, "bureau-admin")
    archive = open_zip(client, "schools")
    assert archive.testzip() is None
    assert archive.namelist() == ["README.txt", "学校名录 2024.csv"]
    assert archive.read("学校名录 2024.csv") == CSV_BYTES
    text = readme(archive)
    assert "学校名录 2024.csv" in text
    assert "教育局网站: https://edu.example.cn/schools" in text


def test_zip_name_is_the_entry_s_title(client, catalog: Catalog) -> None:
    response = client.get("/dataset/schools/download.zip")
    assert f"filename*=UTF-8''{quote('全县学校名录.zip')}" in response.headers["Content-Disposition"]


def test_readme_in_english(client, catalog: Catalog) -> None:
    client.get("/?lang=en")
    assert "Files in this archive:" in readme(open_zip(client, "schools"))


def test_same_names_do_not_overwrite_each_other(client, catalog: Catalog) -> None:
    added = [catalog.portal.call("resource_create", {
        "package_id": "schools", "upload": Upload("学校名录 2024.csv", io.BytesIO(data))},
        user=catalog.admin) for data in (b"second", b"third")]
    catalog.portal.call("resource_create", {
        "package_id": "schools", "upload": Upload("../../etc/README.txt", io.BytesIO(b"x"))},
        user=catalog.admin)
    # The public's names come from the resources' names (here the uploaded file names the
    # resources were given, made safe: the base name only): names alike, none overwritten,
    # not even the archive's own README.
    archive = open_zip(client, "schools")
    assert archive.namelist() == ["README.txt", "学校名录.csv", "学校名录 2024.csv",
                                  "学校名录 2024 (2).csv", "README (2).txt"]
    public = catalog.portal.call("resource_show", {"id": added[1]["id"]})
    assert sha256(archive.read("学校名录 2024 (2).csv")).hexdigest() == public["hash"]
    assert archive.read("学校名录 2024 (2).csv").strip() == b"third"  # the released file
    # The department's and the bureau's zip: the uploaded files under the names they were
    # uploaded with, none overwritten, README.txt not replaced.
    sign_in(client, "bureau-admin")
    archive = open_zip(client, "schools")
    assert archive.namelist() == ["README.txt", "学校名录 2024.csv", "学校名录 2024 (2).csv",
                                  "学校名录 2024 (3).csv", "README (2).txt"]
    assert archive.read("学校名录 2024 (3).csv") == b"third"
    assert archive.read("README (2).txt") == b"x"


def test_large_text_files_are_compressed_and_intact(client, catalog: Catalog) -> None:
    data = ("序号,名称\n" + "".join(f"{i},县第{i}中学\n" for i in range(50_000))).encode()
    catalog.portal.call("resource_create", {
        "package_id": "water-quality", "upload": Upload("大表.csv", io.BytesIO(data))},
        user=catalog.admin)
    archive = open_zip(client, "water-quality")
    info = archive.getinfo("大表.csv")
    assert info.compress_type == zipfile.ZIP_DEFLATED and info.compress_size < len(data) / 3
    assert archive.read("大表.csv") == data
    assert "2024年1月: https://water.example.cn/q.xlsx" in readme(archive)


def test_an_entry_without_files_has_a_readme_only(client, catalog: Catalog) -> None:
    archive = open_zip(client, "water-quality")
    assert archive.namelist() == ["README.txt"]


def test_a_missing_blob_is_named_not_fatal(client, catalog: Catalog) -> None:
    catalog.portal.blobs.path(catalog.upload["hash"]).unlink()
    archive = open_zip(client, "schools")
    assert archive.namelist() == ["README.txt"]
    assert "学校名录" in readme(archive).split("\r\n\r\n")[-1]


@pytest.mark.parametrize("state", [{"publication_state": "draft"}, {"private": True}])
def test_hidden_entries_have_no_zip(client, catalog: Catalog, state) -> None:
    catalog.portal.call("package_create", package_params(
        "hidden-zip", "edu", resources=[{"upload": Upload("秘密.csv", io.BytesIO(b"secret"))}],
        **state), user=catalog.admin)
    response = client.get("/dataset/hidden-zip/download.zip")
    assert response.status_code == 404 and b"secret" not in response.data


def test_unknown_entry_is_404(client, catalog: Catalog) -> None:
    assert client.get("/dataset/no-such/download.zip").status_code == 404
