"""Catalog changes (Art. 19, 第十九条): when the laws a department works under or its
duties change, it updates its catalog within 10 working days of the change and
reports the updated catalog, with the basis, to the bureau within 3 working days.

Deadlines are counted in Chinese working days (portal.workdays, with the portal's
holidays file) and stored; whether one is overdue is worked out at read time from
the portal's clock (`ctx.today()`), which tests set.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import or_, select

from portal import audit
from portal.actions import lookup
from portal.actions.permissions import Target, authorize
from portal.actions.registry import action
from portal.core.context import Context
from portal.core.dictize import ckan_time
from portal.core.errors import NotFound, ValidationError
from portal.core.validation import (
    FromContext,
    Invalid,
    Validator,
    boolean,
    default,
    integer,
    iso_date,
    list_of_strings,
    one_of,
    optional,
    reference,
    required,
    string,
)
from portal.models import CatalogChange, Organization
from portal.models.base import new_id, utcnow
from portal.models.changes import CHANGE_KINDS, CHANGE_STATES
from portal.notify import bureau_staff, notify, organization_staff
from portal.workdays import WorkCalendar

UPDATE_WORKING_DAYS = 10
REPORT_WORKING_DAYS = 3
KIND_LABELS = {"legal_basis": "履职依据变更", "duty": "行政管理职能变更"}
MAX_LIMIT = 1000


def _not_after(today: date) -> Callable[[date], date]:
    """A validator refusing dates after `today` (the portal's clock)."""
    def check(value: date) -> date:
        if value > today:
            raise Invalid("Must not be in the future")
        return value

    return check


def _not_future(ctx: Context) -> Validator:
    return _not_after(ctx.today())


def _today(ctx: Context) -> Validator:
    return default(ctx.today())


# Dates by the portal's clock: `today` for a date not given, none after it.
NOT_FUTURE = FromContext(_not_future)
TODAY = FromContext(_today)

CREATE_SCHEMA = {
    "organization": [reference],
    "kind": [required, one_of(CHANGE_KINDS)],
    "description": [required, string(10_000)],
    "basis": [required, string(10_000)],
    "changed_on": [required, iso_date, NOT_FUTURE],
    "datasets": [default(list), list_of_strings(100)],
}
UPDATE_SCHEMA = {"id": [reference], "updated_on": [TODAY, iso_date, NOT_FUTURE]}
REPORT_SCHEMA = {
    "id": [reference],
    "catalog": [required, string(10_000)],
    "basis": [optional, string(10_000)],
    "reported_on": [TODAY, iso_date, NOT_FUTURE],
}
LIST_SCHEMA = {
    "organization": [optional, reference],
    "state": [optional, one_of(CHANGE_STATES)],
    "overdue": [default(False), boolean],
    "limit": [default(100), integer(1, MAX_LIMIT)],
    "offset": [default(0), integer(0)],
}


def _load(ctx: Context, params: dict[str, Any]) -> CatalogChange:
    ref = params["id"]
    change = None if "\x00" in ref else ctx.session.get(CatalogChange, ref)
    if change is None:
        raise NotFound(f"Catalog change not found: {ref}")
    return change


def _overdue(done: date | None, due: date, now: date) -> bool:
    return done is None and now > due


def change_dict(change: CatalogChange, org: Organization, calendar: WorkCalendar,
                now: date) -> dict[str, Any]:
    """Both deadlines, the working days left on each still open (negative when late),
    the overdue flags as of `now`, and whether a deadline met was met late."""
    update_overdue = _overdue(change.updated_on, change.update_due, now)
    report_overdue = _overdue(change.reported_on, change.report_due, now)
    return {
        "id": change.id, "organization_id": org.id, "organization": org.name,
        "organization_title": org.title, "kind": change.kind,
        "kind_label": KIND_LABELS[change.kind], "description": change.description,
        "basis": change.basis, "changed_on": change.changed_on.isoformat(),
        "recorded_by": change.recorded_by, "recorded_at": ckan_time(change.recorded_at),
        "datasets": list(change.datasets or []), "state": change.state,
        "update_due": change.update_due.isoformat(),
        "updated_on": change.updated_on.isoformat() if change.updated_on else None,
        "update_days_left": (None if change.updated_on
                             else calendar.between(now, change.update_due)),
        "update_overdue": update_overdue, "updated_late": change.updated_late,
        "report_due": change.report_due.isoformat(),
        "reported_on": change.reported_on.isoformat() if change.reported_on else None,
        "report_days_left": (None if change.reported_on
                             else calendar.between(now, change.report_due)),
        "report_overdue": report_overdue, "reported_late": change.reported_late,
        "overdue": update_overdue or report_overdue,
        "report_catalog": change.report_catalog, "report_basis": change.report_basis,
        "acknowledged_by": change.acknowledged_by,
        "acknowledged_at": ckan_time(change.acknowledged_at),
    }


def _dict(ctx: Context, change: CatalogChange) -> dict[str, Any]:
    org = ctx.session.get(Organization, change.organization_id)
    assert org is not None
    return change_dict(change, org, ctx.portal.calendar, ctx.today())


def _sysadmins(ctx: Context) -> list[str]:
    return bureau_staff(ctx.session)


def _org_admins(ctx: Context, organization_id: str) -> list[str]:
    return organization_staff(ctx.session, [organization_id])


def _tell(ctx: Context, user_ids: list[str], kind: str, subject: str, body: str,
          change: CatalogChange) -> None:
    # The caller knows what they just did: they are not told again.
    me = ctx.user.id if ctx.user else ""
    notify(ctx.session, [u for u in user_ids if u != me], kind, subject, body,
           link=f"/api/3/action/catalog_change_show?id={change.id}")


def _datasets(ctx: Context, refs: list[str], organization_id: str) -> list[str]:
    ids, bad = [], []
    for ref in refs:
        try:
            ds = lookup.dataset(ctx.session, ref)
        except NotFound:
            bad.append(ref)
            continue
        if ds.owner_org != organization_id or ds.state == "deleted":
            bad.append(ref)
        else:
            ids.append(ds.id)
    if bad:
        raise ValidationError({"datasets": [
            f"Not catalog entries of this organization: {', '.join(bad)}"]})
    return list(dict.fromkeys(ids))


def _record(ctx: Context, change: CatalogChange, **detail: Any) -> None:
    audit.append(ctx.session, actor=ctx.actor, action=ctx.action, object_type="catalog_change",
                 object_id=change.id, detail={"state": change.state, **detail})


@action(schema=CREATE_SCHEMA)
def catalog_change_create(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Record a change of legal basis or duty (Art. 19). Params: organization (id or
    name), kind (legal_basis or duty), description, basis, changed_on (YYYY-MM-DD, not
    in the future), datasets (ids or names of the organization's entries affected).
    Sets update_due (10 working days) and report_due (3 more); tells the organization's
    admins and the bureau's sysadmins. Editors and admins of the organization."""
    org = lookup.organization(ctx.session, params["organization"])
    authorize(ctx, Target(organization_id=org.id))
    calendar = ctx.portal.calendar
    update_due = calendar.add(params["changed_on"], UPDATE_WORKING_DAYS)
    change = CatalogChange(
        id=new_id(), organization_id=org.id, kind=params["kind"],
        description=params["description"], basis=params["basis"],
        changed_on=params["changed_on"], recorded_by=ctx.actor, recorded_at=utcnow(),
        datasets=_datasets(ctx, params["datasets"], org.id), state="open",
        update_due=update_due, updated_late=False,
        report_due=calendar.add(update_due, REPORT_WORKING_DAYS), reported_late=False,
        report_catalog="", report_basis="")
    ctx.session.add(change)
    ctx.session.flush()
    label = KIND_LABELS[change.kind]
    _tell(ctx, _org_admins(ctx, org.id) + _sysadmins(ctx), "catalog_change_created",
          f"目录变更：{org.title}（{label}）",
          f"{org.title}登记了{label}（{change.changed_on.isoformat()}）：{change.description}\n"
          f"依据：{change.basis}\n"
          f"应于{update_due.isoformat()}前更新本部门政务数据资源目录，"
          f"并在更新后三个工作日内报送县数据资源管理局。", change)
    _record(ctx, change, organization=org.name, kind=change.kind,
            changed_on=change.changed_on, update_due=update_due)
    return change_dict(change, org, calendar, ctx.today())


@action(schema=UPDATE_SCHEMA)
def catalog_change_update(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Mark the organization's catalog updated for a change. Params: id, updated_on
    (default today; not before changed_on, not in the future). Sets report_due to 3
    working days after it, and updated_late when update_due was missed. Editors and
    admins of the organization."""
    change = _load(ctx, params)
    authorize(ctx, Target(organization_id=change.organization_id))
    if change.state != "open":
        raise ValidationError({"state": [f"The catalog was already updated ({change.state})"]})
    if params["updated_on"] < change.changed_on:
        raise ValidationError({"updated_on": ["Must not be before changed_on"]})
    change.updated_on = params["updated_on"]
    change.updated_late = change.updated_on > change.update_due
    change.report_due = ctx.portal.calendar.add(change.updated_on, REPORT_WORKING_DAYS)
    change.state = "updated"
    _record(ctx, change, updated_on=change.updated_on, late=change.updated_late,
            report_due=change.report_due)
    return _dict(ctx, change)


@action(schema=REPORT_SCHEMA)
def catalog_change_report(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Record that the updated catalog and the basis of the change reached the bureau.
    Params: id, catalog (the updated catalog, or where it is), basis (default: the
    change's), reported_on (default today; not before updated_on, not in the future).
    Sets reported_late when report_due was missed; tells the bureau's sysadmins.
    Editors and admins of the organization, once the catalog is updated."""
    change = _load(ctx, params)
    authorize(ctx, Target(organization_id=change.organization_id))
    if change.state != "updated":
        message = ("Mark the catalog updated first" if change.state == "open"
                   else f"Already reported ({change.state})")
        raise ValidationError({"state": [message]})
    assert change.updated_on is not None
    if params["reported_on"] < change.updated_on:
        raise ValidationError({"reported_on": ["Must not be before updated_on"]})
    change.reported_on = params["reported_on"]
    change.reported_late = change.reported_on > change.report_due
    change.report_catalog = params["catalog"]
    change.report_basis = params.get("basis", change.basis)
    change.state = "reported"
    org = ctx.session.get(Organization, change.organization_id)
    assert org is not None
    late = "（逾期报送）" if change.reported_late else ""
    _tell(ctx, _sysadmins(ctx), "catalog_change_reported",
          f"目录变更报送：{org.title}{late}",
          f"{org.title}已更新政务数据资源目录（{KIND_LABELS[change.kind]}，"
          f"{change.changed_on.isoformat()}），并报送更新后的目录及变更依据，请确认。\n"
          f"目录：{change.report_catalog}\n依据：{change.report_basis}", change)
    _record(ctx, change, reported_on=change.reported_on, late=change.reported_late)
    return _dict(ctx, change)


@action(schema={"id": [reference]})
def catalog_change_acknowledge(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """The bureau acknowledges a reported change. Params: id. Sysadmins."""
    change = _load(ctx, params)
    if change.state != "reported":
        raise ValidationError({"state": [f"Only a reported change can be acknowledged, "
                                         f"not one {change.state}"]})
    change.acknowledged_by = ctx.actor
    change.acknowledged_at = utcnow()
    change.state = "acknowledged"
    _record(ctx, change)
    return _dict(ctx, change)


@action(read_only=True, schema={"id": [reference]})
def catalog_change_show(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """One catalog change. Params: id. Members of the organization and sysadmins."""
    change = _load(ctx, params)
    authorize(ctx, Target(organization_id=change.organization_id))
    return _dict(ctx, change)


@action(read_only=True, schema=LIST_SCHEMA)
def catalog_change_list(ctx: Context, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Catalog changes, the earliest update deadline first. Params: organization (id or
    name), state (open, updated, reported, acknowledged), overdue (true: a deadline
    missed and not yet met), limit (default 100, at most 1000), offset. Department
    staff see their organizations' changes, sysadmins all."""
    org = None
    if "organization" in params:
        org = lookup.organization(ctx.session, params["organization"])
    authorize(ctx, Target(organization_id=org.id if org else None))
    assert ctx.user is not None  # the rule refuses anonymous callers
    now = ctx.today()
    query = select(CatalogChange, Organization).join(
        Organization, Organization.id == CatalogChange.organization_id)
    if org is not None:
        query = query.where(CatalogChange.organization_id == org.id)
    elif not ctx.user.sysadmin:
        query = query.where(CatalogChange.organization_id.in_(list(ctx.user.roles)))
    if "state" in params:
        query = query.where(CatalogChange.state == params["state"])
    if params["overdue"]:
        query = query.where(or_(
            (CatalogChange.updated_on.is_(None)) & (CatalogChange.update_due < now),
            (CatalogChange.reported_on.is_(None)) & (CatalogChange.report_due < now)))
    query = (query.order_by(CatalogChange.update_due, CatalogChange.recorded_at,
                            CatalogChange.id).limit(params["limit"]).offset(params["offset"]))
    calendar = ctx.portal.calendar
    return [change_dict(change, o, calendar, now) for change, o in ctx.session.execute(query)]


