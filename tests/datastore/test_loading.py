"""Files into tables: what datastore_search returns equals the file, read here
independently (csv module, openpyxl); failed loads keep the previous table."""

from __future__ import annotations

import csv
import io
import json
import random
import threading
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from portal.actions.datastore_loads import LoadFailed, run_load
from tests.conftest import BACKEND
from tests.datastore.conftest import Shelf

TOWNS = ["泗城镇", "墩集镇", "丁湖镇", "草沟镇", "长沟镇", "黑塔镇"]
NAMES = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊"]


def county_csv(n: int, seed: int = 1) -> list[list[str]]:
    """Rows a county office exports: ids, names, towns, amounts, dates, times, notes
    (commas, quotes and line breaks inside), mobile numbers, empty cells."""
    rng = random.Random(seed)
    header = ["编号", "姓名", "乡镇", "金额", "登记日期", "更新时间", "备注", "联系电话"]
    rows = [header]
    for i in range(1, n + 1):
        day = date(2015, 1, 1) + timedelta(days=rng.randrange(3650))
        rows.append([
            str(i), rng.choice(NAMES), rng.choice(TOWNS),
            "" if i % 17 == 0 else f"{rng.random() * 10000:.2f}",
            day.isoformat() if i % 5 else f"{day.year}/{day.month}/{day.day}",
            f"{day.isoformat()} {rng.randrange(24):02d}:{rng.randrange(60):02d}:00",
            rng.choice(["", "低保户", "含,逗号", '含"引号"', "两行\n说明"]),
            f"1{rng.randrange(3, 10)}{rng.randrange(10**9):09d}",
        ])
    return rows


def as_csv(rows: list[list[str]], encoding: str) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode(encoding)


def typed(kind: str, text: str | None) -> Any:
    """A cell as datastore_search returns it, computed here from the file's text."""
    if text in (None, ""):
        return None
    if kind == "integer":
        return int(text)
    if kind == "numeric":
        return float(text)
    if kind == "date":
        y, m, d = text.replace("/", "-").split("-")
        return date(int(y), int(m), int(d)).isoformat()
    if kind == "timestamp":
        return datetime.fromisoformat(text.replace(" ", "T")).isoformat()
    return text


def test_a_gbk_csv_loads_with_its_chinese_text_and_types(shelf: Shelf) -> None:
    rows = county_csv(300)
    res = shelf.upload("登记表.csv", as_csv(rows, "gbk"))
    assert (res["datastore_active"], res["datastore_status"]) == (True, "active")
    found = shelf.call("datastore_search", {"resource_id": res["id"], "limit": 1000})
    kinds = {f["id"]: f["type"] for f in found["fields"]}
    assert kinds == {"_id": "int", "编号": "integer", "姓名": "text", "乡镇": "text",
                     "金额": "numeric", "登记日期": "date", "更新时间": "timestamp",
                     "备注": "text", "联系电话": "text"}  # mobile numbers are not quantities
    with io.TextIOWrapper(io.BytesIO(as_csv(rows, "gbk")), encoding="gbk", newline="") as f:
        header, *body = list(csv.reader(f))
    expected = [{"_id": n, **{h: typed(kinds[h], v) for h, v in zip(header, row, strict=True)}}
                for n, row in enumerate(body, start=1)]
    assert found["records"] == expected
    assert found["total"] == 300


