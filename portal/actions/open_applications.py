"""Open applications (开放申请, Art. 27): a citizen or a company applies to use a
conditionally open entry, stating the application scenario and the security measures
they will take; the bureau decides within 7 working days, and approval creates an open
grant for the applicant.

Department and bureau staff do not apply here: sharing between government units is a
share request (Art. 45 keeps the two apart). Who applied is personal data (Art. 35):
an application is shown to the applicant and to the bureau only. Overdue is worked out
at read time from the portal's clock (`ctx.today()`), which tests set.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from portal import audit
from portal.actions import lookup
from portal.actions.grants import MAX_LIMIT, check_period_end, issue_grant, tell
from portal.actions.permissions import Target, authorize
from portal.actions.registry import action
from portal.core.context import Context
from portal.core.dictize import ckan_time
from portal.core.errors import NotAuthorized, NotFound, ValidationError
from portal.core.validation import (
    boolean,
    default,
    integer,
    iso_date,
    one_of,
    optional,
    reference,
    required,
    string,
)
from portal.models import Dataset, Membership, User
from portal.models.base import new_id, utcnow
from portal.models.sharing import APPLICANT_TYPES, OPEN_APPLICATION_STATES, OpenApplication
from portal.notify import bureau_staff

DUE_WORKING_DAYS = 7

SCHEMA = {
    "dataset": [required, string(100)],
    "scenario": [required, string(5000)],
    "security_measures": [required, string(5000)],
    "purpose": [default(""), string(5000)],
    "period_end": [required, iso_date],
    "applicant_type": [default("citizen"), one_of(APPLICANT_TYPES)],
    "company_name": [default(""), string(200)],
}
# The bureau files a paper application for a registered user (`applicant`).
CREATE_SCHEMA = {**SCHEMA, "applicant": [optional, reference]}
APPROVE_SCHEMA = {
    "id": [reference],
    "reason": [default(""), string(5000)],
    "period_end": [optional, iso_date],
}
REJECT_SCHEMA = {"id": [reference], "reason": [required, string(5000)]}
LIST_SCHEMA = {
    "status": [optional, one_of(OPEN_APPLICATION_STATES)],
    "dataset": [optional, string(100)],
    "overdue": [default(False), boolean],
    "mine": [default(False), boolean],
    "limit": [default(100), integer(1, MAX_LIMIT)],
    "offset": [default(0), integer(0)],
}


def _load(ctx: Context, params: dict[str, Any]) -> OpenApplication:
    ref = params["id"]
    app = None if "\x00" in ref else ctx.session.get(OpenApplication, ref)
    if app is None:
        raise NotFound(f"Open application not found: {ref}")
    return app


def _applicant(ctx: Context, params: dict[str, Any]) -> User:
    """The caller, or for the bureau filing a paper application the user named; never
    staff of an organization."""
    assert ctx.user is not None  # the rule refuses anonymous callers
    ref = params.get("applicant")
    user = lookup.user(ctx.session, ref) if ref else ctx.session.get(User, ctx.user.id)
    authorize(ctx, Target(user_id=user.id if user else ctx.user.id))
    if user is None:
        raise ValidationError({"applicant": ["Name the registered user who applies"]})
    staff = user.sysadmin or ctx.session.scalar(
        select(Membership.id).where(Membership.user_id == user.id).limit(1)) is not None
    if staff:
        raise NotAuthorized(f"{ctx.actor} may not {ctx.action}: {user.name} is staff of an "
                            "organization; government units use share requests "
                            "(share_request_create), not open applications")
    return user


def _openable(ctx: Context, ref: str) -> Dataset:
    """A published public entry whose open type is conditional; why not, if not."""
    try:
        ds = lookup.dataset(ctx.session, ref)
    except NotFound:
        ds = None
    if ds is None or ds.state != "published" or ds.private:
        raise ValidationError({"dataset": [f"Not a published public catalog entry: {ref}"]})
    if ds.open_type == "unconditional":
        raise ValidationError({"dataset": [
            f"{ds.name} is open without conditions: download it, no application is needed"]})
    if ds.open_type != "conditional":
        raise ValidationError({"dataset": [
            f"{ds.name} is not open to the public (open_type {ds.open_type})"]})
    return ds


def _dict(ctx: Context, app: OpenApplication) -> dict[str, Any]:
    now = ctx.today()
    waiting = app.status == "pending"
    ds = app.dataset
    applicant = ctx.session.get(User, app.applicant_id)
    return {
        "id": app.id, "dataset_id": ds.id, "dataset": ds.name, "dataset_title": ds.title,
        "organization_id": ds.owner_org,
        "applicant": applicant.name if applicant else None,
        "applicant_type": app.applicant_type, "company_name": app.company_name,
        "mine": ctx.user is not None and ctx.user.id == app.applicant_id,
        "filed_by": app.filed_by, "scenario": app.scenario,
        "security_measures": app.security_measures, "purpose": app.purpose,
        "period_end": app.period_end.isoformat(), "status": app.status,
        "created": ckan_time(app.created), "requested_on": app.requested_on.isoformat(),
        "due": app.due.isoformat(),
        "days_left": ctx.portal.calendar.between(now, app.due) if waiting else None,
        "overdue": waiting and now > app.due, "decided_late": app.decided_late,
        "decided_by": app.decided_by, "decided_at": ckan_time(app.decided_at),
        "reason": app.reason,
        "granted_until": app.granted_until.isoformat() if app.granted_until else None,
        "grant_id": app.grant_id,
    }


def _record(ctx: Context, app: OpenApplication, **detail: Any) -> None:
    audit.append(ctx.session, actor=ctx.actor, action=ctx.action,
                 object_type="open_application", object_id=app.id,
                 detail={"status": app.status, **detail})


def _link(app: OpenApplication) -> str:
    return f"/api/3/action/open_application_show?id={app.id}"


def _decide(ctx: Context, app: OpenApplication, status: str, reason: str) -> None:
    if app.status != "pending":
        raise ValidationError({"status": [f"An application {app.status} cannot be decided"]})
    app.status = status
    app.decided_by = ctx.actor
    app.decided_at = utcnow()
    app.decided_late = ctx.today() > app.due
    app.reason = reason


@action(schema=CREATE_SCHEMA)
def open_application_create(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Apply to use a conditionally open entry (Art. 27). Params: dataset (id or name of
    a published entry whose open_type is conditional), scenario (应用场景, required),
    security_measures (required), purpose, period_end (YYYY-MM-DD, after today, at most
    three years on), applicant_type (citizen, company), company_name (required for a
    company), applicant (sysadmins only: the registered user a paper application is
    filed for). Pending, due 7 working days after today; tells the bureau. Signed-in
    users who are staff of no organization."""
    applicant = _applicant(ctx, params)
    if params["applicant_type"] == "company" and not params["company_name"]:
        raise ValidationError({"company_name": ["Required when the applicant is a company"]})
    now = ctx.today()
    check_period_end(params["period_end"], now)
    ds = _openable(ctx, params["dataset"])
    app = OpenApplication(
        id=new_id(), applicant_id=applicant.id, filed_by=ctx.actor,
        applicant_type=params["applicant_type"],
        company_name=params["company_name"] if params["applicant_type"] == "company" else "",
        dataset_id=ds.id, scenario=params["scenario"],
        security_measures=params["security_measures"], purpose=params["purpose"],
        period_end=params["period_end"], created=utcnow(), requested_on=now,
        due=ctx.portal.calendar.add(now, DUE_WORKING_DAYS), status="pending",
        decided_late=False, reason="")
    app.dataset = ds
    ctx.session.add(app)
    ctx.session.flush()
    tell(ctx, bureau_staff(ctx.session), "open_application_created", f"开放申请待审核：{ds.title}",
         f"收到对「{ds.title}」的有条件开放申请，请于{app.due}前答复（7个工作日）。\n"
         f"应用场景：{app.scenario}", _link(app))
    _record(ctx, app, dataset_id=ds.id, due=app.due)
    return _dict(ctx, app)


