"""JSON arrays and NDJSON through open_table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desensitize.tables import TableError, open_table


def write(tmp_path: Path, name: str, data: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def read(path: Path) -> tuple[str, list[str], list[list[str | None]], list]:
    with open_table(path) as table:
        rows = list(table.rows())
        return table.info.format, table.info.columns, rows, list(table.issues)


def test_array_of_objects(tmp_path: Path) -> None:
    items = [{"乡镇": "城关镇", "户数": 12, "比例": 0.5, "核实": True},
             {"乡镇": "东溪乡", "户数": None, "备注": "", "核实": False},
             {"乡镇": "西坪镇", "户数": 12345678901234567890, "新字段": "late"}]
    path = write(tmp_path, "a.json", json.dumps(items, ensure_ascii=False, indent=2))
    kind, columns, rows, issues = read(path)
    assert kind == "json"
    assert columns == ["乡镇", "户数", "比例", "核实", "备注", "新字段"]  # first-seen order
    assert rows == [["城关镇", "12", "0.5", "true", None, None],
                    ["东溪乡", None, None, "false", None, None],
                    ["西坪镇", "12345678901234567890", None, None, None, "late"]]
    assert issues == []


def test_nested_values_are_compact_json(tmp_path: Path) -> None:
    items = [{"id": 1, "地址": {"镇": "城关镇", "村": ["一组", "二组"]}, "tags": []}]
    _, _, rows, _ = read(write(tmp_path, "n.json", json.dumps(items)))
    assert rows == [["1", '{"镇":"城关镇","村":["一组","二组"]}', "[]"]]


def test_non_objects_are_reported(tmp_path: Path) -> None:
    text = '[\n{"a": 1},\n5,\n[1, 2],\n"x",\n{"a": 2}\n]'
    _, columns, rows, issues = read(write(tmp_path, "mixed.json", text))
    assert rows == [["1"], ["2"]]
    assert [(i.row, i.line) for i in issues] == [(1, 3), (1, 4), (1, 5)]
    assert "a number, not an object" in issues[0].message


def test_ndjson(tmp_path: Path) -> None:
    text = '{"a": 1, "b": "甲"}\r\n\n{"b": "乙", "c": {"d": null}}\n7\n'
    kind, columns, rows, issues = read(write(tmp_path, "x.ndjson", text))
    assert kind == "ndjson"
    assert columns == ["a", "b", "c"]
    assert rows == [["1", "甲", None], [None, "乙", '{"d":null}']]
    assert [(i.row, i.line) for i in issues] == [(2, 4)]


def test_json_extension_holding_ndjson(tmp_path: Path) -> None:
    kind, columns, rows, _ = read(write(tmp_path, "x.json", '{"a": 1}\n{"a": 2}\n'))
    assert (kind, columns, rows) == ("ndjson", ["a"], [["1"], ["2"]])


@pytest.mark.parametrize("name, text, message", [
    ("bad.json", '[{"a": 1},\n {"a" 2}]', r"line 2, column 7: Expecting ':' delimiter"),
    ("cut.json", '[{"a": 1},\n{"a": "unfinished', r"line 2, column 7: the file ends inside"),
    ("open.json", '[{"a": 1}', "ends inside the array"),
    ("trailing.json", '[{"a": 1}] {"b": 2}', "more after the end of the array"),
    ("comma.json", '[{"a": 1},]', "Expecting value"),
    ("bad.ndjson", '{"a": 1}\n{"a": }\n', r"line 2, column 7"),
    ("one.json", '{"result": {"records": [{"a": 1}]}}', "single JSON object"),
    ("one-pretty.json", '{\n "data": [1]\n}', "single JSON object"),
    ("text.json", "hello", "is not JSON"),
    ("empty-array.json", "[]", "no JSON objects"),
])
def test_invalid_json(tmp_path: Path, name: str, text: str, message: str) -> None:
    with pytest.raises(TableError, match=message):
        open_table(write(tmp_path, name, text))


def test_large_array_crosses_chunks(tmp_path: Path) -> None:
    """Items cut by the 1 MiB read chunks, and one item larger than a chunk."""
    items = [{"n": i, "名称": f"城关镇第{i}村", "x": i / 7} for i in range(40_000)]
    items.insert(20_000, {"n": -1, "名称": "长" * (3 << 20), "x": None})
    path = write(tmp_path, "big.json", json.dumps(items, ensure_ascii=False))
    with open_table(path) as table:
        rows = list(table.rows())
    assert len(rows) == 40_001
    assert rows[20_000][0] == "-1" and len(rows[20_000][1]) == 3 << 20
    assert rows[-1] == ["39999", "城关镇第39999村", repr(39999 / 7)]


def test_found_by_content(tmp_path: Path) -> None:
    kind, columns, _, _ = read(write(tmp_path, "blob", '\n  [{"a": 1}]'))
    assert (kind, columns) == ("json", ["a"])
