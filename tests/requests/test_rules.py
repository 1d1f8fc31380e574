"""Who may do what with data requests, input that is refused cleanly, and who is told."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from portal.core.errors import NotAuthorized, NotFound, ValidationError
from portal.models import Notification, User
from tests.api.helpers import fingerprint
from tests.conftest import package_params
from tests.requests.conftest import County


def refused(county: County, who: str, action: str, params: dict[str, Any]) -> str:
    before = fingerprint(county.portal)
    with pytest.raises(NotAuthorized) as caught:
        county.call(who, action, params)
    assert fingerprint(county.portal) == before
    return caught.value.message


def invalid(county: County, who: str, action: str, params: dict[str, Any]) -> list[str]:
    before = fingerprint(county.portal)
    with pytest.raises(ValidationError) as caught:
        county.call(who, action, params)
    assert fingerprint(county.portal) == before
    return list(caught.value.errors)


def test_refusals(county: County) -> None:
    made = county.request()
    private = county.request(public=False)
    routed = county.routed()
    assert "signed in" in refused(county, "anonymous", "data_request_create",
                                  {"title": "t", "description": "d"})
    for who in ("anonymous", "resident", "edu-admin"):
        assert "sysadmins" in refused(county, who, "data_request_route",
                                      {"id": made["id"], "organization": "edu"})
        refused(county, who, "data_request_decline", {"id": made["id"], "reason": "否"})
    answer = {"id": routed["id"], "answer": "答复"}
    for who in ("health-editor", "health-admin", "edu-member", "resident", "anonymous"):
        refused(county, who, "data_request_answer", answer)
    # Not routed yet: no department may answer it, not even the one it will go to.
    refused(county, "edu-editor", "data_request_answer", {"id": made["id"], "answer": "答复"})
    for who in ("anonymous", "neighbour", "edu-admin", "health-editor"):
        assert "not public" in refused(county, who, "data_request_show", {"id": private["id"]})
    for who in ("resident", "bureau"):  # not routed yet: the requester and the bureau
        assert county.call(who, "data_request_show", {"id": private["id"]})["public"] is False
    routed_private = county.routed(public=False)
    for who in ("anonymous", "neighbour", "health-admin"):
        refused(county, who, "data_request_show", {"id": routed_private["id"]})
    for who in ("resident", "bureau", "edu-member"):
        county.call(who, "data_request_show", {"id": routed_private["id"]})


def test_closed_requests_stay_closed(county: County) -> None:
    answered = county.routed()
    county.call("edu-editor", "data_request_answer", {"id": answered["id"], "answer": "已答复"})
    declined = county.request()
    county.call("bureau", "data_request_decline", {"id": declined["id"], "reason": "重复"})
    for req in (answered, declined):
        assert invalid(county, "edu-editor" if req is answered else "bureau",
                       "data_request_answer", {"id": req["id"], "answer": "再答"}) == ["state"]
        assert invalid(county, "bureau", "data_request_route",
                       {"id": req["id"], "organization": "edu"}) == ["state"]
        assert invalid(county, "bureau", "data_request_decline",
                       {"id": req["id"], "reason": "再拒"}) == ["state"]
    unrouted = county.request()
    assert invalid(county, "bureau", "data_request_answer",
                   {"id": unrouted["id"], "answer": "答复"}) == ["state"]


@pytest.mark.parametrize("params, field", [
    ({"title": ""}, "title"),
    ({"title": None}, "title"),
    ({"title": "   "}, "title"),
    ({"title": "长" * 201}, "title"),
    ({"description": ""}, "description"),
    ({"description": "x" * 5001}, "description"),
    ({"purpose": "x" * 2001}, "purpose"),
    ({"public": "perhaps"}, "public"),
])
def test_bad_requests(county: County, params: dict[str, Any], field: str) -> None:
    base = {"title": "学位数", "description": "说明"}
    assert invalid(county, "resident", "data_request_create", {**base, **params}) == [field]


def test_bad_routing_answers_and_ids(county: County) -> None:
    made = county.request()
    routed = county.routed()
    for action, params in [("data_request_show", {"id": "no-such-request"}),
                           ("data_request_route", {"id": "no-such", "organization": "edu"}),
                           ("data_request_route", {"id": made["id"], "organization": "nope"}),
                           ("data_request_list", {"organization": "nope"})]:
        before = fingerprint(county.portal)
        with pytest.raises(NotFound):
            county.call("bureau", action, params)
        assert fingerprint(county.portal) == before
    assert invalid(county, "bureau", "data_request_show", {}) == ["id"]
    assert invalid(county, "bureau", "data_request_route", {"id": made["id"]}) == ["organization"]
    assert invalid(county, "edu-editor", "data_request_answer",
                   {"id": routed["id"], "answer": ""}) == ["answer"]
    assert invalid(county, "bureau", "data_request_decline", {"id": made["id"]}) == ["reason"]
    assert invalid(county, "anonymous", "data_request_list", {"state": "open"}) == ["state"]
    assert invalid(county, "anonymous", "data_request_list", {"limit": 0}) == ["limit"]


@pytest.mark.parametrize("entry", ["draft", "private", "deleted", "missing"])
def test_the_answering_dataset_must_be_published_and_public(county: County,
                                                            entry: str) -> None:
    recipes = {"draft": ("edu-editor", {}), "private": ("bureau", {"private": True}),
               "deleted": ("bureau", {})}
    if entry in recipes:
        who, extra = recipes[entry]
        county.call(who, "package_create", package_params(entry, "edu", **extra))
        if entry == "deleted":
            county.call("bureau", "package_delete", {"id": entry})
    routed = county.routed()
    assert invalid(county, "edu-editor", "data_request_answer", {
        "id": routed["id"], "answer": "见此目录", "dataset_id": entry}) == ["dataset_id"]


def test_an_answer_may_link_another_department_s_published_entry(county: County) -> None:
    county.call("bureau", "package_create", package_params("clinics", "health"))
    routed = county.routed()
    answered = county.call("edu-editor", "data_request_answer", {
        "id": routed["id"], "answer": "数据由卫健委发布", "dataset_id": "clinics"})
    assert answered["dataset"] == "clinics"


def told(county: County, kind: str) -> dict[str, str]:
    with county.portal.session() as session:
        rows = session.execute(select(User.name, Notification.subject, Notification.body)
                               .join(User, User.id == Notification.user_id)
                               .where(Notification.kind == kind))
        return {name: f"{subject}\n{body}" for name, subject, body in rows}


def test_who_is_told(county: County) -> None:
    routed = county.routed()
    routing = told(county, "data_request_routed")
    assert set(routing) == {"edu-editor", "edu-admin", "resident"}  # not members, not health
    assert "请于2026-10-15前公开答复" in routing["edu-editor"]
    assert "已转交测试单位 edu" in routing["resident"]

    county.call("edu-editor", "data_request_answer", {"id": routed["id"], "answer": "已公开"})
    answered = told(county, "data_request_answered")
    assert set(answered) == {"resident"} and "已公开" in answered["resident"]

    declined = county.request(who="neighbour")
    county.call("bureau", "data_request_decline", {"id": declined["id"], "reason": "涉密"})
    assert set(told(county, "data_request_declined")) == {"neighbour"}
    assert "涉密" in told(county, "data_request_declined")["neighbour"]


def test_the_caller_is_not_told_what_they_did(county: County) -> None:
    made = county.request(who="edu-admin")
    county.call("bureau", "data_request_route", {"id": made["id"], "organization": "edu"})
    county.call("edu-admin", "data_request_answer", {"id": made["id"], "answer": "自己答复"})
    assert set(told(county, "data_request_routed")) == {"edu-admin", "edu-editor"}
    assert told(county, "data_request_answered") == {}