@action(schema=APPROVE_SCHEMA)
def open_application_approve(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Approve a pending application: an open grant for the applicant on the entry.
    Params: id, reason (optional), period_end (optional: an earlier end than asked for).
    Tells the applicant. Sysadmins."""
    app = _load(ctx, params)
    if "period_end" in params and app.status == "pending":
        check_period_end(params["period_end"], ctx.today(), latest=app.period_end)
        app.granted_until = params["period_end"]
    _decide(ctx, app, "approved", params["reason"])
    ends = app.granted_until or app.period_end
    grant = issue_grant(ctx, kind="open", datasets=[app.dataset], fields=[], ends=ends,
                        scenario=app.scenario, source_type="open_application",
                        source_id=app.id, user_id=app.applicant_id)
    app.grant_id = grant.id
    ctx.session.flush()
    tell(ctx, [app.applicant_id], "open_application_approved",
         f"开放申请已批准：{app.dataset.title}",
         f"您对「{app.dataset.title}」的开放申请已批准，使用期限至{ends.isoformat()}。"
         "请按申请的应用场景和安全措施使用数据。", _link(app))
    _record(ctx, app, grant_id=grant.id, late=app.decided_late)
    return _dict(ctx, app)


@action(schema=REJECT_SCHEMA)
def open_application_reject(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Refuse a pending application, with the reason. Params: id, reason (at most 5000
    characters). Tells the applicant. Sysadmins."""
    app = _load(ctx, params)
    _decide(ctx, app, "rejected", params["reason"])
    tell(ctx, [app.applicant_id], "open_application_rejected",
         f"开放申请未获批准：{app.dataset.title}",
         f"您对「{app.dataset.title}」的开放申请未获批准。\n理由：{app.reason}", _link(app))
    _record(ctx, app, late=app.decided_late)
    return _dict(ctx, app)


@action(read_only=True, schema={"id": [reference]})
def open_application_show(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """One application. Params: id. The applicant and sysadmins."""
    app = _load(ctx, params)
    authorize(ctx, Target(user_id=app.applicant_id))
    _record_reads(ctx, [app])
    return _dict(ctx, app)


@action(read_only=True, schema=LIST_SCHEMA)
def open_application_list(ctx: Context, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Applications, newest first: the caller's own; sysadmins all (mine=true: only
    their own). Params: status (pending, approved, rejected), dataset (id or name),
    overdue (true: pending past due), mine, limit (default 100, at most 1000), offset.
    Signed-in users."""
    user = ctx.user
    assert user is not None  # the rule refuses anonymous callers
    query = select(OpenApplication)
    if params["mine"] or not user.sysadmin:
        query = query.where(OpenApplication.applicant_id == user.id)
    if "dataset" in params:
        ds = lookup.dataset(ctx.session, params["dataset"])
        query = query.where(OpenApplication.dataset_id == ds.id)
    if "status" in params:
        query = query.where(OpenApplication.status == params["status"])
    if params["overdue"]:
        query = query.where(OpenApplication.status == "pending",
                            OpenApplication.due < ctx.today())
    query = (query.order_by(OpenApplication.created.desc(), OpenApplication.id)
             .limit(params["limit"]).offset(params["offset"]))
    found = list(ctx.session.scalars(query))
    _record_reads(ctx, found)
    return [_dict(ctx, app) for app in found]


# Who applied and what for is personal data (Art. 35): reads by others are audited.
APPLICANT_FIELDS = ["applicant", "applicant_type", "company_name", "scenario",
                    "security_measures", "purpose"]


def _record_reads(ctx: Context, apps: list[OpenApplication]) -> None:
    others = [a for a in apps if ctx.user is None or a.applicant_id != ctx.user.id]
    if not others:
        return
    names = {uid: name for uid, name in ctx.session.execute(select(User.id, User.name).where(
        User.id.in_({a.applicant_id for a in others})))}
    audit.record_read(ctx, object_type="open_application",
                      object_id=others[0].id if len(others) == 1 else "",
                      subjects=sorted({names.get(a.applicant_id, a.applicant_id) for a in others}),
                      fields=APPLICANT_FIELDS, detail={"ids": [a.id for a in others]})
