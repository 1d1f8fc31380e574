"""datastore_search: each of CKAN's parameters, and bad input answered 404/409."""

from __future__ import annotations

from typing import Any

import pytest

from portal.core.errors import NotFound, ValidationError
from tests.api.helpers import Api, make_user
from tests.datastore.conftest import Shelf

FIELDS = [{"id": "编号", "type": "integer"}, {"id": "乡镇", "type": "text"},
          {"id": "人数", "type": "int"}, {"id": "金额", "type": "numeric"},
          {"id": "日期", "type": "date"}, {"id": "时间", "type": "timestamp"},
          {"id": "学 校", "type": "text"}]
TOWNS = ["泗城镇", "墩集镇", "丁湖镇"]


def record(i: int) -> dict[str, Any]:
    return {"编号": i, "乡镇": TOWNS[i % 3], "人数": None if i % 10 == 0 else i * 10,
            "金额": i / 4, "日期": f"2024-01-{i % 28 + 1:02d}",
            "时间": f"2024-01-{i % 28 + 1:02d} 08:{i % 60:02d}:00",
            "学 校": f"第{i}小学"}


@pytest.fixture
def rid(shelf: Shelf) -> str:
    return shelf.table(FIELDS, [record(i) for i in range(1, 151)])


def search(shelf: Shelf, rid: str, **params: Any) -> dict[str, Any]:
    return shelf.call("datastore_search", {"resource_id": rid, **params})


def test_the_result_has_ckan_s_shape(shelf: Shelf, rid: str) -> None:
    found = search(shelf, rid)
    assert {"resource_id", "fields", "records", "total", "total_was_estimated", "limit",
            "offset", "_links", "sort", "filters", "q", "records_format"} <= set(found)
    assert (found["limit"], found["offset"], found["total"], len(found["records"])) == \
        (100, 0, 150, 100)
    assert found["fields"][0] == {"id": "_id", "type": "int"}
    assert found["records"][0] == {"_id": 1, "编号": 1, "乡镇": "墩集镇", "人数": 10,
                                   "金额": 0.25, "日期": "2024-01-02",
                                   "时间": "2024-01-02T08:01:00", "学 校": "第1小学"}
    assert found["_links"]["start"].startswith("/api/3/action/datastore_search?")
    assert "offset=100" in found["_links"]["next"]


def test_filters_by_value_list_and_null(shelf: Shelf, rid: str) -> None:
    assert search(shelf, rid, filters={"乡镇": "泗城镇"})["total"] == 50
    assert search(shelf, rid, filters={"编号": [3, "4", 5.0]})["total"] == 3
    assert search(shelf, rid, filters={"人数": None})["total"] == 15
    assert search(shelf, rid, filters={"日期": "2024/1/5"})["total"] == 6
    assert search(shelf, rid, filters='{"乡镇": ["泗城镇", "丁湖镇"], "编号": 3}')["total"] == 1
    assert search(shelf, rid, filters={"编号": []})["total"] == 0


@pytest.mark.parametrize("params, key, named", [
    ({"filters": {"人数": "很多"}}, "filters", "人数"),
    ({"filters": {"日期": "昨天"}}, "filters", "日期"),
    ({"filters": {"不存在": 1}}, "filters", "不存在"),
    ({"sort": "不存在 desc"}, "sort", "不存在"),
    ({"fields": ["编号", "不存在"]}, "fields", "不存在"),
    ({"q": {"不存在": "x"}}, "q", "不存在"),
    ({"limit": -1}, "limit", ""),
    ({"offset": "x"}, "offset", ""),
    ({"records_format": "xml"}, "records_format", ""),
    ({"filters": "[1, 2]"}, "filters", ""),
])
def test_bad_parameters_are_409s_naming_the_field(shelf: Shelf, rid: str, params: dict[str, Any],
                                                  key: str, named: str) -> None:
    with pytest.raises(ValidationError) as refused:
        search(shelf, rid, **params)
    assert key in refused.value.errors
    assert named in " ".join(refused.value.errors[key])


