"""A data request's whole path, its deadline in Chinese working days, and who sees
what: the request and the answer are public, the requester never is."""

from __future__ import annotations

import json
from typing import Any

from portal.core.context import SYSTEM
from tests.api.helpers import Api
from tests.conftest import package_params
from tests.requests.conftest import County
from tests.support.clock import CountyClock


def leaks_requester(county: County, shown: Any) -> bool:
    user = county.users["resident"]
    assert user is not None
    text = json.dumps(shown, ensure_ascii=False)
    return any(k.startswith("requester") for k in text.split('"')) or \
        user.id in text or user.name in text


def test_create_route_answer_and_show_in_public(county: County, clock: CountyClock,
                                                client: Any) -> None:
    made = county.request()
    assert (made["state"], made["public"], made["mine"]) == ("submitted", True, True)
    assert (made["due"], made["days_left"], made["overdue"]) == (None, None, False)

    routed = county.call("bureau", "data_request_route", {"id": made["id"],
                                                         "organization": "edu"})
    assert (routed["state"], routed["organization"], routed["routed_by"]) == \
        ("routed", "edu", "bureau")
    assert routed["mine"] is False  # the bureau did not ask

    dataset = county.call("bureau", "package_create", package_params("school-places", "edu"))
    clock.set("2026-10-12")
    answered = county.call("edu-editor", "data_request_answer", {
        "id": made["id"], "answer": "已发布各校学位数。", "dataset_id": "school-places"})
    assert (answered["state"], answered["answered_by"]) == ("answered", "edu-editor")
    assert (answered["dataset_id"], answered["dataset"]) == (dataset["id"], "school-places")
    assert (answered["days_left"], answered["overdue"]) == (None, False)

    shown = county.call("anonymous", "data_request_show", {"id": made["id"]})
    assert shown == {**answered, "mine": False}
    assert (shown["title"], shown["answer"]) == ("全县中小学学位数", "已发布各校学位数。")
    assert not leaks_requester(county, shown)
    assert not leaks_requester(county, county.call("neighbour", "data_request_list", {}))
    assert county.call("resident", "data_request_show", {"id": made["id"]})["mine"] is True

    status, body = Api(client).get("data_request_show", {"id": made["id"]})
    assert (status, body["result"]["answer"]) == (200, "已发布各校学位数。")
    assert not leaks_requester(county, body)


def test_due_across_national_day_2026(county: County, clock: CountyClock) -> None:
    routed = county.routed()
    # 8, 9, 10 (调休), 12-15 October: seven working days after 30 September.
    assert (routed["due"], routed["days_left"], routed["overdue"]) == ("2026-10-15", 7, False)
    clock.set("2026-10-09")
    assert county.call("edu-member", "data_request_show", {"id": routed["id"]})[
        "days_left"] == 5  # 10, 12, 13, 14, 15


def test_overdue_follows_today(county: County, clock: CountyClock) -> None:
    late = county.routed()
    clock.set("2026-10-15")  # the last day: due, not late
    shown = county.call("anonymous", "data_request_show", {"id": late["id"]})
    assert (shown["overdue"], shown["days_left"]) == (False, 0)
    assert county.call("bureau", "data_request_list", {"overdue": True}) == []

    fresh = county.routed("health")  # routed on the 15th: due 26 October
    assert fresh["due"] == "2026-10-26"
    clock.set("2026-10-16")
    shown = county.call("anonymous", "data_request_show", {"id": late["id"]})
    assert (shown["overdue"], shown["days_left"]) == (True, -1)
    assert [r["id"] for r in county.call("anonymous", "data_request_list",
                                         {"overdue": "true"})] == [late["id"]]

    county.call("edu-admin", "data_request_answer", {"id": late["id"], "answer": "暂无此数据。"})
    assert county.call("bureau", "data_request_list", {"overdue": True}) == []
    assert county.call("anonymous", "data_request_show", {"id": late["id"]})["overdue"] is False


def test_rerouting_restarts_the_deadline(county: County, clock: CountyClock) -> None:
    routed = county.routed("health")
    clock.set("2026-10-12")
    again = county.call("bureau", "data_request_route", {"id": routed["id"],
                                                        "organization": "edu"})
    assert (again["organization"], again["due"]) == ("edu", "2026-10-21")
    county.call("edu-editor", "data_request_answer", {"id": routed["id"], "answer": "见附件"})


def test_private_requests_and_who_lists_what(county: County, clock: CountyClock) -> None:
    public = county.request(title="公开的需求")
    private = county.request(title="不公开的需求", public=False)
    routed = county.routed("health", title="转交卫健委", public="false")
    county.call("bureau", "data_request_decline", {"id": public["id"], "reason": "不属于政务数据"})

    def listed(who: str, **params: Any) -> set[str]:
        return {r["title"] for r in county.call(who, "data_request_list", params)}

    every = {"公开的需求", "不公开的需求", "转交卫健委"}
    assert listed("anonymous") == listed("neighbour") == listed("edu-admin") == {"公开的需求"}
    assert listed("resident") == listed("bureau") == every
    assert listed("health-editor") == {"公开的需求", "转交卫健委"}
    assert listed("health-editor", organization="health") == {"转交卫健委"}
    assert listed("bureau", state="submitted") == {"不公开的需求"}
    assert listed("bureau", state="declined") == {"公开的需求"}
    assert listed("resident", organization="edu") == set()
    shown = county.call("health-editor", "data_request_show", {"id": routed["id"]})
    assert (shown["public"], shown["mine"]) == (False, False)
    assert county.call("resident", "data_request_show", {"id": private["id"]})["mine"] is True
    declined = county.call("anonymous", "data_request_show", {"id": public["id"]})
    assert (declined["state"], declined["answer"]) == ("declined", "不属于政务数据")


def test_list_is_newest_first_and_pages(county: County) -> None:
    made = [county.request(title=f"需求{i}")["id"] for i in range(3)]
    listed = county.call("anonymous", "data_request_list", {"limit": 2, "offset": 0})
    rest = county.call("anonymous", "data_request_list", {"limit": 2, "offset": 2})
    assert [r["id"] for r in listed + rest] == made[::-1]


def test_system_may_file_a_request(county: County) -> None:
    made = county.portal.call("data_request_create", {"title": "t", "description": "d"},
                              user=SYSTEM)
    assert made["state"] == "submitted"