def merged_workbook() -> bytes:
    """A title row, then a two-row header: 基本信息 merged over 姓名 and 性别, the other
    headers merged down; dates and amounts as Excel stores them."""
    wb = Workbook()
    ws = wb.active
    ws.append(["2024年泗县城乡低保发放表"])
    ws.merge_cells("A1:E1")
    ws.append(["序号", "基本信息", None, "出生日期", "补助金额"])
    ws.append([None, "姓名", "性别", None, None])
    for col in "ADE":
        ws.merge_cells(f"{col}2:{col}3")
    ws.merge_cells("B2:C2")
    rng = random.Random(7)
    for i in range(1, 41):
        ws.append([i, rng.choice(NAMES), rng.choice(["男", "女"]),
                   datetime(1950 + rng.randrange(60), rng.randrange(1, 13), rng.randrange(1, 29)),
                   round(rng.random() * 1000, 2) if i % 9 else 500])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_an_xlsx_with_merged_headers_loads_with_its_types(shelf: Shelf) -> None:
    data = merged_workbook()
    res = shelf.upload("低保.xlsx", data)
    assert res["datastore_status"] == "active", res["datastore_error"]
    found = shelf.call("datastore_search", {"resource_id": res["id"], "limit": 100})
    kinds = {f["id"]: f["type"] for f in found["fields"]}
    assert kinds == {"_id": "int", "序号": "integer", "基本信息_姓名": "text",
                     "基本信息_性别": "text", "出生日期": "date", "补助金额": "numeric"}
    sheet = load_workbook(io.BytesIO(data), read_only=True).active
    expected = []
    for n, (no, name, sex, born, amount) in enumerate(
            sheet.iter_rows(min_row=4, values_only=True), start=1):
        expected.append({"_id": n, "序号": no, "基本信息_姓名": name, "基本信息_性别": sex,
                         "出生日期": born.date().isoformat(), "补助金额": float(amount)})
    assert found["records"] == expected


def test_json_and_ndjson_load(shelf: Shelf) -> None:
    records = [{"区划": "泗城镇", "人口": 10250, "面积": 42.5}, {"区划": "墩集镇", "人口": None,
                                                            "面积": 88.0}]
    as_json = shelf.upload("人口.json", json.dumps(records, ensure_ascii=False).encode())
    lines = "\n".join(json.dumps(r, ensure_ascii=False) for r in records).encode()
    as_ndjson = shelf.upload("人口.ndjson", lines)
    for res in (as_json, as_ndjson):
        assert res["datastore_status"] == "active", res["datastore_error"]
        assert shelf.rows(res["id"], fields="区划,人口,面积") == records


def test_a_failed_load_keeps_the_previous_table_and_says_why(shelf: Shelf) -> None:
    good = shelf.upload("学校.csv", "学校,人数\n一中,1200\n二中,900\n".encode())
    before = shelf.rows(good["id"])
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20
    failed = shelf.replace(good["id"], "学校.csv", png)
    assert (failed["datastore_status"], failed["datastore_active"]) == ("error", True)
    assert "学校.csv is not a text table" in failed["datastore_error"]
    assert shelf.rows(good["id"]) == before
    info = shelf.call("datastore_info", {"id": good["id"]})
    assert info["meta"]["status"] == "error" and info["meta"]["count"] == 2


def test_a_truncated_or_empty_file_fails_without_a_table(shelf: Shelf) -> None:
    res = shelf.upload("空.csv", b"")
    assert (res["datastore_status"], res["datastore_active"]) == ("error", False)
    assert "empty" in res["datastore_error"]


def test_a_column_that_turns_to_text_late_in_the_file_is_text(shelf: Shelf) -> None:
    """Past the first batches an amount column holds "N/A": the whole column is text,
    every value as written (SQLite's fast path starts over the exact way)."""
    rows = [["编号", "金额", "日期"]] + [[str(i), f"{i}.50", "2024-01-05"] for i in range(1, 7001)]
    rows[6500][1] = "N/A"
    res = shelf.upload("晚变.csv", as_csv(rows, "utf-8"))
    found = shelf.call("datastore_search", {"resource_id": res["id"], "limit": 7000})
    assert [f["type"] for f in found["fields"]] == ["int", "integer", "text", "date"]
    assert [r["金额"] for r in found["records"]] == [row[1] for row in rows[1:]]


def test_ragged_rows_are_loaded_and_reported(shelf: Shelf) -> None:
    res = shelf.upload("参差.csv", "甲,乙,丙\n1,2,3\n4,5\n6,7,8,9\n".encode())
    assert shelf.rows(res["id"], fields=["甲", "乙", "丙"]) == [
        {"甲": 1, "乙": 2, "丙": 3}, {"甲": 4, "乙": 5, "丙": None}, {"甲": 6, "乙": 7, "丙": 8}]
    notes = shelf.call("datastore_info", {"id": res["id"]})["meta"]["notes"]
    assert "2 rows had problems" in notes and "row 2" in notes


