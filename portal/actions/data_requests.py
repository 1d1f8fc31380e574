"""Data requests (数据需求): anyone signed in may ask for data that is not published
yet; the bureau routes the request to a department (or declines it), and the
department answers publicly, perhaps with the catalog entry that now holds the data.

The request and the answer are public unless the requester asks otherwise; the
requester's identity never is: no dict here carries their name, id or contact, only
`mine` for the caller's own. A routed request is due 7 Chinese working days after
routing (see DUE_WORKING_DAYS); whether it is overdue is worked out at read time from
the portal's clock (`ctx.today()`), which tests set.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import false, or_, select

from portal import audit
from portal.actions import lookup
from portal.actions.permissions import Target, authorize
from portal.actions.registry import action
from portal.core.context import Context
from portal.core.dictize import ckan_time
from portal.core.errors import NotFound, ValidationError
from portal.core.validation import (
    boolean,
    default,
    integer,
    one_of,
    optional,
    reference,
    required,
    string,
)
from portal.models import DataRequest, Dataset, Membership, Organization
from portal.models.base import new_id, utcnow
from portal.models.requests import CLOSED_STATES, REQUEST_STATES
from portal.notify import notify
from portal.workdays import WorkCalendar

# The regulation sets no deadline for answering the public's data requests. Art. 27
# gives a department 7 working days to answer a share request from another department;
# the same 7 are used here, so the bureau tracks one kind of deadline.
DUE_WORKING_DAYS = 7
MAX_LIMIT = 1000
ANSWERERS = ("admin", "editor")

CREATE_SCHEMA = {
    "title": [required, string(200)],
    "description": [required, string(5000)],
    "purpose": [default(""), string(2000)],
    "public": [default(True), boolean],
}
ROUTE_SCHEMA = {"id": [reference], "organization": [reference]}
ANSWER_SCHEMA = {
    "id": [reference],
    "answer": [required, string(5000)],
    "dataset_id": [optional, string(100)],
}
DECLINE_SCHEMA = {"id": [reference], "reason": [required, string(5000)]}
LIST_SCHEMA = {
    "state": [optional, one_of(REQUEST_STATES)],
    "organization": [optional, string(100)],
    "overdue": [default(False), boolean],
    "limit": [default(100), integer(1, MAX_LIMIT)],
    "offset": [default(0), integer(0)],
}


def _load(ctx: Context, params: dict[str, Any]) -> DataRequest:
    ref = params["id"]
    req = None if "\x00" in ref else ctx.session.get(DataRequest, ref)
    if req is None:
        raise NotFound(f"Data request not found: {ref}")
    return req


def request_dict(req: DataRequest, org: Organization | None, dataset: Dataset | None,
                 calendar: WorkCalendar, now: date, caller_id: str | None) -> dict[str, Any]:
    """The public view of a request; `days_left` (negative when late) and `overdue`
    as of `now` while it is routed and unanswered."""
    waiting = req.state == "routed" and req.due is not None
    return {
        "id": req.id, "title": req.title, "description": req.description,
        "purpose": req.purpose, "created": ckan_time(req.created), "state": req.state,
        "public": req.public, "mine": caller_id is not None and caller_id == req.requester_id,
        "organization_id": org.id if org else None,
        "organization": org.name if org else None,
        "organization_title": org.title if org else None,
        "routed_by": req.routed_by, "routed_at": ckan_time(req.routed_at),
        "due": req.due.isoformat() if req.due else None,
        "days_left": calendar.between(now, req.due) if waiting and req.due else None,
        "overdue": bool(waiting and req.due and now > req.due),
        "answer": req.answer, "answered_by": req.answered_by,
        "answered_at": ckan_time(req.answered_at),
        "dataset_id": dataset.id if dataset else None,
        "dataset": dataset.name if dataset else None,
        "dataset_title": dataset.title if dataset else None,
    }


def _dict(ctx: Context, req: DataRequest) -> dict[str, Any]:
    org = ctx.session.get(Organization, req.routed_to) if req.routed_to else None
    dataset = ctx.session.get(Dataset, req.dataset_id) if req.dataset_id else None
    return request_dict(req, org, dataset, ctx.portal.calendar, ctx.today(),
                        ctx.user.id if ctx.user else None)


def _answerers(ctx: Context, organization_id: str) -> list[str]:
    return list(ctx.session.scalars(select(Membership.user_id).where(
        Membership.organization_id == organization_id, Membership.role.in_(ANSWERERS))))


def _tell(ctx: Context, user_ids: list[str], kind: str, subject: str, body: str,
          req: DataRequest) -> None:
    # The caller knows what they just did: they are not told again.
    me = ctx.user.id if ctx.user else ""
    notify(ctx.session, [u for u in user_ids if u != me], kind, subject, body,
           link=f"/api/3/action/data_request_show?id={req.id}")


def _record(ctx: Context, req: DataRequest, **detail: Any) -> None:
    # The requester's identity stays out of the detail too: the actor names who acted.
    audit.append(ctx.session, actor=ctx.actor, action=ctx.action, object_type="data_request",
                 object_id=req.id, detail={"state": req.state, **detail})


def _open(req: DataRequest, verb: str) -> None:
    if req.state in CLOSED_STATES:
        raise ValidationError({"state": [f"A request {req.state} cannot be {verb}"]})


@action(schema=CREATE_SCHEMA)
def data_request_create(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Ask for data that is not published yet. Params: title (at most 200 characters),
    description (at most 5000), purpose (optional, at most 2000), public (default true:
    the request and its answer are shown to everyone; the requester's identity never
    is). Signed-in users."""
    assert ctx.user is not None  # the rule refuses anonymous callers
    req = DataRequest(id=new_id(), title=params["title"], description=params["description"],
                      purpose=params["purpose"], requester_id=ctx.user.id, created=utcnow(),
                      state="submitted", answer="", public=params["public"])
    ctx.session.add(req)
    ctx.session.flush()
    _record(ctx, req, title=req.title, public=req.public)
    return _dict(ctx, req)


