"""Release only what was read (issue 13), the rest: header cells and JSON keys are
scanned (a header holding an identifier or a name blocks an open release, naming the
column's position only), a CSV that ends inside a quoted cell is blocked, and nothing
in a JSON upload escapes the gate (keys past the first object's, nested objects and
arrays, items that are not objects, very deep nesting, wrappers). Written as an
attacker would hide data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from desensitize.apply import TRUNCATED, apply
from desensitize.scanner import Scanner
from desensitize.tables import TableError, open_table

SECRET = "release-test-secret-0123456789"
ID = "110101199003074514"
ID2 = "110101198507150011"
MOBILE = "13812345678"
MOBILE2 = "13900001111"
RAW = (ID, ID2, MOBILE, MOBILE2, "王秀英", "赵强")


@pytest.fixture(scope="module")
def scanner() -> Scanner:
    return Scanner()


def leaks(data: str | bytes) -> list[str]:
    text = data if isinstance(data, str) else data.decode("utf-8", "replace")
    return [v for v in RAW if v in text]


def report_text(report: object) -> str:
    return json.dumps(report.to_json(), ensure_ascii=False)  # type: ignore[attr-defined]


# --- header cells ----------------------------------------------------------------------

@pytest.mark.parametrize("header", [f"张三 {MOBILE}", ID, "王秀英"])
@pytest.mark.parametrize("target", ["unconditional-open", "conditional-open"])
def test_a_csv_header_holding_personal_data_blocks_an_open_release(
        tmp_path: Path, scanner: Scanner, header: str, target: str) -> None:
    source = tmp_path / "in.csv"
    source.write_text(f"乡镇,{header},金额\n大庄镇,1,2\n草沟镇,3,4\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    report = apply(source, target, out, secret=SECRET, scanner=scanner)
    assert report.blocked
    assert any("header of column 2" in r for r in report.reasons), report.reasons
    assert not out.exists()
    assert leaks(report_text(report)) == []


def test_a_headerless_csv_blocks_and_the_report_quotes_none_of_it(
        tmp_path: Path, scanner: Scanner) -> None:
    source = tmp_path / "in.csv"  # no header row: the first record is read as one
    source.write_text(f"王秀英,{ID},{MOBILE}\n李明,{ID2},{MOBILE2}\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    report = apply(source, "unconditional-open", out, secret=SECRET, scanner=scanner)
    assert report.blocked and not out.exists()
    text = report_text(report)
    assert leaks(text) == [] and "column 2" in text and "column 3" in text


def test_an_xlsx_header_and_a_json_key_are_scanned(tmp_path: Path, scanner: Scanner) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["乡镇", f"联系人 张三 {MOBILE}", "户数"])
    sheet.append(["大庄镇", "是", 3])
    source = tmp_path / "in.xlsx"
    book.save(source)
    report = apply(source, "unconditional-open", tmp_path / "out.xlsx", secret=SECRET,
                   scanner=scanner)
    assert report.blocked and any("column 2" in r for r in report.reasons)
    assert leaks(report_text(report)) == []

    source = tmp_path / "in.json"
    source.write_text(json.dumps([{"乡镇": "大庄镇", ID: 1}], ensure_ascii=False),
                      encoding="utf-8")
    report = apply(source, "unconditional-open", tmp_path / "out.json", secret=SECRET,
                   scanner=scanner)
    assert report.blocked and any("column 2" in r for r in report.reasons)
    assert leaks(report_text(report)) == []


def test_a_shared_release_never_carries_a_raw_header(tmp_path: Path, scanner: Scanner) -> None:
    """conditional-share keeps identifiers in cells; a header is no cell: kept as found
    it is released as column_N, and the report names no raw header."""
    source = tmp_path / "in.csv"
    source.write_text(f"乡镇,张三 {MOBILE},金额\n大庄镇,1,2\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    report = apply(source, "conditional-share", out, secret=SECRET, scanner=scanner)
    assert report.decision == "allowed_after_treatment", report.reasons
    written = out.read_text(encoding="utf-8")
    assert written.splitlines()[0] == "乡镇,column_2,金额"
    assert leaks(report_text(report)) == []


@pytest.mark.parametrize("header", ["姓名", "身份证号", "联系电话", "张庄村人口", "户主姓名",
                                    "基本信息_姓名", "家庭住址", "手机号码"])
def test_ordinary_headers_pass(tmp_path: Path, scanner: Scanner, header: str) -> None:
    source = tmp_path / "in.csv"
    source.write_text(f"乡镇,{header}\n大庄镇,是\n草沟镇,否\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    report = apply(source, "unconditional-open", out, secret=SECRET, scanner=scanner)
    assert report.decision == "allowed", report.reasons
    assert out.read_text(encoding="utf-8").splitlines()[0] == f"乡镇,{header}"


# --- truncated CSV ---------------------------------------------------------------------

def test_a_csv_ending_inside_a_quote_is_blocked_but_still_loads(
        tmp_path: Path, scanner: Scanner) -> None:
    source = tmp_path / "in.csv"
    source.write_text(f'乡镇,备注\n大庄镇,正常\n草沟镇,"联系人 张三 {MOBILE}\n'
                      f'王庄村,{ID}\n', encoding="utf-8")
    out = tmp_path / "out.csv"
    report = apply(source, "unconditional-open", out, secret=SECRET, scanner=scanner)
    assert report.blocked and TRUNCATED in report.reasons
    assert not out.exists()
    assert leaks(report_text(report)) == []
    with open_table(source) as table:  # the loader's reading is unchanged
        rows = list(table.rows())
        assert len(rows) == 2 and table.issues
        assert table.ends_in_quote  # type: ignore[attr-defined]


# --- JSON ------------------------------------------------------------------------------

def test_keys_past_the_first_object_and_nested_values_are_treated(
        tmp_path: Path, scanner: Scanner) -> None:
    source = tmp_path / "in.json"
    items = [
        {"乡镇": "大庄镇", "户数": 3},
        {"乡镇": "草沟镇", "户数": 4, "备注": f"电话 {MOBILE}",
         "详情": {"联系人": "王秀英", "手机": MOBILE2, "证件": [ID, {"身份证": ID2}]}},
        {"乡镇": "王庄村", "户数": 5, "详情": [f"身份证 {ID}", 13800138000]},
    ]
    source.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out.json"
    report = apply(source, "unconditional-open", out, secret=SECRET, scanner=scanner)
    assert report.decision == "allowed_after_treatment", report.reasons
    written = out.read_text(encoding="utf-8")
    assert leaks(written) == [] and "13800138000" not in written
    released = json.loads(written)
    assert [r["户数"] for r in released] == [3, 4, 5]
    assert isinstance(released[1]["详情"], dict)  # objects stay objects
    assert released[1]["详情"]["联系人"] != "王秀英"
    assert isinstance(released[2]["详情"], list)
    assert leaks(report_text(report)) == []


@pytest.mark.parametrize("name", ["in.ndjson", "in.json"])
def test_a_wrapper_object_is_never_released_raw(tmp_path: Path, scanner: Scanner,
                                                name: str) -> None:
    wrapper = {"data": [{"乡镇": "大庄镇", "户数": 3}],
               "meta": {"联系人": f"赵强 {MOBILE}", "id": ID, "负责人": "王秀英"}}
    source = tmp_path / name
    out = tmp_path / ("out" + source.suffix)
    if name.endswith(".ndjson"):  # one wrapper per line: a row of nested cells
        source.write_text(json.dumps(wrapper, ensure_ascii=False) + "\n", encoding="utf-8")
        report = apply(source, "unconditional-open", out, secret=SECRET, scanner=scanner)
        assert report.decision == "allowed_after_treatment", report.reasons
        assert leaks(out.read_bytes()) == []
        assert leaks(report_text(report)) == []
    else:  # a single object is no table: refused, nothing written
        source.write_text(json.dumps(wrapper, ensure_ascii=False, indent=2), encoding="utf-8")
        with pytest.raises(TableError) as raised:
            apply(source, "unconditional-open", out, secret=SECRET, scanner=scanner)
        assert leaks(str(raised.value)) == []
        assert not out.exists()


def test_items_that_are_not_objects_are_scanned_and_left_out(
        tmp_path: Path, scanner: Scanner) -> None:
    source = tmp_path / "in.json"
    source.write_text(json.dumps([{"乡镇": "大庄镇"}, f"联系人 张三 {MOBILE}", [ID, {"x": ID2}],
                                  {"乡镇": "草沟镇"}], ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out.json"
    report = apply(source, "unconditional-open", out, secret=SECRET, scanner=scanner)
    assert report.decision == "allowed_after_treatment", report.reasons
    assert json.loads(out.read_text(encoding="utf-8")) == [{"乡镇": "大庄镇"}, {"乡镇": "草沟镇"}]
    assert any("2 JSON items that are not objects" in x and "findings" in x
               for x in report.left_out)
    column = next(c for c in report.to_json()["columns"] if c["column"] == "(not an object)")
    assert {"CN_MOBILE", "CN_RESIDENT_ID"} <= set(column["entities"])
    assert leaks(report_text(report)) == []


@pytest.mark.parametrize("depth", [200, 10_000])
def test_deep_nesting_is_a_clear_refusal(tmp_path: Path, scanner: Scanner, depth: int) -> None:
    source = tmp_path / "in.ndjson"
    source.write_text('{"乡镇": "大庄镇", "x": ' + "[" * depth + f'"{ID}"' + "]" * depth
                      + "}\n", encoding="utf-8")
    out = tmp_path / "out.ndjson"
    try:
        report = apply(source, "unconditional-open", out, secret=SECRET, scanner=scanner)
    except TableError as error:
        assert "nested too deeply" in str(error)
    else:
        assert report.blocked and any("nested deeper" in r for r in report.reasons)
        assert leaks(report_text(report)) == []
    assert not out.exists()
    array = tmp_path / "deep.json"
    array.write_text("[" * 10_000 + "]" * 10_000, encoding="utf-8")
    with pytest.raises(TableError, match="nested too deeply"):
        apply(array, "unconditional-open", tmp_path / "o.json", secret=SECRET, scanner=scanner)


def test_a_nested_key_holding_an_identifier_is_not_released(
        tmp_path: Path, scanner: Scanner) -> None:
    source = tmp_path / "in.ndjson"
    source.write_text(json.dumps({"乡镇": "大庄镇", "详情": {MOBILE: "是", ID: 1}}) + "\n",
                      encoding="utf-8")
    out = tmp_path / "out.ndjson"
    report = apply(source, "unconditional-open", out, secret=SECRET, scanner=scanner)
    assert report.decision == "allowed_after_treatment", report.reasons
    written = out.read_text(encoding="utf-8")
    assert leaks(written) == []
    assert len(json.loads(written)["详情"]) == 2


def test_an_xlsx_header_row_is_released_as_read(tmp_path: Path, scanner: Scanner) -> None:
    book = Workbook()
    book.active.append(["姓名", "身份证号", "乡镇"])
    book.active.append(["王秀英", ID, "大庄镇"])
    source = tmp_path / "in.xlsx"
    book.save(source)
    out = tmp_path / "out.xlsx"
    report = apply(source, "unconditional-open", out, secret=SECRET, scanner=scanner)
    assert report.decision == "allowed_after_treatment", report.reasons
    values = list(load_workbook(out).active.values)
    assert values[0] == ("姓名", "身份证号", "乡镇")
    assert leaks(" ".join(str(v) for row in values for v in row)) == []


@pytest.mark.parametrize("encoding", ["utf-16", "gb18030"])
def test_other_encodings_pass_no_raw_value(tmp_path: Path, encoding: str) -> None:
    """A path around the gate tried by encoding: UTF-16 (with its BOM) and GB18030
    exports with a preface and an ID column are treated like UTF-8 ones."""
    from desensitize.apply import apply

    rid, mobile = "110101199003074514", "13812345678"
    text = (f"填报单位：县民政局 联系人电话 {mobile}\n姓名,身份证号,备注\n"
            + "".join(f"王秀英,{rid},家属电话{mobile}\n" for _ in range(6)))
    src = tmp_path / "名册.csv"
    src.write_bytes(text.encode(encoding))
    out = tmp_path / "out.csv"
    report = apply(src, "unconditional-open", out, secret="encoding-test-secret-0123")
    assert report.decision == "allowed_after_treatment", report.reasons
    released = out.read_bytes().decode(report.encoding or encoding)
    assert rid not in released and mobile not in released and "王秀英" not in released
