"""XLSX through open_table: merged headers, sheets, cell values, zip bombs."""

from __future__ import annotations

import struct
import zipfile
from datetime import date, datetime, time
from pathlib import Path

import pytest
from openpyxl import Workbook

from desensitize.tables import Limits, TableError, open_table
from desensitize.tables.types import infer_types


def merged_workbook(path: Path) -> Path:
    """A county-style sheet: a title row, then 基本信息 and 联系方式 over sub-headers."""
    book = Workbook()
    sheet = book.active
    sheet.title = "低保名单"
    sheet.append(["2023年城关镇低保对象名单"])
    sheet.append(["序号", "基本信息", None, None, "联系方式", None, "金额"])
    sheet.append([None, "姓名", "性别", "出生日期", "电话", "地址", None])
    for ref in ("A1:G1", "A2:A3", "B2:D2", "E2:F2", "G2:G3"):
        sheet.merge_cells(ref)
    sheet.append([1, "张三", "男", date(1980, 1, 2), "13812345678", "东溪村", 1200.5])
    sheet.append([2, "李四", "女", datetime(1990, 3, 4), "13912345678", None, 980])
    sheet.append([3, "王五", "男", datetime(1975, 12, 31), "0571-8888888", "西坪村", 0.25])
    sheet.merge_cells("F4:F5")  # one address for two households
    other = book.create_sheet("汇总")
    other.append(["乡镇", "户数"])
    other.append(["城关镇", 3])
    book.save(path)
    return path


def test_merged_two_row_header(tmp_path: Path) -> None:
    with open_table(merged_workbook(tmp_path / "名单.xlsx")) as table:
        assert table.info.format == "xlsx"
        assert table.info.sheet == "低保名单"
        assert table.info.sheets == ["低保名单", "汇总"]
        assert table.info.columns == ["序号", "基本信息_姓名", "基本信息_性别",
                                      "基本信息_出生日期", "联系方式_电话", "联系方式_地址",
                                      "金额"]
        rows = list(table.rows())
    assert rows == [
        ["1", "张三", "男", "1980-01-02", "13812345678", "东溪村", "1200.5"],
        ["2", "李四", "女", "1990-03-04", "13912345678", "东溪村", "980"],
        ["3", "王五", "男", "1975-12-31", "0571-8888888", "西坪村", "0.25"],
    ]
    assert infer_types(rows, 7) == ["integer", "text", "text", "date", "text", "text",
                                    "number"]


@pytest.mark.parametrize("sheet", ["汇总", 1])
def test_sheet_choice(tmp_path: Path, sheet: str | int) -> None:
    with open_table(merged_workbook(tmp_path / "m.xlsx"), sheet=sheet) as table:
        assert table.info.sheet == "汇总"
        assert table.info.columns == ["乡镇", "户数"]
        assert list(table.rows()) == [["城关镇", "3"]]


@pytest.mark.parametrize("sheet, message", [(5, "no sheet number 5"),
                                            ("无此表", "no sheet named '无此表'")])
def test_missing_sheet(tmp_path: Path, sheet: str | int, message: str) -> None:
    with pytest.raises(TableError, match=message):
        open_table(merged_workbook(tmp_path / "m.xlsx"), sheet=sheet)


def test_cell_values_as_text(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["int", "float", "whole float", "datetime", "midnight", "date", "bool",
                  "time", "empty"])
    sheet.append([42, 0.1, 3.0, datetime(2024, 3, 5, 14, 30, 5), datetime(2024, 3, 5),
                  date(2024, 2, 29), True, time(8, 15), ""])
    sheet.append([-7, 1e20, -0.0, None, None, None, False, None, None])
    book.save(tmp_path / "v.xlsx")
    with open_table(tmp_path / "v.xlsx") as table:
        assert list(table.rows()) == [
            ["42", "0.1", "3", "2024-03-05T14:30:05", "2024-03-05", "2024-02-29", "true",
             "08:15:00", None],
            ["-7", "1e+20", "0", None, None, None, "false", None, None],
        ]


