"""Datastore dumps: every format opens and gives back the loaded rows."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import pytest
from openpyxl import load_workbook

from portal.actions.resources import Upload
from portal.web.public import dumps
from portal.web.public.dump_formats import neutralise
from tests.conftest import package_params
from tests.web.conftest import TABLE_ROWS, Catalog, Table, load_table

HEADER, SOURCE = TABLE_ROWS[0], TABLE_ROWS[1:]
TEXT_COLUMNS = {0, 4}


def get(client, table: Table, **params: str) -> Any:
    return client.get(f"/datastore/dump/{table.id}", query_string=params)


def expected_text_rows() -> list[list[str]]:
    """The source as a CSV dump writes it: text neutralised, numbers and dates as they were."""
    return [[neutralise(v) if i in TEXT_COLUMNS else v for i, v in enumerate(row)]
            for row in SOURCE]


def parse_delimited(data: bytes, delimiter: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline=""), delimiter=delimiter))


def searched(table: Table, **params: Any) -> dict[str, Any]:
    return table.catalog.portal.call("datastore_search", {
        "resource_id": table.id, "records_format": "lists", "limit": 1000, **params})


def test_the_table_loaded_as_the_source_says(table: Table) -> None:
    result = searched(table)
    assert [f["id"] for f in result["fields"]] == ["_id", *HEADER]
    assert [f["type"] for f in result["fields"][1:]] == [
        "text", "integer", "numeric", "date", "text"]
    assert [row[1] for row in result["records"]] == [row[0] for row in SOURCE]


@pytest.mark.parametrize(("fmt", "delimiter"), [("csv", ","), ("tsv", "\t")])
def test_csv_and_tsv_round_trip(client, table: Table, fmt: str, delimiter: str) -> None:
    response = get(client, table, format=fmt)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith(
        "text/csv" if fmt == "csv" else "text/tab-separated-values")
    assert response.data[:3] != b"\xef\xbb\xbf"
    rows = parse_delimited(response.data, delimiter)
    assert rows == [HEADER, *expected_text_rows()]


def test_csv_is_the_default_format(client, table: Table) -> None:
    assert get(client, table).data == get(client, table, format="csv").data


@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_a_bom_only_on_request(client, table: Table, fmt: str) -> None:
    plain = get(client, table, format=fmt).data
    with_bom = get(client, table, format=fmt, bom="true").data
    assert with_bom == b"\xef\xbb\xbf" + plain
    assert not plain.startswith(b"\xef\xbb\xbf")
    assert with_bom.decode("utf-8-sig").startswith("区域")


def test_formula_cells_are_neutralised_and_numbers_kept(client, table: Table) -> None:
    rows = parse_delimited(get(client, table).data, ",")[1:]
    notes = [row[4] for row in rows]
    assert notes[:4] == ["'=1+1", "含,逗号", "'+1 (800) 000", "'@SUM(A1)"]
    assert notes[5] == "-12.5"  # text that is only a number runs nothing
    assert [row[2] for row in rows] == ["-12.5", "3.25", "0.5", "-0.75", "12.75", "-3.5", "1.5"]
    assert rows[2][1] == "-7"


def test_json_round_trips(client, table: Table) -> None:
    response = get(client, table, format="json")
    assert response.headers["Content-Type"].startswith("application/json")
    document = json.loads(response.data)
    loaded = searched(table)
    assert document["fields"] == [{"id": f["id"], "type": f["type"]}
                                  for f in loaded["fields"][1:]]
    assert document["records"] == [row[1:] for row in loaded["records"]]
    # The public's table is built from the released file, whose formula-leading cells
    # the gate neutralised (issue 13): JSON gives the value as released.
    assert document["records"][0] == ["城关镇", 52000, -12.5, "2024-01-05", "'=1+1"]


def test_xlsx_round_trips(client, table: Table) -> None:
    response = get(client, table, format="xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Length"] == str(len(response.data))
    book = load_workbook(io.BytesIO(response.data))
    rows = [list(r) for r in book.active.iter_rows(values_only=True)]
    assert rows[0] == HEADER
    for got, source in zip(rows[1:], SOURCE, strict=True):
        assert got[0] == source[0]
        assert got[1] == (int(source[1]) if source[1] else None)
        assert isinstance(got[2], float) and Decimal(str(got[2])) == Decimal(source[2])
        assert got[3] == (datetime.fromisoformat(source[3]) if source[3] else None)
        assert got[4] == neutralise(source[4])
    assert rows[1][2] == -12.5 and rows[3][1] == -7  # negative numbers stay numbers
    assert rows[1][4] == "'=1+1" and book.active["E2"].data_type == "s"
    assert len(rows) == len(TABLE_ROWS)


@pytest.mark.parametrize(("fmt", "name"), [("csv", "乡镇人口.csv"), ("tsv", "乡镇人口.tsv"),
                                          ("json", "乡镇人口.json"), ("xlsx", "乡镇人口.xlsx")])
def test_files_are_named_after_the_resource(client, table: Table, fmt: str, name: str) -> None:
    disposition = get(client, table, format=fmt).headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote(name)}" in disposition


# --- the rows a dump holds: CKAN's parameters --------------------------------------------------------

def dumped_names(client, table: Table, **params: str) -> list[str]:
    return [row[0] for row in parse_delimited(get(client, table, **params).data, ",")[1:]]


def test_filters_q_sort_fields_limit_offset(client, table: Table) -> None:
    assert dumped_names(client, table, filters=json.dumps({"区域": ["双河镇", "大庄镇"]})) == [
        "双河镇", "大庄镇"]
    assert dumped_names(client, table, q="逗号") == ["双河镇"]
    assert dumped_names(client, table, sort="面积 desc") == [
        "黄圩镇", "双河镇", "墩集镇", "大庄镇", "草沟镇", "长沟镇", "城关镇"]
    assert dumped_names(client, table, limit="2", offset="1") == ["双河镇", "大庄镇"]
    rows = parse_delimited(get(client, table, fields="面积,区域").data, ",")
    assert rows[:2] == [["面积", "区域"], ["-12.5", "城关镇"]]


def test_id_only_when_asked_for(client, table: Table) -> None:
    rows = parse_delimited(get(client, table, fields="_id,区域").data, ",")
    assert rows[:2] == [["_id", "区域"], ["1", "城关镇"]]


def test_dumps_page_through_the_table(client, table: Table, monkeypatch) -> None:
    monkeypatch.setattr(dumps, "PAGE", 2)
    everything = [row[0] for row in SOURCE]
    assert dumped_names(client, table) == everything
    assert dumped_names(client, table, limit="5", offset="1") == everything[1:6]
    # Equal sort keys still come out once each, in _id order: _id breaks the ties.
    same = load_table(table.catalog, [["镇", "类"]] + [[f"镇{i}", "甲"] for i in range(7)],
                      name="同类.csv")
    assert dumped_names(client, same, sort="类") == [f"镇{i}" for i in range(7)]
    xlsx = load_workbook(io.BytesIO(get(client, table, format="xlsx").data)).active
    assert [r[0] for r in xlsx.iter_rows(min_row=2, values_only=True)] == everything
    records = json.loads(get(client, table, format="json").data)["records"]
    assert [r[0] for r in records] == everything


# --- what is not there, or not for this visitor ---------------------------------------------------

def test_unknown_resource_is_404(client, table: Table) -> None:
    response = client.get("/datastore/dump/no-such-resource")
    assert response.status_code == 404 and "页面不存在" in response.get_data(as_text=True)


def test_resources_without_a_table_are_404(client, catalog: Catalog) -> None:
    # A link, and an upload that is no table: neither has rows to dump.
    for rid in (catalog.link["id"], catalog.portal.call("resource_create", {
            "package_id": "schools", "upload": Upload("说明.pdf", io.BytesIO(b"%PDF-1.4"))},
            user=catalog.admin)["id"]):
        for fmt in ("csv", "xlsx", "json"):
            assert client.get(f"/datastore/dump/{rid}?format={fmt}").status_code == 404


@pytest.mark.parametrize("state", [{"publication_state": "draft"}, {"private": True}])
def test_tables_of_hidden_entries_are_404(client, catalog: Catalog, state) -> None:
    catalog.portal.call("package_create", package_params("hidden-table", "edu", **state),
                        user=catalog.admin)
    hidden = load_table(catalog, TABLE_ROWS, dataset="hidden-table")
    response = get(client, hidden)
    assert response.status_code == 404 and "城关镇" not in response.get_data(as_text=True)


@pytest.mark.parametrize("params", [
    {"format": "pdf"}, {"filters": "not json"}, {"filters": "[1]"}, {"bom": "maybe"},
    {"limit": "-1"}, {"offset": "x"}, {"filters": json.dumps({"没有这列": "x"})},
    {"sort": "没有这列"}, {"fields": "没有这列"},
])
def test_bad_parameters_are_400(client, table: Table, params: dict[str, str]) -> None:
    assert get(client, table, **params).status_code == 400


def test_a_bad_request_page_says_what_was_wrong(client, table: Table) -> None:
    html = get(client, table, filters="not json").get_data(as_text=True)
    assert "filters must be a JSON object" in html
    html = get(client, table, filters=json.dumps({"没有这列": "x"})).get_data(as_text=True)
    assert "没有这列" in html