@action(schema=ROUTE_SCHEMA)
def data_request_route(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Route a request to the department that holds the data. Params: id, organization
    (id or name). A routed request may be routed again (a department that does not
    hold the data); the deadline restarts. Sets due, 7 working days after today; tells
    the organization's editors and admins, and the requester. Sysadmins."""
    req = _load(ctx, params)
    org = lookup.organization(ctx.session, params["organization"])
    _open(req, "routed")
    req.routed_to = org.id
    req.routed_by = ctx.actor
    req.routed_at = utcnow()
    req.due = ctx.portal.calendar.add(ctx.today(), DUE_WORKING_DAYS)
    req.state = "routed"
    due = req.due.isoformat()
    _tell(ctx, _answerers(ctx, org.id), "data_request_routed", f"数据需求待答复：{req.title}",
          f"县数据资源管理局将数据需求「{req.title}」转交{org.title}，"
          f"请于{due}前公开答复。\n需求说明：{req.description}", req)
    _tell(ctx, [req.requester_id], "data_request_routed", f"您的数据需求已转交：{req.title}",
          f"您提出的数据需求「{req.title}」已转交{org.title}办理，预计于{due}前答复。", req)
    _record(ctx, req, organization=org.name, due=req.due)
    return _dict(ctx, req)


@action(schema=ANSWER_SCHEMA)
def data_request_answer(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Answer a routed request publicly. Params: id, answer (at most 5000 characters),
    dataset_id (optional: id or name of a published, public entry that holds the data).
    Tells the requester. Editors and admins of the organization it is routed to, and
    sysadmins."""
    req = _load(ctx, params)
    authorize(ctx, Target(organization_id=req.routed_to))
    _open(req, "answered")
    if req.state != "routed":
        raise ValidationError({"state": ["Route the request to a department first"]})
    dataset = None
    if "dataset_id" in params:
        try:
            dataset = lookup.dataset(ctx.session, params["dataset_id"])
        except NotFound:
            dataset = None
        if dataset is None or dataset.state != "published" or dataset.private:
            raise ValidationError({"dataset_id": [
                f"Not a published public catalog entry: {params['dataset_id']}"]})
    req.answer = params["answer"]
    req.dataset_id = dataset.id if dataset else None
    req.answered_by = ctx.actor
    req.answered_at = utcnow()
    req.state = "answered"
    found = f"\n相关数据目录：{dataset.title}（/dataset/{dataset.name}）" if dataset else ""
    _tell(ctx, [req.requester_id], "data_request_answered", f"您的数据需求已答复：{req.title}",
          f"您提出的数据需求「{req.title}」已答复：\n{req.answer}{found}", req)
    _record(ctx, req, dataset_id=req.dataset_id)
    return _dict(ctx, req)


@action(schema=DECLINE_SCHEMA)
def data_request_decline(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Decline a request that is not closed, with a public reason. Params: id, reason
    (at most 5000 characters). Tells the requester. Sysadmins."""
    req = _load(ctx, params)
    _open(req, "declined")
    req.answer = params["reason"]
    req.answered_by = ctx.actor
    req.answered_at = utcnow()
    req.state = "declined"
    _tell(ctx, [req.requester_id], "data_request_declined", f"您的数据需求未予受理：{req.title}",
          f"您提出的数据需求「{req.title}」未予受理。\n理由：{req.answer}", req)
    _record(ctx, req)
    return _dict(ctx, req)


@action(read_only=True, schema={"id": [reference]})
def data_request_show(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """One request. Params: id. Public requests: anyone; others: the requester, the
    department it is routed to and sysadmins."""
    req = _load(ctx, params)
    authorize(ctx, Target(data_request=req))
    return _dict(ctx, req)


@action(read_only=True, schema=LIST_SCHEMA)
def data_request_list(ctx: Context, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Requests the caller may see (public ones, their own, those routed to their
    organizations; sysadmins all), newest first. Params: state (submitted, routed,
    answered, declined), organization (id or name: routed to it), overdue (true: routed,
    unanswered and past due), limit (default 100, at most 1000), offset. Anyone."""
    now = ctx.today()
    query = select(DataRequest)
    user = ctx.user
    if user is None:
        query = query.where(DataRequest.public.is_(True))
    elif not user.sysadmin:
        query = query.where(or_(
            DataRequest.public.is_(True), DataRequest.requester_id == user.id,
            DataRequest.routed_to.in_(list(user.roles)) if user.roles else false()))
    if "organization" in params:
        org = lookup.organization(ctx.session, params["organization"])
        query = query.where(DataRequest.routed_to == org.id)
    if "state" in params:
        query = query.where(DataRequest.state == params["state"])
    if params["overdue"]:
        query = query.where(DataRequest.state == "routed", DataRequest.due < now)
    query = (query.order_by(DataRequest.created.desc(), DataRequest.id)
             .limit(params["limit"]).offset(params["offset"]))
    return [_dict(ctx, req) for req in ctx.session.scalars(query)]
