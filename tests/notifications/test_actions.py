"""notification_list / _unread_count / _mark_read: one's own notifications only."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.core.context import Caller
from portal.core.errors import NotAuthorized, ValidationError
from portal.models import AuditEntry, Notification
from portal.notify import notify
from portal.services import Portal
from tests.conftest import Accounts


def post(portal: Portal, user: Caller, n: int, prefix: str = "通知") -> list[str]:
    ids = []
    for i in range(n):
        with portal.session() as session, session.begin():
            [note] = notify(session, [user.id], "data_request_answered", f"{prefix}{i}",
                            f"第{i}条", link=f"/dataset/d{i}")
            ids.append(note.id)
    return ids


@pytest.fixture
def people(portal: Portal, accounts: Accounts) -> tuple[Caller, Caller]:
    return accounts.user("alice")[0], accounts.user("bob")[0]


def test_list_is_newest_first_and_pages(portal: Portal, people: tuple[Caller, Caller]) -> None:
    alice, bob = people
    post(portal, alice, 3)
    post(portal, bob, 1, prefix="给bob")
    listed = portal.call("notification_list", {}, user=alice)
    assert [n["subject"] for n in listed] == ["通知2", "通知1", "通知0"]
    assert listed[0]["link"] == "/dataset/d2" and listed[0]["read"] is False
    page = portal.call("notification_list", {"limit": 1, "offset": 1}, user=alice)
    assert [n["subject"] for n in page] == ["通知1"]
    assert portal.call("notification_unread_count", {}, user=alice) == 3
    with pytest.raises(ValidationError):
        portal.call("notification_list", {"limit": 1000}, user=alice)


def test_mark_read_by_ids_and_all(portal: Portal, people: tuple[Caller, Caller]) -> None:
    alice, _ = people
    ids = post(portal, alice, 3)
    assert portal.call("notification_mark_read", {"ids": [ids[0]]}, user=alice) == {"marked": 1}
    assert portal.call("notification_unread_count", {}, user=alice) == 2
    unread = portal.call("notification_list", {"unread_only": True}, user=alice)
    assert {n["id"] for n in unread} == set(ids[1:])
    assert portal.call("notification_mark_read", {"all": True}, user=alice) == {"marked": 2}
    assert portal.call("notification_unread_count", {}, user=alice) == 0
    with pytest.raises(ValidationError):
        portal.call("notification_mark_read", {}, user=alice)
    with portal.session() as session:
        actions = list(session.scalars(select(AuditEntry.action)))
    assert actions.count("notification_mark_read") == 2


def test_nobody_reads_or_marks_another_users_notifications(
        portal: Portal, people: tuple[Caller, Caller], sysadmin: Caller) -> None:
    alice, bob = people
    [alices] = post(portal, alice, 1, prefix="alice的")
    # bob's list never shows alice's, whatever he passes (even a sysadmin sees only their own)
    for caller in (bob, sysadmin):
        listed = portal.call("notification_list", {"user": "alice", "user_id": alice.id},
                             user=caller)
        assert listed == []
        assert portal.call("notification_unread_count", {"user_id": alice.id}, user=caller) == 0
    # marking alice's notification: no effect, and the answer is the same as for a made-up id
    assert portal.call("notification_mark_read", {"ids": [alices]}, user=bob) == {"marked": 0}
    assert portal.call("notification_mark_read", {"ids": ["no-such-id"]}, user=bob) == \
        {"marked": 0}
    assert portal.call("notification_mark_read", {"all": True}, user=bob) == {"marked": 0}
    with portal.session() as session:
        assert session.scalar(select(Notification.read_at).where(Notification.id == alices)) \
            is None
    assert portal.call("notification_unread_count", {}, user=alice) == 1


@pytest.mark.parametrize("action", ["notification_list", "notification_unread_count",
                                    "notification_mark_read"])
def test_anonymous_callers_are_refused(portal: Portal, action: str) -> None:
    with pytest.raises(NotAuthorized):
        portal.call(action, {"all": True}, user=None)


def test_over_http_with_a_token(portal: Portal, accounts: Accounts, client: object) -> None:
    alice, token = accounts.user("alice")
    post(portal, alice, 1, prefix="中文主题")
    response = client.get("/api/3/action/notification_list",  # type: ignore[attr-defined]
                          headers={"Authorization": token})
    assert response.status_code == 200
    assert [n["subject"] for n in response.get_json()["result"]] == ["中文主题0"]
    anonymous = client.get("/api/3/action/notification_unread_count")  # type: ignore[attr-defined]
    assert anonymous.status_code == 403
