"""Share requests (共享申请, Art. 25-27): a government unit asks to use other
departments' published data, stating the application scenario, the data items (scope)
and the period, with the materials the entries require (Art. 26).

Unconditionally shared entries are granted at once. Any conditionally shared entry
makes the request wait for the bureau, which answers within 7 working days
(DUE_WORKING_DAYS, counted from the request date in China). Towns, development zones
and public utilities need the county government's confirmation after the bureau's
approval. Approval creates a grant for the requesting organization. No-share data
cannot be requested. Overdue is worked out at read time from the portal's clock (`ctx.today()`), which tests set.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, false, or_, select

from portal import audit
from portal.actions import lookup
from portal.actions.grants import (
    MAX_LIMIT,
    check_period_end,
    issue_grant,
    tell,
)
from portal.actions.permissions import Target, authorize
from portal.actions.registry import action
from portal.core.context import Context
from portal.core.dictize import ckan_time
from portal.core.errors import NotFound, ValidationError
from portal.core.validation import (
    Invalid,
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
from portal.models import Dataset, Organization
from portal.models.base import new_id, utcnow
from portal.models.sharing import (
    SHARE_REQUEST_STATES,
    WAITING_STATES,
    ShareRequest,
    share_request_dataset,
)
from portal.notify import bureau_staff, organization_staff

DUE_WORKING_DAYS = 7
MAX_DATASETS = 50
# Units the bureau's approval is final for; the others (towns, development zones, public
# utilities) also need the county government's confirmation. The county government
# does not confirm its own requests.
DIRECT_TYPES = ("department", "bureau", "government")


def _dataset_refs(value: Any) -> list[str]:
    refs = list(dict.fromkeys(list_of_strings(100)(value)))
    if not refs:
        raise Invalid("Missing value")
    if len(refs) > MAX_DATASETS:
        raise Invalid(f"At most {MAX_DATASETS} datasets per request")
    return refs


SCHEMA = {
    "datasets": [required, _dataset_refs],
    "scenario": [required, string(5000)],
    "purpose": [default(""), string(5000)],
    "fields": [default(list), list_of_strings(200)],
    "period_end": [required, iso_date],
    "materials": [default(list), list_of_strings(500)],
}
CREATE_SCHEMA = {"organization_id": [reference], **SCHEMA}
APPROVE_SCHEMA = {
    "id": [reference],
    "reason": [default(""), string(5000)],
    "period_end": [optional, iso_date],
}
CONFIRM_SCHEMA = {"id": [reference], "reason": [default(""), string(5000)]}
REJECT_SCHEMA = {"id": [reference], "reason": [required, string(5000)]}
LIST_SCHEMA = {
    "status": [optional, one_of(SHARE_REQUEST_STATES)],
    "organization": [optional, string(100)],
    "dataset": [optional, string(100)],
    "overdue": [default(False), boolean],
    "limit": [default(100), integer(1, MAX_LIMIT)],
    "offset": [default(0), integer(0)],
}


def _requested(ctx: Context, org: Organization, clean: dict[str, Any]) -> list[Dataset]:
    """The entries asked for, each published, shareable and another unit's; every
    problem is named in one refusal."""
    found: list[Dataset] = []
    problems: list[str] = []
    for ref in clean["datasets"]:
        try:
            ds = lookup.dataset(ctx.session, ref)
        except NotFound:
            problems.append(f"{ref}: no such catalog entry")
            continue
        if ds.state != "published":
            problems.append(f"{ds.name}: not published in the catalog")
        elif ds.share_type == "none":
            problems.append(f"{ds.name}: no-share data cannot be requested unless the "
                            "entry is reclassified (Art. 25)")
        elif ds.owner_org == org.id:
            problems.append(f"{ds.name}: the entry is {org.name}'s own")
        elif ds.id not in {d.id for d in found}:
            found.append(ds)
    if problems:
        raise ValidationError({"datasets": problems})
    return sorted(found, key=lambda d: d.name)  # as the request lists them when read


def _check_scope(datasets: list[Dataset], clean: dict[str, Any]) -> None:
    items = {i.get("name") for d in datasets for i in (d.data_items or [])}
    unknown = [f for f in clean["fields"] if f not in items]
    if unknown:
        raise ValidationError({"fields": [
            f"Not data items of the requested entries: {', '.join(unknown)}"]})
    given = set(clean["materials"])
    missing = [f"{d.name}: {', '.join(m for m in d.required_materials if m not in given)}"
               for d in datasets if any(m not in given for m in d.required_materials or [])]
    if missing:
        raise ValidationError({"materials": [f"Required materials missing (Art. 26): {m}"
                                             for m in missing]})


def _load(ctx: Context, params: dict[str, Any]) -> ShareRequest:
    ref = params["id"]
    req = None if "\x00" in ref else ctx.session.get(ShareRequest, ref)
    if req is None:
        raise NotFound(f"Share request not found: {ref}")
    return req


def _government(ctx: Context) -> list[str]:
    return list(ctx.session.scalars(select(Organization.id).where(
        Organization.type == "government", Organization.state == "active")))


def _viewers(ctx: Context, req: ShareRequest) -> Target:
    owners = [d.owner_org for d in req.datasets]
    confirming = _government(ctx) if req.needs_confirmation else []
    return Target(organization_ids=tuple(dict.fromkeys([req.organization_id, *owners,
                                                        *confirming])))


def _confirmers(ctx: Context, req: ShareRequest) -> Target:
    """The county government decides once the bureau has approved; before, no one but
    the bureau (an empty target)."""
    confirming = req.status == "awaiting_confirmation"
    return Target(organization_ids=tuple(_government(ctx)) if confirming else ())


def _dict(ctx: Context, req: ShareRequest) -> dict[str, Any]:
    now = ctx.today()
    waiting = req.status in WAITING_STATES and req.due is not None
    org = req.organization
    return {
        "id": req.id, "organization_id": org.id, "organization": org.name,
        "organization_title": org.title, "organization_type": org.type,
        "requested_by": req.requested_by, "created": ckan_time(req.created),
        "requested_on": req.requested_on.isoformat(),
        "datasets": [{"id": d.id, "name": d.name, "title": d.title, "owner_org": d.owner_org,
                      "share_type": d.share_type} for d in req.datasets],
        "scenario": req.scenario, "purpose": req.purpose, "fields": list(req.fields or []),
        "materials": list(req.materials or []), "period_end": req.period_end.isoformat(),
        "status": req.status, "needs_confirmation": req.needs_confirmation,
        "due": req.due.isoformat() if req.due else None,
        "days_left": ctx.portal.calendar.between(now, req.due) if waiting and req.due else None,
        "overdue": bool(waiting and req.due and now > req.due),
        "decided_late": req.decided_late,
        "approved_by": req.approved_by, "approved_at": ckan_time(req.approved_at),
        "granted_until": req.granted_until.isoformat() if req.granted_until else None,
        "confirmed_by": req.confirmed_by, "confirmed_at": ckan_time(req.confirmed_at),
        "decided_by": req.decided_by, "decided_at": ckan_time(req.decided_at),
        "reason": req.reason, "grant_id": req.grant_id,
    }


def _record(ctx: Context, req: ShareRequest, **detail: Any) -> None:
    audit.append(ctx.session, actor=ctx.actor, action=ctx.action, object_type="share_request",
                 object_id=req.id, detail={"status": req.status, **detail})


def _link(req: ShareRequest) -> str:
    return f"/api/3/action/share_request_show?id={req.id}"


def _titles(req: ShareRequest) -> str:
    return "、".join(d.title for d in req.datasets)


def _tell_requester(ctx: Context, req: ShareRequest, kind: str, subject: str,
                    body: str) -> None:
    tell(ctx, [req.requester_id, *organization_staff(ctx.session, [req.organization_id])], kind,
         subject, body, _link(req))


def _decide(ctx: Context, req: ShareRequest, status: str, reason: str) -> None:
    """The final decision: late when made after the due date (kept once decided)."""
    now = ctx.today()
    req.status = status
    req.decided_by = ctx.actor
    req.decided_at = utcnow()
    req.decided_late = req.due is not None and now > req.due
    req.reason = reason


def _grant(ctx: Context, req: ShareRequest) -> None:
    grant = issue_grant(ctx, kind="share", datasets=list(req.datasets),
                        fields=list(req.fields or []), ends=req.granted_until or req.period_end,
                        scenario=req.scenario, source_type="share_request", source_id=req.id,
                        organization_id=req.organization_id)
    req.grant_id = grant.id


def _waiting(req: ShareRequest, *states: str) -> None:
    if req.status not in states:
        raise ValidationError({"status": [f"A share request {req.status} cannot be decided "
                                          "here"]})


@action(schema=CREATE_SCHEMA)
def share_request_create(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Ask to use other departments' published data (Art. 27). Params: organization_id
    (the requesting unit, id or name), datasets (1-50 ids or names of published entries
    whose share_type is not none), scenario (应用场景, required), purpose, fields (data
    item names: the scope; empty: all), period_end (YYYY-MM-DD, after today, at most three
    years on), materials (names: must include every required_materials of the entries).
    Unconditional entries only: approved at once with a grant. Otherwise pending, due 7
    working days after today; tells the bureau. Editors and admins of the unit."""
    org = lookup.organization(ctx.session, params["organization_id"])
    authorize(ctx, Target(organization_id=org.id))
    now = ctx.today()
    check_period_end(params["period_end"], now)
    datasets = _requested(ctx, org, params)
    _check_scope(datasets, params)
    conditional = any(d.share_type == "conditional" for d in datasets)
    assert ctx.user is not None
    req = ShareRequest(
        id=new_id(), organization_id=org.id, requested_by=ctx.actor,
        requester_id=ctx.user.id, created=utcnow(), requested_on=now,
        scenario=params["scenario"], purpose=params["purpose"], fields=params["fields"],
        materials=params["materials"], period_end=params["period_end"],
        status="pending" if conditional else "approved",
        needs_confirmation=conditional and org.type not in DIRECT_TYPES,
        due=ctx.portal.calendar.add(now, DUE_WORKING_DAYS) if conditional else None,
        decided_late=False, reason="")
    req.datasets = datasets
    req.organization = org
    ctx.session.add(req)
    ctx.session.flush()
    if conditional:
        tell(ctx, bureau_staff(ctx.session), "share_request_created",
             f"共享申请待审核：{org.title}",
             f"{org.title}申请共享「{_titles(req)}」，请于{req.due}前答复（7个工作日）。\n"
             f"应用场景：{req.scenario}", _link(req))
    else:
        req.approved_by = req.decided_by = ctx.actor
        req.approved_at = req.decided_at = utcnow()
        req.reason = "无条件共享，自动批准"
        _grant(ctx, req)
        tell(ctx, bureau_staff(ctx.session), "share_request_created", f"无条件共享已授权：{org.title}",
             f"{org.title}申请共享「{_titles(req)}」（无条件共享），已自动授权。\n"
             f"应用场景：{req.scenario}", _link(req))
    ctx.session.flush()
    _record(ctx, req, organization=org.name, datasets=[d.id for d in datasets],
            due=req.due, grant_id=req.grant_id)
    return _dict(ctx, req)


