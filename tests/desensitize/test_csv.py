"""CSV/TSV through open_table: encodings, delimiters, ragged rows, bad files."""

from __future__ import annotations

import codecs
import tracemalloc
from pathlib import Path

import pytest

from desensitize.tables import Limits, TableError, open_table


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def read(path: Path, **options: object) -> tuple[list[str], list[list[str | None]], list]:
    with open_table(path, **options) as table:  # type: ignore[arg-type]
        rows = list(table.rows())
        return table.info.columns, rows, list(table.issues)


GBK_TEXT = "姓名,乡镇,金额\n张三,城关镇,1200.50\n李四,东溪乡,980\n"


def test_gbk_with_chinese_headers(tmp_path: Path) -> None:
    path = write(tmp_path, "低保.csv", GBK_TEXT.encode("gbk"))
    with open_table(path) as table:
        assert table.info.encoding == "gb18030"
        assert table.info.delimiter == ","
        assert table.info.format == "csv"
        assert table.info.columns == ["姓名", "乡镇", "金额"]
        assert list(table.rows()) == [["张三", "城关镇", "1200.50"], ["李四", "东溪乡", "980"]]


def test_gbk_whose_first_mebibyte_is_ascii(tmp_path: Path) -> None:
    ascii_rows = "".join(f"{i},town,{i}\n" for i in range(120_000))
    data = ("id,name,n\n" + ascii_rows + "7,城关镇,7\n").encode("gbk")
    assert len(data) > 1 << 20
    with open_table(write(tmp_path, "late.csv", data)) as table:
        assert table.info.encoding == "gb18030"
        assert list(table.rows())[-1] == ["7", "城关镇", "7"]


def test_encoding_given(tmp_path: Path) -> None:
    path = write(tmp_path, "given.csv", GBK_TEXT.encode("gbk"))
    columns, rows, _ = read(path, encoding="gbk")
    assert columns[0] == "姓名" and rows[1][1] == "东溪乡"