def test_q_looks_in_every_field_or_in_the_fields_named(shelf: Shelf, rid: str) -> None:
    assert search(shelf, rid, q="第12小学")["total"] == 1
    # every word must match: 第3 and 第30-39, of which 3, 30, 33, 36 and 39 are in 泗城镇
    assert search(shelf, rid, q="泗城 第3")["total"] == 5
    assert search(shelf, rid, q={"乡镇": "丁湖"})["total"] == 50
    assert search(shelf, rid, q="100%")["total"] == 0  # % and _ are not wildcards
    assert search(shelf, rid, q="2024-01-05")["total"] == 6  # dates are text to q


def test_fields_distinct_and_totals(shelf: Shelf, rid: str) -> None:
    found = search(shelf, rid, fields="乡镇", distinct=True, sort="乡镇")
    assert found["records"] == [{"乡镇": t} for t in sorted(TOWNS)]
    assert found["total"] == 3
    assert [f["id"] for f in search(shelf, rid, fields=["编号", "_id"])["fields"]] == \
        ["编号", "_id"]


def test_sort_by_several_fields_and_quoted_ids(shelf: Shelf, rid: str) -> None:
    found = search(shelf, rid, sort='乡镇 desc, "学 校"', limit=3)
    assert [r["学 校"] for r in found["records"]] == ["第102小学", "第105小学", "第108小学"]
    amounts = [r["金额"] for r in search(shelf, rid, sort="金额 desc", limit=150)["records"]]
    assert amounts == sorted(amounts, reverse=True)
    assert found["sort"] == "乡镇 desc, 学 校"


def test_limit_offset_and_the_32000_cap(shelf: Shelf, rid: str) -> None:
    page = search(shelf, rid, limit=20, offset=140)
    assert [r["_id"] for r in page["records"]] == list(range(141, 151))
    assert search(shelf, rid, limit=0)["records"] == []
    assert search(shelf, rid, limit=40000)["limit"] == 32000
    assert "total" not in search(shelf, rid, include_total=False)


def test_records_formats(shelf: Shelf, rid: str) -> None:
    lists = search(shelf, rid, records_format="lists", limit=1, fields="编号,乡镇")
    assert lists["records"] == [[1, "墩集镇"]]
    as_csv = search(shelf, rid, records_format="csv", limit=2, fields="编号,学 校")
    assert as_csv["records"] == "1,第1小学\n2,第2小学\n"
    as_tsv = search(shelf, rid, records_format="tsv", limit=1, fields="编号,金额")
    assert as_tsv["records"] == "1\t0.25\n"


def test_unknown_resources_and_resources_without_a_table_are_404s(shelf: Shelf) -> None:
    with pytest.raises(NotFound):
        shelf.call("datastore_search", {"resource_id": "no-such-resource"})
    link = shelf.call("resource_create", {"package_id": shelf.dataset["id"],
                                          "url": "http://example.cn/a.csv"})
    with pytest.raises(NotFound):
        shelf.call("datastore_search", {"resource_id": link["id"]})
    with pytest.raises(NotFound):
        shelf.call("datastore_info", {"id": link["id"]})


def test_over_http_get_parameters_are_read_as_ckan_clients_send_them(client: Any, shelf: Shelf,
                                                                     rid: str) -> None:
    api = Api(client)
    _, token = make_user(shelf.portal, "reader", roles={"edu": "member"})
    status, body = api.get("datastore_search", {
        "resource_id": rid, "filters": '{"乡镇": "泗城镇"}', "sort": "编号 desc", "limit": "2"},
        token=token)
    assert status == 200 and [r["编号"] for r in body["result"]["records"]] == [150, 147]
    status, body = api.get("datastore_search", {"resource_id": rid,
                                                "filters": '{"人数": "abc"}'}, token=token)
    assert (status, body["error"]["__type"]) == (409, "Validation Error")
    assert "人数" in body["error"]["filters"][0]
    assert api.get("datastore_search", {"resource_id": "nope"}, token=token)[0] == 404
