"""datastore_create, datastore_upsert and datastore_delete: data pushed by API clients."""

from __future__ import annotations

from typing import Any

import pytest

from portal.core.errors import NotFound, ValidationError
from tests.datastore.conftest import Shelf

FIELDS = [{"id": "code", "type": "text"}, {"id": "人口", "type": "int8"},
          {"id": "面积", "type": "float8"}]


def rows(shelf: Shelf, rid: str) -> list[dict[str, Any]]:
    return shelf.rows(rid, fields="code,人口,面积", sort="code")


def test_create_with_fields_records_and_a_data_dictionary(shelf: Shelf) -> None:
    fields = [{**FIELDS[0], "info": {"label": "区划代码", "notes": "GB/T 2260"}}, *FIELDS[1:]]
    made = shelf.call("datastore_create", {
        "resource": {"package_id": shelf.dataset["id"], "name": "区划"}, "fields": fields,
        "records": [{"code": "341324100", "人口": "10250", "面积": 42.5}],
        "primary_key": "code", "force": True})
    assert [(f["id"], f["type"]) for f in made["fields"]] == [
        ("code", "text"), ("人口", "integer"), ("面积", "numeric")]
    assert made["fields"][0]["info"] == {"label": "区划代码", "notes": "GB/T 2260"}
    assert made["primary_key"] == ["code"]
    res = shelf.show(made["resource_id"])
    assert (res["datastore_active"], res["datastore_status"], res["name"]) == \
        (True, "active", "区划")
    assert rows(shelf, made["resource_id"]) == [{"code": "341324100", "人口": 10250, "面积": 42.5}]


def test_fields_are_taken_from_records_and_added_later(shelf: Shelf) -> None:
    rid = shelf.table([], [{"名称": "泗城镇", "人口": 10250, "面积": 42.5}])
    info = shelf.call("datastore_info", {"id": rid})
    assert [(f["id"], f["type"]) for f in info["fields"]] == [
        ("名称", "text"), ("人口", "integer"), ("面积", "numeric")]
    shelf.call("datastore_create", {"resource_id": rid, "fields": [{"id": "备注"}],
                                    "records": [{"名称": "墩集镇", "备注": "新增"}]})
    assert shelf.rows(rid, fields="名称,备注") == [{"名称": "泗城镇", "备注": None},
                                                  {"名称": "墩集镇", "备注": "新增"}]


@pytest.mark.parametrize("params, key", [
    ({"fields": [{"id": "x", "type": "geometry"}]}, "fields"),
    ({"fields": [{"id": "_secret", "type": "text"}]}, "fields"),
    ({"fields": [{"id": "长" * 30, "type": "text"}]}, "fields"),
    ({"fields": [{"id": "a"}, {"id": "A"}]}, "fields"),
    ({"fields": [{"id": "a", "info": "not an object"}]}, "fields"),
    ({"fields": [{"id": "n", "type": "int"}], "records": [{"n": "many"}]}, "records"),
    ({"fields": [{"id": "n", "type": "int"}], "records": [{"m": 1}]}, "records"),
    ({"fields": [{"id": "n", "type": "int"}], "primary_key": ["m"]}, "primary_key"),
    ({"records": "not a list"}, "records"),
    ({}, "fields"),
])
def test_bad_tables_and_records_are_409s(shelf: Shelf, params: dict[str, Any], key: str) -> None:
    res = shelf.call("resource_create", {"package_id": shelf.dataset["id"], "url": ""})
    with pytest.raises(ValidationError) as refused:
        shelf.call("datastore_create", {"resource_id": res["id"], **params})
    assert key in refused.value.errors
    assert not shelf.show(res["id"])["datastore_active"]


def test_a_field_s_type_cannot_change(shelf: Shelf) -> None:
    rid = shelf.table(FIELDS, [])
    with pytest.raises(ValidationError, match="cannot be changed"):
        shelf.call("datastore_create", {"resource_id": rid, "fields": [{"id": "人口",
                                                                         "type": "text"}]})


def test_upsert_insert_and_update_by_primary_key(shelf: Shelf) -> None:
    rid = shelf.table(FIELDS, [{"code": "a", "人口": 1, "面积": 1.0}], primary_key=["code"])
    shelf.call("datastore_upsert", {"resource_id": rid, "records": [
        {"code": "a", "人口": 5}, {"code": "b", "人口": 2, "面积": 2.5}]})
    shelf.call("datastore_upsert", {"resource_id": rid, "method": "insert",
                                    "records": [{"code": "c", "人口": 3}]})
    shelf.call("datastore_upsert", {"resource_id": rid, "method": "update",
                                    "records": [{"code": "c", "面积": 3.5}]})
    assert rows(shelf, rid) == [{"code": "a", "人口": 5, "面积": 1.0},
                                {"code": "b", "人口": 2, "面积": 2.5},
                                {"code": "c", "人口": 3, "面积": 3.5}]
    assert shelf.show(rid)["datastore_active"]


@pytest.mark.parametrize("method, records, message", [
    ("insert", [{"code": "a", "人口": 9}], "duplicate"),
    ("update", [{"code": "zz", "人口": 9}], "no record has the key"),
    ("upsert", [{"人口": 9}], "needs the key"),
    ("sideways", [{"code": "a"}], "Must be one of"),
])
def test_upsert_refusals_are_409s(shelf: Shelf, method: str, records: list[dict[str, Any]],
                                  message: str) -> None:
    rid = shelf.table(FIELDS, [{"code": "a", "人口": 1}], primary_key="code")
    with pytest.raises(ValidationError, match=message):
        shelf.call("datastore_upsert", {"resource_id": rid, "method": method,
                                        "records": records})
    assert rows(shelf, rid) == [{"code": "a", "人口": 1, "面积": None}]


def test_without_a_primary_key_upsert_matches_on_id(shelf: Shelf) -> None:
    rid = shelf.table(FIELDS, [{"code": "a"}, {"code": "b"}])
    shelf.call("datastore_upsert", {"resource_id": rid, "records": [
        {"_id": 2, "人口": 7}, {"_id": 10, "code": "j"}]})
    shelf.call("datastore_upsert", {"resource_id": rid, "method": "insert",
                                    "records": [{"code": "k"}]})
    found = shelf.rows(rid, fields="_id,code,人口")
    assert found == [{"_id": 1, "code": "a", "人口": None}, {"_id": 2, "code": "b", "人口": 7},
                     {"_id": 10, "code": "j", "人口": None}, {"_id": 11, "code": "k", "人口": None}]


def test_delete_rows_then_the_table(shelf: Shelf) -> None:
    rid = shelf.table(FIELDS, [{"code": c, "人口": n} for c, n in zip("abcd", [1, 2, 2, 3],
                                                                      strict=True)])
    shelf.call("datastore_delete", {"resource_id": rid, "filters": {"人口": 2}})
    assert [r["code"] for r in rows(shelf, rid)] == ["a", "d"]
    shelf.call("datastore_delete", {"resource_id": rid, "filters": {}})
    assert rows(shelf, rid) == []
    shelf.call("datastore_delete", {"resource_id": rid})
    assert not shelf.show(rid)["datastore_active"]
    with pytest.raises(NotFound):
        shelf.call("datastore_search", {"resource_id": rid})
    with pytest.raises(NotFound):
        shelf.call("datastore_delete", {"resource_id": rid})
