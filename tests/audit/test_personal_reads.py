"""Reads of a person's personal fields by someone else are audited (Art. 35): who read,
whose data, which fields. A user reading their own record, and callers who are shown no
personal fields, leave no entry; when the entry cannot be written the read is refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from portal import audit
from portal.core.context import SYSTEM, Caller
from portal.core.errors import NotAuthorized
from portal.models import AuditEntry, AuditHead
from portal.services import Portal
from tests.api.helpers import Api, make_user
from tests.conftest import org_params
from tests.sharing import scenes

APPLICANT_FIELDS = ["applicant", "applicant_type", "company_name", "scenario",
                    "security_measures", "purpose"]


class People:
    def __init__(self, portal: Portal) -> None:
        portal.call("organization_create", org_params("edu"), user=SYSTEM)
        self.bureau, self.bureau_token = make_user(portal, "bureau", sysadmin=True)
        self.citizen, self.citizen_token = make_user(portal, "citizen")
        self.other, _ = make_user(portal, "other-citizen")


@pytest.fixture
def people(portal: Portal) -> People:
    return People(portal)


@pytest.fixture
def new_entries(portal: Portal) -> Callable[[], list[AuditEntry]]:
    """Reads the entries written since the fixture was made."""
    with portal.session() as session:
        start = session.scalar(select(AuditHead.seq))

    def read() -> list[AuditEntry]:
        with portal.session() as session:
            return list(session.scalars(select(AuditEntry).where(AuditEntry.seq > start)
                                        .order_by(AuditEntry.seq)))

    return read


def reads(entries: list[AuditEntry]) -> list[tuple[str, str, str, list[str], list[str]]]:
    return [(e.actor, e.action, e.object_id, e.detail["of"], e.detail["read"])
            for e in entries if "read" in e.detail]


def test_the_bureau_reading_a_users_email_is_audited(portal: Portal, people: People,
                                                     new_entries: Any) -> None:
    shown = portal.call("user_show", {"id": "citizen"}, user=people.bureau)
    assert shown["email"] == "citizen@example.cn"
    assert reads(new_entries()) == [
        ("bureau", "user_show", people.citizen.id, ["citizen"], ["fullname", "email"])]
    with portal.session() as session:
        assert audit.verify(session).ok


def test_over_the_api_too(app: Any, people: People, new_entries: Any) -> None:
    status, body = Api(app.test_client()).get("user_show", {"id": people.citizen.id},
                                              token=people.bureau_token)
    assert status == 200 and body["result"]["email"] == "citizen@example.cn"
    assert [r[:4] for r in reads(new_entries())] == [
        ("bureau", "user_show", people.citizen.id, ["citizen"])]


@pytest.mark.parametrize("who", ["citizen", "other-citizen", "anonymous"])
def test_reads_that_show_no_one_elses_personal_fields_leave_no_entry(
        portal: Portal, people: People, new_entries: Any, who: str) -> None:
    caller: Caller | None = {"citizen": people.citizen, "other-citizen": people.other,
                             "anonymous": None}[who]
    shown = portal.call("user_show", {"id": "citizen"}, user=caller)
    assert ("email" in shown) == (who == "citizen")
    assert new_entries() == []


def test_reading_an_open_application_of_someone_else_is_audited(
        portal: Portal, people: People, new_entries: Any) -> None:
    made = scenes.open_application(portal, "edu", "citizen")
    before = len(new_entries())
    portal.call("open_application_show", made, user=people.bureau)
    listed = portal.call("open_application_list", {}, user=people.bureau)
    assert [a["applicant"] for a in listed] == ["citizen"]
    assert reads(new_entries()[before:]) == [
        ("bureau", "open_application_show", made["id"], ["citizen"], APPLICANT_FIELDS),
        ("bureau", "open_application_list", made["id"], ["citizen"], APPLICANT_FIELDS)]
    assert new_entries()[-1].detail["ids"] == [made["id"]]


def test_the_applicant_reading_their_own_application_is_not_recorded(
        portal: Portal, people: People, new_entries: Any) -> None:
    made = scenes.open_application(portal, "edu", "citizen")
    before = len(new_entries())
    portal.call("open_application_show", made, user=people.citizen)
    assert len(portal.call("open_application_list", {}, user=people.citizen)) == 1
    assert portal.call("open_application_list", {}, user=people.other) == []
    with pytest.raises(NotAuthorized):
        portal.call("open_application_show", made, user=people.other)
    assert new_entries()[before:] == []


def test_a_read_that_cannot_be_audited_is_refused(portal: Portal, people: People,
                                                  new_entries: Any) -> None:
    path = portal.audit_log.keys.chain_path
    key = path.read_bytes()
    path.unlink()
    try:
        before = len(new_entries())
        with pytest.raises(audit.AuditUnavailable):
            portal.call("user_show", {"id": "citizen"}, user=people.bureau)
        # the citizen's own record does not depend on the log
        assert portal.call("user_show", {"id": "citizen"}, user=people.citizen)["email"]
        assert len(new_entries()) == before
    finally:
        path.write_bytes(key)