@action(schema=APPROVE_SCHEMA)
def share_request_approve(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Approve a pending request. Params: id, reason (optional), period_end (optional:
    an earlier end than asked for). Creates the grant, or for towns, development zones
    and public utilities moves the request to awaiting_confirmation and tells the county
    government. Tells the requesting unit. Sysadmins."""
    req = _load(ctx, params)
    _waiting(req, "pending")
    if "period_end" in params:
        check_period_end(params["period_end"], ctx.today(), latest=req.period_end)
        req.granted_until = params["period_end"]
    req.approved_by = ctx.actor
    req.approved_at = utcnow()
    if req.needs_confirmation:
        req.status = "awaiting_confirmation"
        req.reason = params["reason"]
        tell(ctx, organization_staff(ctx.session, _government(ctx), ("admin", "editor")),
             "share_request_awaiting_confirmation", f"共享申请待确认：{req.organization.title}",
             f"县数据资源管理局已同意{req.organization.title}共享「{_titles(req)}」的申请，"
             f"请县人民政府确认（{req.due}前）。\n应用场景：{req.scenario}", _link(req))
        _tell_requester(ctx, req, "share_request_approved", f"共享申请已通过审核：{_titles(req)}",
                        f"您单位共享「{_titles(req)}」的申请已通过县数据资源管理局审核，待县人民政府确认。")
    else:
        _decide(ctx, req, "approved", params["reason"])
        _grant(ctx, req)
        _tell_requester(ctx, req, "share_request_approved", f"共享申请已批准：{_titles(req)}",
                        f"您单位共享「{_titles(req)}」的申请已批准，使用期限至"
                        f"{(req.granted_until or req.period_end).isoformat()}。")
    ctx.session.flush()
    _record(ctx, req, granted_until=req.granted_until, grant_id=req.grant_id,
            late=req.decided_late)
    return _dict(ctx, req)


@action(schema=CONFIRM_SCHEMA)
def share_request_confirm(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """The county government confirms a request the bureau approved (towns, development
    zones, public utilities); creates the grant and tells the requesting unit. Params:
    id, reason (optional). Editors and admins of an organization of type government,
    and sysadmins."""
    req = _load(ctx, params)
    authorize(ctx, _confirmers(ctx, req))
    _waiting(req, "awaiting_confirmation")
    req.confirmed_by = ctx.actor
    req.confirmed_at = utcnow()
    _decide(ctx, req, "approved", params["reason"] or req.reason)
    _grant(ctx, req)
    _tell_requester(ctx, req, "share_request_approved", f"共享申请已批准：{_titles(req)}",
                    f"您单位共享「{_titles(req)}」的申请已经县人民政府确认，使用期限至"
                    f"{(req.granted_until or req.period_end).isoformat()}。")
    ctx.session.flush()
    _record(ctx, req, grant_id=req.grant_id, late=req.decided_late)
    return _dict(ctx, req)


@action(schema=REJECT_SCHEMA)
def share_request_reject(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Refuse a request, with the reason. Params: id, reason (at most 5000 characters).
    Tells the requesting unit. Sysadmins; once the bureau has approved (awaiting
    confirmation) also editors and admins of the county government."""
    req = _load(ctx, params)
    authorize(ctx, _confirmers(ctx, req))
    _waiting(req, *WAITING_STATES)
    _decide(ctx, req, "rejected", params["reason"])
    _tell_requester(ctx, req, "share_request_rejected", f"共享申请未获批准：{_titles(req)}",
                    f"您单位共享「{_titles(req)}」的申请未获批准。\n理由：{req.reason}")
    _record(ctx, req, late=req.decided_late)
    return _dict(ctx, req)


@action(read_only=True, schema={"id": [reference]})
def share_request_show(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """One share request. Params: id. Staff of the requesting unit, of the departments
    whose entries are requested, of the county government (requests it confirms), and
    sysadmins. Returns the share request dict (see docs/api.md)."""
    req = _load(ctx, params)
    authorize(ctx, _viewers(ctx, req))
    return _dict(ctx, req)


@action(read_only=True, schema=LIST_SCHEMA)
def share_request_list(ctx: Context, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Share requests the caller may see (their units' requests, requests for their
    units' data, for the county government those it confirms; sysadmins all), newest
    first. Params: status, organization (id or name: the requesting unit), dataset (id
    or name), overdue (true: waiting past due), limit (default 100, at most 1000),
    offset. Staff of any organization, and sysadmins."""
    authorize(ctx)  # org_staff: staff of some organization, or the bureau
    user = ctx.user
    assert user is not None  # the rule refuses anonymous callers
    query = select(ShareRequest)
    if not user.sysadmin:
        orgs = list(user.roles)
        confirming = [o for o in _government(ctx) if o in user.roles]
        query = query.where(or_(
            ShareRequest.organization_id.in_(orgs),
            exists().where(share_request_dataset.c.request_id == ShareRequest.id,
                           share_request_dataset.c.dataset_id == Dataset.id,
                           Dataset.owner_org.in_(orgs)),
            ShareRequest.needs_confirmation.is_(True) if confirming else false()))
    if "organization" in params:
        org = lookup.organization(ctx.session, params["organization"])
        query = query.where(ShareRequest.organization_id == org.id)
    if "dataset" in params:
        ds = lookup.dataset(ctx.session, params["dataset"])
        query = query.where(exists().where(share_request_dataset.c.request_id == ShareRequest.id,
                                           share_request_dataset.c.dataset_id == ds.id))
    if "status" in params:
        query = query.where(ShareRequest.status == params["status"])
    if params["overdue"]:
        query = query.where(ShareRequest.status.in_(WAITING_STATES),
                            ShareRequest.due < ctx.today())
    query = (query.order_by(ShareRequest.created.desc(), ShareRequest.id)
             .limit(params["limit"]).offset(params["offset"]))
    return [_dict(ctx, req) for req in ctx.session.scalars(query)]
