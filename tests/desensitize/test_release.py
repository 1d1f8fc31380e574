"""Release only what was read (issue 13): the gate writes every release itself from
the parsed table, never the uploaded bytes; whatever the reader skipped (a CSV's
preface, "#" lines, cells past the header, footers; an XLSX's hidden sheets,
comments, document properties, defined names, formulas) is scanned and never
released raw; formula-leading cells are neutralised; the report's samples are the
values as the release holds them. Written as an attacker would hide data."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.workbook.defined_name import DefinedName

from desensitize.apply import apply
from desensitize.scanner import Scanner
from desensitize.tables import open_table

SECRET = "release-test-secret-0123456789"
ID = "110101199003074514"  # valid check digit
ID2 = "110101198507150011"
MOBILE = "13812345678"
MOBILE2 = "13900001111"
RAW = (ID, ID2, MOBILE, MOBILE2)


@pytest.fixture(scope="module")
def scanner() -> Scanner:
    return Scanner()


def all_parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def no_raw(data: str | bytes) -> list[str]:
    text = data if isinstance(data, str) else data.decode("utf-8", "replace")
    return [v for v in RAW if v in text]


# --- XLSX ------------------------------------------------------------------------------

def clean_sheet(book: Workbook) -> None:
    sheet = book.active
    sheet.title = "统计"
    for row in [["乡镇", "户数", "金额"], ["大庄镇", 120, 35000.5], ["草沟镇", 98, -12.5]]:
        sheet.append(row)


def test_hidden_and_very_hidden_sheets_holding_ids_block_the_file(
        tmp_path: Path, scanner: Scanner) -> None:
    book = Workbook()
    clean_sheet(book)
    hidden = book.create_sheet("备份")
    hidden.append(["姓名", "身份证号", "手机"])
    hidden.append(["张三", ID, MOBILE])
    hidden.sheet_state = "hidden"
    very = book.create_sheet("raw")
    very.append(["x"])
    very.append([f"身份证 {ID2}"])
    very.sheet_state = "veryHidden"
    source = tmp_path / "in.xlsx"
    book.save(source)
    out = tmp_path / "out.xlsx"
    report = apply(source, "unconditional-open", out, secret=SECRET, scanner=scanner)
    assert report.blocked
    assert any("'备份' (hidden)" in r for r in report.reasons)
    assert any("'raw' (veryHidden)" in r for r in report.reasons)
    assert not out.exists()
    assert no_raw(json.dumps(report.to_json(), ensure_ascii=False)) == []


def hostile_workbook(path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "名单"
    sheet.append(["序号", "姓名", "身份证号", "手机", "金额", "链接", "命令"])
    sheet.append([1, "王秀英", ID, MOBILE, -12.5, '=HYPERLINK("http://evil.example/","点击")',
                  "=cmd|' /C calc'!A0"])
    sheet.append([2, "李明", ID2, MOBILE2, 30, "=1+1", "@SUM(A1)"])
    sheet["F3"].data_type = "s"  # text that looks like a formula
    sheet["C2"].comment = Comment(f"核对：身份证 {ID2}，电话 {MOBILE2}", "张三")
    sheet["A1"].comment = Comment(f"联系人 {MOBILE}", "李四")
    book.properties.creator = f"张三 {ID}"
    book.properties.description = f"联系电话 {MOBILE}"
    book.properties.title = f"名单 {ID2}"
    book.defined_names["secret_id"] = DefinedName("secret_id", attr_text=f'"{ID}"')
    book.save(path)


def test_an_xlsx_release_carries_cell_values_only(tmp_path: Path, scanner: Scanner) -> None:
    source = tmp_path / "in.xlsx"
    hostile_workbook(source)
    out = tmp_path / "out.xlsx"
    report = apply(source, "unconditional-open", out, secret=SECRET, scanner=scanner)
    assert report.decision == "allowed_after_treatment", report.reasons
    parts = all_parts(out)
    for name, data in parts.items():
        assert no_raw(data) == [], name
    names = " ".join(parts)
    assert "comments" not in names and "vmlDrawing" not in names
    assert "threadedComment" not in names and "customXml" not in names
    assert not re.search(rb"<definedName[ >]", parts["xl/workbook.xml"])
    assert all(b"<f>" not in d and b"<f " not in d for n, d in parts.items()
               if n.startswith("xl/worksheets/"))
    core = parts.get("docProps/core.xml", b"").decode()
    assert "张三" not in core and "联系电话" not in core and "名单" not in core
    sheet = load_workbook(out)["名单"]
    values = list(sheet.values)
    assert values[1][4] == -12.5  # a negative number stays a number
    assert values[1][5] is None and values[1][6] is None  # formulas: no cached value
    assert values[2][5] == "'=1+1" and values[2][6] == "'@SUM(A1)"  # text, neutralised
    left = " ".join(report.left_out)
    assert "cell comments" in left and "document properties" in left
    assert "defined names" in left
    text = json.dumps(report.to_json(), ensure_ascii=False)
    assert no_raw(text) == []
    dropped = {c["column"]: c for c in report.to_json()["columns"]}
    assert dropped["(cell comments)"]["entities"]["CN_RESIDENT_ID"]["treatment"] == "drop"
    assert dropped["(document properties)"]["entities"]["CN_MOBILE"]["count"] >= 1


def test_an_allowed_xlsx_is_rewritten_and_loses_its_comment(
        tmp_path: Path, scanner: Scanner) -> None:
    book = Workbook()
    clean_sheet(book)
    book.active["A2"].comment = Comment("数据已核对", "统计科")
    book.defined_names["total"] = DefinedName("total", attr_text="统计!$C$2:$C$3")
    source = tmp_path / "in.xlsx"
    book.save(source)
    out = tmp_path / "out.xlsx"
    report = apply(source, "unconditional-open", out, secret=SECRET, scanner=scanner)
    assert report.decision == "allowed", report.reasons
    assert out.read_bytes() != source.read_bytes()
    parts = all_parts(out)
    assert not [n for n in parts if "comment" in n.lower()]
    assert not re.search(rb"<definedName[ >]", parts["xl/workbook.xml"])
    assert list(load_workbook(out)["统计"].values) == [
        ("乡镇", "户数", "金额"), ("大庄镇", 120, 35000.5), ("草沟镇", 98, -12.5)]
    assert any("cell comments" in x for x in report.left_out)


# --- CSV -------------------------------------------------------------------------------

HOSTILE_CSV = (
    f"填报单位：XX局 联系人：张三 身份证号 {ID} 电话 {MOBILE}\n"
    "# 导出时间 2024-01-01 操作员 admin\n"
    "序号,姓名,身份证号,手机,金额,备注\n"
    f"1,王秀英,{ID2},13500002222,-12.5,=HYPERLINK(\"http://evil.example/\")\n"
    f"2,李明,110101199201010012,13600003333,30,已核实,{ID},额外\n"
    "3,赵强,110101197805050013,13700004444,8,+SUM(1)\n"
    "合计,,,,25.5,\n"
    f"制表人：李四 {MOBILE2}\n"
)
CSV_RAW = (*RAW, "110101199201010012", "110101197805050013", "13500002222", "13600003333",
           "13700004444")


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_a_csv_preface_ragged_cells_and_footer_are_never_released_raw(
        tmp_path: Path, scanner: Scanner, encoding: str) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes(HOSTILE_CSV.encode(encoding))
    out = tmp_path / "out.csv"
    report = apply(source, "unconditional-open", out, secret=SECRET, scanner=scanner)
    assert report.decision == "allowed_after_treatment", report.reasons
    written = out.read_bytes().decode(encoding)
    assert [v for v in CSV_RAW if v in written] == []
    lines = written.splitlines()
    assert lines[0] == "序号,姓名,身份证号,手机,金额,备注"  # the real header, first
    assert "填报单位" not in written and "导出时间" not in written and "额外" not in written
    assert "-12.5" in lines[1] and "'=HYPERLINK" in lines[1]  # neutralised, number kept
    assert lines[3].endswith(",'+SUM(1)")
    report_text = json.dumps(report.to_json(), ensure_ascii=False)
    assert [v for v in CSV_RAW if v in report_text] == []
    assert "额外" not in report_text
    left = " ".join(report.left_out)
    assert "2 lines above the header" in left and "cells past the header" in left
    # The release re-opened is the table the report describes.
    with open_table(out) as table:
        assert table.info.columns == ["序号", "姓名", "身份证号", "手机", "金额", "备注"]
        assert table.preface == []
        rows = list(table.rows())
        assert table.issues == []
    assert len(rows) == report.rows == 5
    column = next(c for c in report.to_json()["columns"] if c["column"] == "身份证号")
    samples = column["entities"]["CN_RESIDENT_ID"]["samples"]
    assert samples and all(s in {r[2] for r in rows} for s in samples)


def test_the_reader_finds_the_header_below_a_preface(tmp_path: Path) -> None:
    source = tmp_path / "in.tsv"
    source.write_text("2023年某某县低保发放表\n# 单位：元\n\n乡镇\t户数\t金额\n大庄镇\t120\t5\n"
                      "草沟镇\t98\t6\t多余\n", encoding="utf-8")
    with open_table(source) as table:
        spilled: list[tuple[int, list[str]]] = []
        table.overflow = lambda row, cells: spilled.append((row, cells))
        assert table.info.columns == ["乡镇", "户数", "金额"]
        assert table.preface == ["2023年某某县低保发放表", "# 单位：元"]
        assert list(table.rows()) == [["大庄镇", "120", "5"], ["草沟镇", "98", "6"]]
    assert spilled == [(1, ["多余"])]


def test_samples_are_the_values_as_released(tmp_path: Path, scanner: Scanner) -> None:
    source = tmp_path / "in.csv"
    source.write_text(f"姓名,身份证号\n王秀英,{ID}\n李明,{ID2}\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    report = apply(source, "unconditional-open", out, secret=SECRET, scanner=scanner)
    column = next(c for c in report.to_json()["columns"] if c["column"] == "身份证号")
    samples = column["entities"]["CN_RESIDENT_ID"]["samples"]
    assert samples == ["110101************"]  # the policy's mask, not the default one
    assert samples[0] in out.read_text(encoding="utf-8")


# --- JSON and text ---------------------------------------------------------------------

def test_json_is_rewritten_from_the_items_read(tmp_path: Path, scanner: Scanner) -> None:
    source = tmp_path / "in.json"
    source.write_text(json.dumps([
        {"姓名": "王秀英", "身份证号": ID, "手机": MOBILE, "金额": -12.5},
        {"姓名": "李明", "身份证号": ID2, "手机": MOBILE2, "金额": 3},
    ], ensure_ascii=False, indent=4), encoding="utf-8")
    out = tmp_path / "out.json"
    report = apply(source, "unconditional-open", out, secret=SECRET, scanner=scanner)
    assert report.decision == "allowed_after_treatment"
    assert no_raw(out.read_bytes()) == []
    items = json.loads(out.read_text(encoding="utf-8"))
    assert [i["金额"] for i in items] == [-12.5, 3]

    clean = tmp_path / "clean.json"
    clean.write_text('[  {"乡镇": "大庄镇", "户数": 120},\n\n  {"乡镇": "草沟镇", "户数": 98}  ]',
                     encoding="utf-8")
    out = tmp_path / "clean_out.json"
    report = apply(clean, "unconditional-open", out, secret=SECRET, scanner=scanner)
    assert report.decision == "allowed"
    assert out.read_bytes() != clean.read_bytes()  # rewritten, not copied
    assert json.loads(out.read_text(encoding="utf-8")) == [{"乡镇": "大庄镇", "户数": 120},
                                                          {"乡镇": "草沟镇", "户数": 98}]


def test_an_allowed_text_file_is_written_from_the_lines_read(
        tmp_path: Path, scanner: Scanner) -> None:
    source = tmp_path / "notes.txt"
    source.write_text("今日会议纪要\r\n无个人信息\r\n", encoding="utf-8")
    out = tmp_path / "out.txt"
    report = apply(source, "unconditional-open", out, secret=SECRET, scanner=scanner)
    assert report.decision == "allowed"
    assert out.read_text(encoding="utf-8") == source.read_text(encoding="utf-8")
