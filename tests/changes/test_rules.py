"""Who may do what with catalog changes, input that is refused cleanly, and who is told."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from portal.core.errors import NotAuthorized, NotFound, ValidationError
from portal.models import Notification, User
from tests.api.helpers import fingerprint
from tests.changes.conftest import County
from tests.support.clock import CountyClock


def refused(county: County, who: str, action: str, params: dict[str, Any]) -> str:
    before = fingerprint(county.portal)
    with pytest.raises(NotAuthorized) as caught:
        county.call(who, action, params)
    assert fingerprint(county.portal) == before
    return caught.value.message


def test_refusals(county: County) -> None:
    change = county.change()
    theirs = county.change("health-editor", organization="health")
    create = {"organization": "edu", "kind": "duty", "description": "x", "basis": "y",
              "changed_on": "2026-09-29"}
    assert "editor or admin" in refused(county, "health-editor", "catalog_change_create", create)
    assert "editor or admin" in refused(county, "edu-member", "catalog_change_create", create)
    refused(county, "anonymous", "catalog_change_create", create)
    refused(county, "health-admin", "catalog_change_update", {"id": change["id"]})
    refused(county, "edu-member", "catalog_change_update", {"id": change["id"]})
    county.call("edu-editor", "catalog_change_update", {"id": change["id"]})
    refused(county, "health-editor", "catalog_change_report", {"id": change["id"],
                                                                "catalog": "目录"})
    county.call("edu-editor", "catalog_change_report", {"id": change["id"], "catalog": "目录"})
    assert "sysadmins" in refused(county, "edu-admin", "catalog_change_acknowledge",
                                  {"id": change["id"]})
    refused(county, "edu-editor", "catalog_change_acknowledge", {"id": change["id"]})
    refused(county, "health-admin", "catalog_change_show", {"id": change["id"]})
    refused(county, "edu-admin", "catalog_change_show", {"id": theirs["id"]})
    refused(county, "anonymous", "catalog_change_show", {"id": change["id"]})
    refused(county, "anonymous", "catalog_change_list", {})
    refused(county, "nobody", "catalog_change_list", {})
    refused(county, "edu-editor", "catalog_change_list", {"organization": "health"})
    refused(county, "edu-member", "catalog_change_list", {"organization": "health",
                                                          "overdue": True})


@pytest.mark.parametrize("params, field", [
    ({"kind": "budget"}, "kind"),
    ({"kind": ""}, "kind"),
    ({"changed_on": "2026-10-01"}, "changed_on"),  # tomorrow, for the clock
    ({"changed_on": "30/09/2026"}, "changed_on"),
    ({"changed_on": "2026-02-30"}, "changed_on"),
    ({"changed_on": 20260930}, "changed_on"),
    ({"description": ""}, "description"),
    ({"basis": None}, "basis"),
    ({"datasets": ["no-such-entry"]}, "datasets"),
])
def test_bad_input_is_a_validation_error(county: County, params: dict[str, Any],
                                         field: str) -> None:
    before = fingerprint(county.portal)
    with pytest.raises(ValidationError) as caught:
        county.change(**params)
    assert list(caught.value.errors) == [field]
    assert fingerprint(county.portal) == before


def test_affected_entries_must_be_the_organization_s(county: County) -> None:
    from tests.conftest import package_params

    ours = county.call("edu-editor", "package_create", package_params("schools", "edu"))
    county.call("health-editor", "package_create", package_params("clinics", "health"))
    made = county.change(datasets=["schools"])
    assert made["datasets"] == [ours["id"]]
    with pytest.raises(ValidationError) as caught:
        county.change(datasets=["schools", "clinics"])
    assert "clinics" in caught.value.errors["datasets"][0]


@pytest.mark.parametrize("action", ["catalog_change_show", "catalog_change_update",
                                    "catalog_change_report", "catalog_change_acknowledge"])
def test_an_unknown_id_is_not_found(county: County, action: str) -> None:
    with pytest.raises(NotFound):
        county.call("bureau", action, {"id": "no-such-change", "catalog": "目录"})
    with pytest.raises(ValidationError):
        county.call("bureau", action, {})


def test_an_unknown_organization_is_not_found(county: County) -> None:
    with pytest.raises(NotFound):
        county.change(organization="no-such-department")
    with pytest.raises(NotFound):
        county.call("bureau", "catalog_change_list", {"organization": "no-such-department"})


def test_steps_go_in_order_and_dates_make_sense(county: County, clock: CountyClock) -> None:
    change = county.change()
    ident = {"id": change["id"]}
    with pytest.raises(ValidationError, match="updated first"):
        county.call("edu-editor", "catalog_change_report", {**ident, "catalog": "目录"})
    with pytest.raises(ValidationError):
        county.call("bureau", "catalog_change_acknowledge", ident)
    with pytest.raises(ValidationError) as early:
        county.call("edu-editor", "catalog_change_update", {**ident, "updated_on": "2026-09-29"})
    assert list(early.value.errors) == ["updated_on"]
    with pytest.raises(ValidationError) as future:
        county.call("edu-editor", "catalog_change_update", {**ident, "updated_on": "2026-10-08"})
    assert list(future.value.errors) == ["updated_on"]
    clock.set("2026-10-09")
    county.call("edu-editor", "catalog_change_update", {**ident, "updated_on": "2026-10-08"})
    with pytest.raises(ValidationError):
        county.call("edu-editor", "catalog_change_update", ident)  # not twice
    with pytest.raises(ValidationError) as no_catalog:
        county.call("edu-editor", "catalog_change_report", ident)
    assert list(no_catalog.value.errors) == ["catalog"]
    with pytest.raises(ValidationError) as before_update:
        county.call("edu-editor", "catalog_change_report",
                    {**ident, "catalog": "目录", "reported_on": "2026-10-07"})
    assert list(before_update.value.errors) == ["reported_on"]


def recipients(county: County, kind: str) -> set[str]:
    with county.portal.session() as session:
        rows = session.execute(select(User.name, Notification.subject).join(
            Notification, Notification.user_id == User.id).where(Notification.kind == kind))
        return {name for name, _ in rows}


def test_who_is_told(county: County, clock: CountyClock) -> None:
    change = county.change("edu-editor")
    assert recipients(county, "catalog_change_created") == {"edu-admin", "bureau", "bureau-2"}
    county.call("edu-editor", "catalog_change_update", {"id": change["id"]})
    county.call("edu-editor", "catalog_change_report", {"id": change["id"], "catalog": "目录"})
    assert recipients(county, "catalog_change_reported") == {"bureau", "bureau-2"}
    with county.portal.session() as session:
        subjects = set(session.scalars(select(Notification.subject)))
    assert subjects == {"目录变更：测试单位 edu（行政管理职能变更）", "目录变更报送：测试单位 edu"}


def test_the_caller_is_not_told_what_they_did(county: County) -> None:
    county.change("edu-admin")
    assert recipients(county, "catalog_change_created") == {"bureau", "bureau-2"}
