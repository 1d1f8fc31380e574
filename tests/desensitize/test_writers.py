"""Writers: the treated file comes back in the input's format, encoding, delimiter and
line ends; dropped columns disappear; a failure never leaves a half-written file."""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from desensitize.tables import open_table
from desensitize.writers import (
    OutputSpec,
    PendingFile,
    ValueKinds,
    WriteError,
    copy_file,
    fit_encoding,
    write_rows,
    write_table,
)

HEADER = ["序号", "姓名", "备注"]
ROWS: list[list[str | None]] = [["1", "王**", "已核实"], ["2", "李*", None],
                                ["3", "张*", "含,逗号 和 \"引号\""]]


def read(path: Path, **options: str) -> tuple[object, list[list[str | None]]]:
    with open_table(path, **options) as table:
        return table.info, list(table.rows())


def roundtrip(source: Path, out: Path, drop: tuple[str, ...] = ()) -> None:
    with open_table(source) as table:
        kinds = ValueKinds(len(table.info.columns))
        rows = list(table.rows())
        for row in rows:
            kinds.feed(row)
        spec = OutputSpec.like(table.info, source=source, kinds=kinds.result())
    write_table(out, spec, rows, drop=drop)


@pytest.mark.parametrize(("encoding", "delimiter", "newline"), [
    ("utf-8", ",", "\n"), ("gbk", ";", "\r\n"), ("utf-8-sig", "|", "\r\n"),
    ("utf-16-be", ",", "\n"),
])
def test_csv_keeps_encoding_delimiter_and_line_ends(tmp_path: Path, encoding: str,
                                                    delimiter: str, newline: str) -> None:
    text = newline.join(delimiter.join(r) for r in [HEADER, ["1", "王秀英", "已核实"],
                                                    ["2", "李明", "男"]]) + newline
    source = tmp_path / "in.csv"
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = codecs.BOM_UTF16_BE + data
    source.write_bytes(data)
    out = tmp_path / "out.csv"
    roundtrip(source, out)
    assert out.read_bytes() == data  # byte for byte: encoding, BOM, delimiter, line ends
    info, rows = read(out)
    assert rows[0] == ["1", "王秀英", "已核实"]


def test_gbk_output_is_gbk(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes("姓名,备注\n王秀英,已核实\n".encode("gbk"))
    with open_table(source) as table:
        spec = OutputSpec.like(table.info, source=source)
    out = tmp_path / "out.csv"
    write_table(out, spec, [["王**", "已核实"]])
    assert out.read_bytes().decode("gbk") == "姓名,备注\n王**,已核实\n"


def test_quoting_and_empty_cells(tmp_path: Path) -> None:
    out = tmp_path / "out.tsv"
    write_table(out, OutputSpec("tsv", HEADER, encoding="utf-8"), ROWS)
    assert out.read_text(encoding="utf-8").splitlines()[2] == "2\t李*\t"
    assert read(out)[1] == ROWS


def test_dropped_columns_disappear(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    write_table(out, OutputSpec("csv", HEADER, encoding="utf-8"), ROWS, drop=["姓名"])
    info, rows = read(out)
    assert info.columns == ["序号", "备注"]  # type: ignore[attr-defined]
    assert rows[0] == ["1", "已核实"]
    assert "王" not in out.read_text(encoding="utf-8")


def test_xlsx_keeps_the_sheet_name_and_numbers(tmp_path: Path) -> None:
    source = tmp_path / "in.xlsx"
    book = Workbook()
    sheet = book.active
    sheet.title = "低保名单"
    for row in [["序号", "姓名", "金额", "公式样"], [1, "王秀英", 12.5, "=1+1"],
                [2, "李明", 30, "x"]]:
        sheet.append(row)
    sheet["D2"].data_type = "s"  # text that looks like a formula
    book.save(source)
    out = tmp_path / "out.xlsx"
    roundtrip(source, out, drop=("姓名",))
    written = load_workbook(out)
    assert written.sheetnames == ["低保名单"]
    values = list(written["低保名单"].values)
    assert values[0] == ("序号", "金额", "公式样")
    assert values[1] == (1, 12.5, "'=1+1")  # neutralised as the portal's dumps do
    assert written["低保名单"]["C2"].data_type == "s"  # still text, not a formula
    assert values[2] == (2, 30, "x")


def test_json_array_and_ndjson_keep_keys_and_types(tmp_path: Path) -> None:
    items = [{"id": 1, "姓名": "王秀英", "amount": 2.5, "ok": True, "note": None},
             {"id": 2, "姓名": "李明", "amount": 3, "ok": False, "note": "x"}]
    for name, text in (("in.json", json.dumps(items, ensure_ascii=False)),
                       ("in.ndjson", "\n".join(json.dumps(i, ensure_ascii=False)
                                               for i in items) + "\n")):
        source = tmp_path / name
        source.write_text(text, encoding="utf-8")
        out = tmp_path / name.replace("in", "out")
        roundtrip(source, out)
        raw = out.read_text(encoding="utf-8")
        back = json.loads(raw) if name.endswith(".json") else \
            [json.loads(line) for line in raw.splitlines()]
        assert back == items
        assert "王秀英" in raw  # not \u escapes


def test_a_failure_leaves_no_half_written_file(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"

    def rows() -> Iterator[list[str | None]]:
        yield ["1", "王**", "ok"]
        raise RuntimeError("the treatment failed")

    with pytest.raises(RuntimeError):
        write_table(out, OutputSpec("csv", HEADER, encoding="utf-8"), rows())
    assert list(tmp_path.iterdir()) == []
    out.write_text("previous\n", encoding="utf-8")
    with pytest.raises(RuntimeError):
        write_table(out, OutputSpec("csv", HEADER, encoding="utf-8"), rows())
    assert out.read_text(encoding="utf-8") == "previous\n"  # untouched
    assert list(tmp_path.iterdir()) == [out]


def test_pending_file_commits_or_vanishes(tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    with PendingFile(out, "xlsx") as pending:
        assert pending.path.parent == tmp_path and pending.path.suffix == ".xlsx"
        pending.path.write_bytes(b"x")
    assert list(tmp_path.iterdir()) == []
    with PendingFile(out, "xlsx") as pending:
        pending.path.write_bytes(b"x")
        pending.commit()
    assert out.read_bytes() == b"x"
    copy_file(out, tmp_path / "copy.xlsx")
    assert (tmp_path / "copy.xlsx").read_bytes() == b"x"


def test_values_the_encoding_cannot_hold() -> None:
    assert fit_encoding("王秀英", "utf-8") == "王秀英"
    assert fit_encoding("王秀英", "latin-1") == "***"
    assert fit_encoding("P_abc 王", "big5") == "P_abc 王"
    # A GBK file (read as gb18030) stays GBK: characters outside GBK are replaced.
    assert fit_encoding("王\U00020000", "gb18030") == "王*"


def test_unwritable_value_is_a_write_error(tmp_path: Path) -> None:
    spec = OutputSpec("csv", ["a"], encoding="latin-1")
    with pytest.raises(WriteError, match="cannot be written in latin-1"):
        write_rows(tmp_path / "x.csv", spec, [["王"]])


def test_value_kinds() -> None:
    kinds = ValueKinds(4)
    for row in (["1", "2.5", "true", "2024-01-02"], ["2", "3", "false", None]):
        kinds.feed(row)
    assert kinds.result() == ["integer", "number", "boolean", "date"]
