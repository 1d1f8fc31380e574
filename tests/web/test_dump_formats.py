"""The dump writers on their own: what each format writes for awkward values."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from portal.web.public import dump_formats as formats

FIELDS = [{"id": "名称", "type": "text"}, {"id": "数量", "type": "numeric"},
          {"id": "日期", "type": "date"}, {"id": "时间", "type": "timestamp"}]
ROWS = [
    ["=HYPERLINK(\"http://evil\")", Decimal("-12.5"), "2024-03-05", "2024-03-05T08:30:00"],
    ["+86 138 0000 0000", -3, None, None],
    ["-12.5", 7, "2024-12-31", None],
    ["@SUM(A1)", 0.25, None, None],
    ["\tcmd", 1, None, None],
    ["普通文本, 带逗号\n换行", None, None, None],
]


@pytest.mark.parametrize(("text", "expected"), [
    ("=1+1", "'=1+1"), ("+1+1", "'+1+1"), ("-1+1", "'-1+1"), ("@A1", "'@A1"),
    ("\t=1", "'\t=1"), ("\r=1", "'\r=1"),
    ("-12.5", "-12.5"), ("+3", "+3"), ("-1e5", "-1e5"), (".5", ".5"),
    ("城关镇", "城关镇"), ("a=b", "a=b"), ("", ""),
])
def test_neutralise(text: str, expected: str) -> None:
    assert formats.neutralise(text) == expected


def read_delimited(data: bytes, delimiter: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""),
                           delimiter=delimiter))


@pytest.mark.parametrize("delimiter", [",", "\t"])
def test_delimited(delimiter: str) -> None:
    data = b"".join(formats.delimited(FIELDS, [ROWS[:2], [], ROWS[2:]], delimiter=delimiter,
                                      bom=False))
    assert not data.startswith(formats.BOM)
    rows = read_delimited(data, delimiter)
    assert rows[0] == ["名称", "数量", "日期", "时间"]
    assert [r[0] for r in rows[1:]] == ["'=HYPERLINK(\"http://evil\")", "'+86 138 0000 0000",
                                        "-12.5", "'@SUM(A1)", "'\tcmd", "普通文本, 带逗号\n换行"]
    assert [r[1] for r in rows[1:]] == ["-12.5", "-3", "7", "0.25", "1", ""]
    assert rows[1][2:] == ["2024-03-05", "2024-03-05T08:30:00"]


def test_bom_only_on_request() -> None:
    data = b"".join(formats.delimited(FIELDS, [ROWS], delimiter=",", bom=True))
    assert data.startswith(b"\xef\xbb\xbf") and data.count(formats.BOM) == 1


def test_json_document() -> None:
    data = b"".join(formats.json_document(FIELDS, [ROWS[:1], [], ROWS[1:]]))
    doc = json.loads(data)
    assert doc["fields"] == FIELDS
    assert doc["records"][0] == ["=HYPERLINK(\"http://evil\")", -12.5, "2024-03-05",
                                 "2024-03-05T08:30:00"]  # JSON is written as stored
    assert len(doc["records"]) == len(ROWS)
    assert json.loads(b"".join(formats.json_document(FIELDS, []))) == {"fields": FIELDS,
                                                                       "records": []}


def test_xlsx_cells_keep_their_types() -> None:
    out = io.BytesIO()
    formats.write_xlsx(FIELDS, [ROWS], out, sheet_title="学校")
    sheet = load_workbook(io.BytesIO(out.getvalue()))["学校"]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["名称", "数量", "日期", "时间"]
    assert rows[1] == ["'=HYPERLINK(\"http://evil\")", -12.5, datetime(2024, 3, 5),
                       datetime(2024, 3, 5, 8, 30)]
    assert [r[0] for r in rows[2:]] == ["'+86 138 0000 0000", "-12.5", "'@SUM(A1)", "'\tcmd",
                                        "普通文本, 带逗号\n换行"]
    assert [r[1] for r in rows[2:]] == [-3, 7, 0.25, 1, None]


def test_xlsx_awkward_values() -> None:
    out = io.BytesIO()
    fields = [{"id": "=id", "type": "integer"}, {"id": "t", "type": "text"},
              {"id": "d", "type": "date"}]
    formats.write_xlsx(fields, [[[123456789012345678, "bad\x01char" + "x" * 40000,
                                  "not a date"], [1, None, date(2024, 1, 2)]]], out)
    rows = list(load_workbook(io.BytesIO(out.getvalue())).active.iter_rows(values_only=True))
    assert rows[0][0] == "'=id"
    assert rows[1][0] == "123456789012345678"  # beyond Excel's 15 digits: text, not rounded
    assert rows[1][1].startswith("badchar") and len(rows[1][1]) == formats.XLSX_MAX_TEXT
    assert rows[1][2] == "not a date"
    assert rows[2][2] == datetime(2024, 1, 2)


def test_xlsx_continues_on_a_new_sheet(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(formats, "XLSX_MAX_ROWS", 3)  # header + 2 rows a sheet
    out = io.BytesIO()
    formats.write_xlsx([{"id": "n", "type": "integer"}], [[[i] for i in range(5)]], out)
    book = load_workbook(io.BytesIO(out.getvalue()), read_only=True)
    assert book.sheetnames == ["data", "data (2)", "data (3)"]
    assert [[c for (c,) in s.iter_rows(values_only=True)] for s in book.worksheets] == [
        ["n", 0, 1], ["n", 2, 3], ["n", 4]]


def test_xlsx_without_rows_has_the_header() -> None:
    out = io.BytesIO()
    formats.write_xlsx(FIELDS, [], out)
    rows = list(load_workbook(io.BytesIO(out.getvalue())).active.iter_rows(values_only=True))
    assert rows == [("名称", "数量", "日期", "时间")]


def test_a_failed_workbook_leaves_no_temporary_files() -> None:
    from openpyxl.worksheet._writer import ALL_TEMP_FILES

    before = set(ALL_TEMP_FILES)

    def batches():
        yield [["a", 1, None, None]]
        raise RuntimeError("the datastore went away")

    with pytest.raises(RuntimeError):
        formats.write_xlsx(FIELDS, batches(), io.BytesIO())
    assert set(ALL_TEMP_FILES) == before


@pytest.mark.parametrize(("name", "expected"), [
    ("学校名录 2024.csv", "学校名录 2024.csv"), ("a/b:c*?[x]", "a b c   x"),
    ("", "data"), ("x" * 40, "x" * 31),
])
def test_sheet_title(name: str, expected: str) -> None:
    assert formats.sheet_title(name) == expected