def test_blank_rows_and_ragged_cells(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append([None])
    sheet.append(["a", "b"])
    sheet.append([1, 2, "多余"])
    sheet.append([None, None])
    sheet.append([3])
    book.save(tmp_path / "r.xlsx")
    with open_table(tmp_path / "r.xlsx") as table:
        assert table.info.columns == ["a", "b"]
        assert list(table.rows()) == [["1", "2"], ["3", None]]
        assert [(i.row, i.line) for i in table.issues] == [(0, 3)]
        assert "'多余'" in table.issues[0].message


def test_a_zip_that_is_no_workbook(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "fake.xlsx", "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    with pytest.raises(TableError, match="not a readable .xlsx workbook"):
        open_table(tmp_path / "fake.xlsx")


@pytest.mark.parametrize("data", [b"this is not a zip at all", b"PK\x03\x04\x14\x00broken"])
def test_corrupt_xlsx(tmp_path: Path, data: bytes) -> None:
    (tmp_path / "bad.xlsx").write_bytes(data)
    with pytest.raises(TableError, match="not a valid .xlsx file"):
        open_table(tmp_path / "bad.xlsx")


def test_truncated_xlsx(tmp_path: Path) -> None:
    data = merged_workbook(tmp_path / "m.xlsx").read_bytes()
    (tmp_path / "cut.xlsx").write_bytes(data[: len(data) // 2])
    with pytest.raises(TableError, match="not a valid .xlsx file"):
        open_table(tmp_path / "cut.xlsx")


def test_zip_bomb_by_ratio(tmp_path: Path) -> None:
    """A 20 MB part of zeros deflates to about 20 KB: a ratio near 1000."""
    path = merged_workbook(tmp_path / "bomb.xlsx")
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", bytes(20 << 20))
    assert path.stat().st_size < 1 << 20
    with pytest.raises(TableError, match="inflates .* times.*zip bomb"):
        open_table(path)


def test_zip_bomb_by_declared_size(tmp_path: Path) -> None:
    """A part that declares 3 GB uncompressed: refused before anything inflates."""
    path = merged_workbook(tmp_path / "huge.xlsx")
    data = bytearray(path.read_bytes())
    at = data.find(b"PK\x01\x02")  # first central directory entry
    struct.pack_into("<I", data, at + 24, 3_000_000_000)  # its uncompressed size
    path.write_bytes(bytes(data))
    with pytest.raises(TableError, match="would inflate to 3,0.*zip bomb"):
        open_table(path)


def test_total_size_limit(tmp_path: Path) -> None:
    path = merged_workbook(tmp_path / "m.xlsx")
    with pytest.raises(TableError, match="over the limit of 1,000"):
        open_table(path, limits=Limits(max_xlsx_uncompressed_bytes=1000))


def test_old_excel_refused(tmp_path: Path) -> None:
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100))
    with pytest.raises(TableError, match="old Excel"):
        open_table(tmp_path / "old.xls")


def test_xlsx_found_by_content(tmp_path: Path) -> None:
    blob = tmp_path / "3f5a9c"  # stored under its hash, no extension
    blob.write_bytes(merged_workbook(tmp_path / "m.xlsx").read_bytes())
    with open_table(blob) as table:
        assert table.info.format == "xlsx"
        assert table.info.columns[1] == "基本信息_姓名"


def test_part_that_inflates_past_its_declared_size(tmp_path: Path) -> None:
    """zipfile stops at the declared size and fails the CRC: a TableError, no crash."""
    path = merged_workbook(tmp_path / "liar.xlsx")
    data = bytearray(path.read_bytes())
    name = b"xl/worksheets/sheet1.xml"
    at = data.find(b"PK\x01\x02")
    while at != -1:
        name_length = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46: at + 46 + name_length] == name:
            struct.pack_into("<I", data, at + 24, 100)  # declares 100 bytes
        at = data.find(b"PK\x01\x02", at + 4)
    path.write_bytes(bytes(data))
    with pytest.raises(TableError, match="not a readable .xlsx workbook .*Bad CRC-32"):
        open_table(path)