def test_utf8_with_bom(tmp_path: Path) -> None:
    path = write(tmp_path, "bom.csv", codecs.BOM_UTF8 + "编号,名称\n1,甲\n".encode())
    with open_table(path) as table:
        assert table.info.encoding == "utf-8-sig"
        assert table.info.columns == ["编号", "名称"]
        assert list(table.rows()) == [["1", "甲"]]
    # A BOM with the encoding named as plain UTF-8 does not end up in the first name.
    assert read(path, encoding="utf-8")[0] == ["编号", "名称"]


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16(tmp_path: Path, codec: str) -> None:
    text = "单位\t人数\n城关镇\t12\n东溪乡\t7\n"
    bom = {"utf-16": b"", "utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}
    path = write(tmp_path, "excel.txt", bom[codec] + text.encode(codec))
    with open_table(path) as table:
        assert table.info.encoding == "utf-16"
        assert table.info.delimiter == "\t"
        assert table.info.columns == ["单位", "人数"]
        assert list(table.rows()) == [["城关镇", "12"], ["东溪乡", "7"]]


@pytest.mark.parametrize("delimiter", [";", "\t", "|", ","])
def test_delimiter_sniffed(tmp_path: Path, delimiter: str) -> None:
    other = "," if delimiter != "," else ";"
    lines = [["名称", "说明", "数量"], ["甲", f"a{other}b", "1,5"], ["乙", "c", "2"]]
    if delimiter == ",":
        lines[1][2] = '"1,5"'
    text = "\n".join(delimiter.join(line) for line in lines) + "\n"
    path = write(tmp_path, "d.csv", text.encode())
    with open_table(path) as table:
        assert table.info.delimiter == delimiter
        assert list(table.rows())[0] == ["甲", f"a{other}b", "1,5"]


def test_tsv_extension_means_tabs(tmp_path: Path) -> None:
    path = write(tmp_path, "x.tsv", b"a,b\tc\n1,2\t3\n")
    with open_table(path) as table:
        assert table.info.format == "tsv" and table.info.delimiter == "\t"
        assert table.info.columns == ["a,b", "c"]


def test_quoted_newlines_and_line_numbers(tmp_path: Path) -> None:
    text = ('名称,地址,备注\n'
            '甲,"城关镇\n解放路1号",ok\n'
            '乙,"东溪乡\r\n二组"\n'          # lines 4-5: short
            '丙,西坪镇,x,多余\n'             # line 6: long
            '丁,,\n')
    columns, rows, issues = read(write(tmp_path, "q.csv", text.encode()))
    assert rows == [["甲", "城关镇\n解放路1号", "ok"], ["乙", "东溪乡\r\n二组", None],
                    ["丙", "西坪镇", "x"], ["丁", None, None]]
    assert [(i.row, i.line) for i in issues] == [(1, 4), (2, 6)]
    assert "left empty" in issues[0].message
    assert "'多余'" in issues[1].message


def test_ragged_rows_are_reported_not_dropped(tmp_path: Path) -> None:
    text = "a,b,c\n1,2,3\n4\n\n5,6,7,8\n9,10,11,\n"
    columns, rows, issues = read(write(tmp_path, "r.csv", text.encode()))
    assert rows == [["1", "2", "3"], ["4", None, None], ["5", "6", "7"], ["9", "10", "11"]]
    assert [(i.row, i.line) for i in issues] == [(1, 3), (2, 5), (3, 6)]
    assert "empty cells past the header" in issues[2].message


def test_header_names(tmp_path: Path) -> None:
    text = " 姓名 ,,姓名,Name,name,\"地\n址\"\n1,2,3,4,5,6\n"
    columns, rows, _ = read(write(tmp_path, "h.csv", text.encode()))
    assert columns == ["姓名", "column_2", "姓名_2", "Name", "name_2", "地 址"]


def test_issues_are_capped(tmp_path: Path) -> None:
    text = "a,b\n" + "1\n" * 30
    path = write(tmp_path, "many.csv", text.encode())
    with open_table(path, limits=Limits(max_issues=10)) as table:
        assert len(list(table.rows())) == 30
        assert len(table.issues) == 11
        assert "20 more rows" in table.issues[-1].message


def test_rows_can_be_read_twice(tmp_path: Path) -> None:
    path = write(tmp_path, "twice.csv", b"a,b\n1\n2,3\n")
    with open_table(path) as table:
        first, issues = list(table.rows()), list(table.issues)
        assert list(table.rows()) == first and table.issues == issues


@pytest.mark.parametrize("data, what", [
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
    (b"PK\x03\x04\x14\x00\x06\x00\x08\x00", "ZIP"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 50, "OLE"),
    (b"a,b\n1,2\x00\x00\x00\x01\x02\x03\n", "NUL"),
    (bytes(range(1, 32)) * 40, "control characters"),
])
def test_binary_posing_as_csv(tmp_path: Path, data: bytes, what: str) -> None:
    with pytest.raises(TableError, match="is not a text table") as caught:
        open_table(write(tmp_path, "data.csv", data))
    assert what in str(caught.value)


def test_undecodable_bytes(tmp_path: Path) -> None:
    data = bytes([0x80, 0xFF, 0x81, 0xFE]) * 400
    with pytest.raises(TableError, match="not a text table"):
        open_table(write(tmp_path, "junk.csv", data))


def test_empty_and_blank_files(tmp_path: Path) -> None:
    with pytest.raises(TableError, match="is empty"):
        open_table(write(tmp_path, "empty.csv", b""))
    with pytest.raises(TableError, match="no header row"):
        open_table(write(tmp_path, "blank.csv", b"\n\r\n\n"))


def test_header_only(tmp_path: Path) -> None:
    for data in (b"a,b,c", b"a,b,c\n", b"\n\na,b,c\n\n"):
        columns, rows, issues = read(write(tmp_path, "h.csv", data))
        assert (columns, rows, issues) == (["a", "b", "c"], [], [])


def test_ten_thousand_columns_refused(tmp_path: Path) -> None:
    header = ",".join(f"c{i}" for i in range(10_000))
    path = write(tmp_path, "wide.csv", (header + "\n" + "1," * 9_999 + "1\n").encode())
    with pytest.raises(TableError, match="has 10000 columns; at most 1000 are allowed"):
        open_table(path)


def test_mixed_encodings_in_the_sample(tmp_path: Path) -> None:
    data = "名称,数量\n城关镇,1\n东溪乡,2\n".encode() + "西坪镇,3\n".encode("gbk")
    with pytest.raises(TableError, match="line 4 .*mixed encodings"):
        open_table(write(tmp_path, "mixed.csv", data))


def test_mixed_encodings_past_the_sample(tmp_path: Path) -> None:
    rows = "".join(f"城关镇,{i}\n" for i in range(80_000))
    data = ("名称,数量\n" + rows).encode() + "西坪镇,3\n".encode("gbk") + b"x,4\n"
    assert len(data) > 1 << 20
    expected = "line 80002 is not valid utf-8.*mixed encodings"
    with open_table(write(tmp_path, "mixed.csv", data)) as table, \
            pytest.raises(TableError, match=expected):
        for _ in table.rows():
            pass


def test_utf8_line_in_a_gbk_file(tmp_path: Path) -> None:
    data = "名称,数量\n城关镇,1\n".encode("gbk") + "东溪乡人民政府,2\n".encode()
    with pytest.raises(TableError, match="mixed encodings"):
        open_table(write(tmp_path, "mixed.csv", data))


def test_truncated_inside_quotes(tmp_path: Path) -> None:
    path = write(tmp_path, "cut.csv", '名称,备注\n甲,正常\n乙,"写到一半'.encode())
    columns, rows, issues = read(path)
    assert rows == [["甲", "正常"], ["乙", "写到一半"]]
    assert len(issues) == 1 and issues[0].row == 1 and issues[0].line == 3
    assert "ends inside a quoted cell" in issues[0].message


def test_quote_never_closed_hits_the_cell_limit(tmp_path: Path) -> None:
    text = 'a,b\n1,"oops\n' + "2,3\n" * 500
    path = write(tmp_path, "q.csv", text.encode())
    with open_table(path, limits=Limits(max_cell_chars=1000)) as table, \
            pytest.raises(TableError, match="longer than 1000 characters"):
        list(table.rows())


def test_missing_file() -> None:
    with pytest.raises(TableError, match="does not exist"):
        open_table("/nonexistent/none.csv")


def test_streams_in_little_memory(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8") as f:
        f.write("序号,乡镇,日期,金额\n")
        for i in range(200_000):
            f.write(f"{i},城关镇第{i % 97}村,2023-05-{i % 28 + 1:02d},{i * 1.5}\n")
    size = path.stat().st_size
    tracemalloc.start()
    try:
        with open_table(path) as table:
            _, opening = tracemalloc.get_traced_memory()
            tracemalloc.reset_peak()  # opening reads a fixed 1 MiB sample
            count = sum(1 for _ in table.rows())
            _, reading = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 200_000
    assert opening < 2 << 20, f"opening peaked at {opening} bytes"
    assert reading < size / 10, f"reading peaked at {reading} bytes for a {size}-byte file"


def test_short_gbk_lines_are_not_taken_for_mixed(tmp_path: Path) -> None:
    """GBK bytes sometimes pass as UTF-8; short names must not look like mixed encodings."""
    import random

    rng = random.Random(3)
    lines = []
    for i in range(20_000):
        name = "".join(chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(rng.randint(1, 3)))
        lines.append(f"{i},{name}")
    data = ("序号,姓名\n" + "\n".join(lines) + "\n").encode("gb18030")
    with open_table(write(tmp_path, "names.csv", data)) as table:
        assert table.info.encoding == "gb18030"
        assert sum(1 for _ in table.rows()) == 20_000


def test_wrong_encoding_given(tmp_path: Path) -> None:
    path = write(tmp_path, "gbk.csv", GBK_TEXT.encode("gbk"))
    with pytest.raises(TableError, match="line 1 is not valid utf-8; is that the right"):
        open_table(path, encoding="utf-8")
    with pytest.raises(TableError, match="not a text table: it looks like a PDF"):
        open_table(write(tmp_path, "doc.csv", b"%PDF-1.4\n..."), encoding="gbk")