def test_a_new_file_replaces_the_table_and_keeps_the_descriptions(shelf: Shelf) -> None:
    res = shelf.upload("学校.csv", "学校,人数\n一中,1200\n".encode())
    shelf.call("datastore_create", {"resource_id": res["id"], "fields": [
        {"id": "人数", "info": {"label": "在校学生数", "notes": "2024 年秋季"}}]})
    shelf.replace(res["id"], "学校.csv", "学校,人数,校长\n一中,1250,张伟\n三中,800,王芳\n".encode())
    found = shelf.call("datastore_search", {"resource_id": res["id"]})
    assert [r["人数"] for r in found["records"]] == [1250, 800]
    info = {f["id"]: f["info"] for f in found["fields"] if f["id"] != "_id"}
    assert info["人数"] == {"label": "在校学生数", "notes": "2024 年秋季"}
    assert info["校长"] == {"label": "", "notes": ""}


def test_only_tables_are_loaded_and_a_deleted_resource_drops_its_table(shelf: Shelf) -> None:
    pdf = shelf.upload("说明.pdf", b"%PDF-1.4 not a table")
    assert (pdf["datastore_status"], pdf["datastore_active"]) == (None, False)
    res = shelf.upload("学校.csv", "学校,人数\n一中,1200\n".encode())
    shelf.call("resource_delete", {"id": res["id"]})
    shelf.wait()
    store = shelf.portal.datastore
    with store.read() as db:
        assert store.meta(db, res["id"]) is None


def test_long_and_clashing_headers_become_usable_field_ids(shelf: Shelf) -> None:
    long = "泗县" * 30  # 180 bytes of UTF-8; PostgreSQL names stop at 63
    res = shelf.upload("表头.csv", f"{long},_id,Name,name\n1,2,3,4\n".encode())
    found = shelf.call("datastore_search", {"resource_id": res["id"]})
    ids = [f["id"] for f in found["fields"]]
    assert ids[0] == "_id" and len(ids) == 5 and len(set(i.casefold() for i in ids)) == 5
    assert all(len(i.encode()) <= 63 for i in ids)
    assert found["fields"][1]["info"]["label"] == long


def test_a_load_stopped_half_way_leaves_the_previous_table_and_nothing_else(
        shelf: Shelf) -> None:
    """Stopped after its first batch (as at shutdown): the old rows stay, no table being
    built is left behind, and the resource says what happened."""
    rows = "\n".join(f"第{i}小学,{i}" for i in range(12000))
    res = shelf.upload("学校.csv", f"学校,人数\n{rows}\n".encode())
    shelf.call("datastore_delete", {"resource_id": res["id"], "filters": {"人数": 0}})
    stop = threading.Event()
    with pytest.raises(LoadFailed, match="interrupted"):
        run_load(shelf.portal, res["id"], progress=lambda phase, n: stop.set(), cancel=stop)
    assert len(shelf.rows(res["id"])) == 11999  # the table as it was
    shown = shelf.show(res["id"])
    assert (shown["datastore_status"], shown["datastore_active"]) == ("error", True)
    store = shelf.portal.datastore
    with store.read() as db:
        if db.backend.dialect == "sqlite":
            names = [r[0] for r in db.all("SELECT name FROM sqlite_master WHERE type = 'table'")]
        else:
            names = [r[0] for r in db.all("SELECT table_name FROM information_schema.tables "
                                          "WHERE table_schema = %s", (db.backend.schema,))]
    assert not [n for n in names if n.startswith("_load_")]


@pytest.mark.skipif(BACKEND != "sqlite", reason="SQLite has one writer at a time")
def test_a_write_action_gets_its_turn_during_a_long_load(shelf: Shelf,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A long load commits as it goes and lets a waiting action of the portal in."""
    from portal.datastore import direct

    monkeypatch.setattr(direct, "COMMIT_ROWS", 5000)
    rows = "\n".join(f"第{i}小学,{i}" for i in range(150_000))
    res = shelf.upload("学校.csv", f"学校,人数\n{rows}\n".encode())
    other = shelf.table([{"id": "n", "type": "integer"}], [])
    loading, finished = threading.Event(), []
    worker = threading.Thread(target=lambda: finished.append(run_load(
        shelf.portal, res["id"], progress=lambda phase, n: loading.set())))
    worker.start()
    assert loading.wait(30)
    shelf.call("datastore_upsert", {"resource_id": other, "method": "insert",
                                    "records": [{"n": 1}]})
    done_while_loading = not finished
    worker.join(60)
    assert done_while_loading and finished and finished[0].rows == 150_000
