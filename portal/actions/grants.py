"""Grants (Art. 27): what a decided share request or open application allows, its
usage log, its revocation, and API tokens restricted to one grant.

A grant is read by its grantee (the user of an open grant, every member of the
organization of a share grant), by staff of the departments whose data it covers, and
by the bureau. Who holds an open grant is personal data (Art. 35): only the grantee
and the bureau see it, in the grant and in its usage log. Also here: what the share
request and open application actions share (issuing a grant, the period rule,
telling people).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import exists, false, or_, select

from portal import audit
from portal.access import is_current, is_grantee
from portal.actions import lookup
from portal.actions.permissions import Target, authorize
from portal.actions.registry import action
from portal.core.context import Context
from portal.core.dictize import ckan_time
from portal.core.errors import NotAuthorized, NotFound, ValidationError
from portal.core.tokens import hash_token, new_token
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
from portal.models import ApiToken, Dataset, User
from portal.models.base import new_id, utcnow
from portal.models.sharing import (
    GRANT_KINDS,
    GRANT_STATES,
    Grant,
    GrantToken,
    GrantUse,
    grant_dataset,
)
from portal.notify import notify, organization_staff

# Art. 25 asks for a period of use; an open-ended grant is not one. Three years is the
# longest a request may ask for (the bureau may grant less).
MAX_PERIOD_YEARS = 3
MAX_LIMIT = 1000

LIST_SCHEMA = {
    "kind": [optional, one_of(GRANT_KINDS)],
    "status": [optional, one_of(GRANT_STATES)],
    "current": [default(False), boolean],
    "organization": [optional, string(100)],
    "dataset": [optional, string(100)],
    "limit": [default(100), integer(1, MAX_LIMIT)],
    "offset": [default(0), integer(0)],
}
USAGE_SCHEMA = {
    "id": [optional, string(36)],
    "dataset": [optional, string(100)],
    "limit": [default(100), integer(1, MAX_LIMIT)],
    "offset": [default(0), integer(0)],
}
REVOKE_SCHEMA = {"id": [reference], "reason": [required, string(5000)]}
# The token's name defaults to "grant" and the grant id's first 8 characters.
TOKEN_SCHEMA = {
    "grant_id": [reference],
    "user": [optional, reference],
    "name": [optional, string(200)],
}


# --- shared by share requests and open applications --------------------------------------

def latest_period_end(now: date) -> date:
    try:
        return now.replace(year=now.year + MAX_PERIOD_YEARS)
    except ValueError:  # 29 February
        return now.replace(year=now.year + MAX_PERIOD_YEARS, day=28)


def check_period_end(end: date, now: date, key: str = "period_end",
                     latest: date | None = None) -> None:
    """After today, and at most three years on (or `latest`, the period asked for)."""
    limit = latest or latest_period_end(now)
    if end <= now:
        raise ValidationError({key: [f"Must be after today ({now.isoformat()})"]})
    if end > limit:
        raise ValidationError({key: [f"Must be on or before {limit.isoformat()}"]})


def tell(ctx: Context, user_ids: list[str], kind: str, subject: str, body: str,
         link: str) -> None:
    # The caller knows what they just did: they are not told again.
    me = ctx.user.id if ctx.user else ""
    notify(ctx.session, [u for u in user_ids if u != me], kind, subject, body, link=link)


def issue_grant(ctx: Context, *, kind: str, datasets: list[Dataset], fields: list[str],
                ends: date, scenario: str, source_type: str, source_id: str,
                organization_id: str | None = None, user_id: str | None = None) -> Grant:
    """A grant from today (the county's date) to `ends`, inclusive."""
    grant = Grant(id=new_id(), kind=kind, status="active", organization_id=organization_id,
                  user_id=user_id, fields=list(fields), starts=ctx.today(), ends=ends,
                  scenario=scenario, created_by=ctx.actor, created=utcnow(),
                  source_type=source_type, source_id=source_id, revoke_reason="")
    grant.datasets = list(datasets)
    ctx.session.add(grant)
    ctx.session.flush()
    return grant


# --- reading grants ------------------------------------------------------------------------

def _load(ctx: Context, ref: str) -> Grant:
    grant = None if "\x00" in ref else ctx.session.get(Grant, ref)
    if grant is None:
        raise NotFound(f"Grant not found: {ref}")
    return grant


def _owners(grant: Grant) -> tuple[str, ...]:
    return tuple(dict.fromkeys(d.owner_org for d in grant.datasets))


def grant_target(grant: Grant) -> Target:
    return Target(user_id=grant.user_id,
                  organization_ids=tuple(o for o in (grant.organization_id, *_owners(grant))
                                         if o))


def _sees_person(ctx: Context, grant: Grant) -> bool:
    """The holder of an open grant is shown to them and to the bureau only."""
    user = ctx.user
    return grant.kind == "share" or (user is not None and (
        user.sysadmin or user.id == grant.user_id))


def grant_dict(ctx: Context, grant: Grant) -> dict[str, Any]:
    now = ctx.today()
    org = grant.organization
    person = ctx.session.get(User, grant.user_id) if grant.user_id and \
        _sees_person(ctx, grant) else None
    mine = ctx.user is not None and is_grantee(ctx.session, grant, ctx.user.id)
    return {
        "id": grant.id, "kind": grant.kind, "status": grant.status,
        "active": is_current(grant, now), "expired": now > grant.ends,
        "mine": mine,
        "organization_id": org.id if org else None,
        "organization": org.name if org else None,
        "organization_title": org.title if org else None,
        "user_id": person.id if person else None,
        "user": person.name if person else None,
        "datasets": [{"id": d.id, "name": d.name, "title": d.title, "owner_org": d.owner_org}
                     for d in grant.datasets],
        "fields": list(grant.fields or []),
        "starts": grant.starts.isoformat(), "ends": grant.ends.isoformat(),
        "scenario": grant.scenario, "created": ckan_time(grant.created),
        "created_by": grant.created_by, "source_type": grant.source_type,
        "source_id": grant.source_id, "revoked_by": grant.revoked_by,
        "revoked_at": ckan_time(grant.revoked_at), "revoke_reason": grant.revoke_reason,
    }


@action(read_only=True, schema={"id": [reference]})
def grant_show(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """One grant. Params: id. The grantee (the user of an open grant, members of the
    organization of a share grant), staff of the departments whose data it covers, and
    sysadmins."""
    grant = _load(ctx, params["id"])
    authorize(ctx, grant_target(grant))
    return grant_dict(ctx, grant)


@action(read_only=True, schema=LIST_SCHEMA)
def grant_list(ctx: Context, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Grants the caller may see (their own, their organizations', those on their
    organizations' data; sysadmins all), newest first. Params: kind (share, open),
    status (active, revoked), current (true: active and within its period today),
    organization (id or name: the grantee organization), dataset (id or name: covering
    it), limit (default 100, at most 1000), offset. Signed-in users."""
    user = ctx.user
    assert user is not None  # the rule refuses anonymous callers
    query = select(Grant)
    if not user.sysadmin:
        orgs = list(user.roles)
        on_our_data = exists().where(
            grant_dataset.c.grant_id == Grant.id, grant_dataset.c.dataset_id == Dataset.id,
            Dataset.owner_org.in_(orgs)) if orgs else false()
        query = query.where(or_(Grant.user_id == user.id,
                                Grant.organization_id.in_(orgs) if orgs else false(),
                                on_our_data))
    if "kind" in params:
        query = query.where(Grant.kind == params["kind"])
    if "status" in params:
        query = query.where(Grant.status == params["status"])
    if params["current"]:
        now = ctx.today()
        query = query.where(Grant.status == "active", Grant.starts <= now, Grant.ends >= now)
    if "organization" in params:
        org = lookup.organization(ctx.session, params["organization"])
        query = query.where(Grant.organization_id == org.id)
    if "dataset" in params:
        ds = lookup.dataset(ctx.session, params["dataset"])
        query = query.where(exists().where(grant_dataset.c.grant_id == Grant.id,
                                           grant_dataset.c.dataset_id == ds.id))
    query = (query.order_by(Grant.created.desc(), Grant.id)
             .limit(params["limit"]).offset(params["offset"]))
    return [grant_dict(ctx, g) for g in ctx.session.scalars(query)]


@action(read_only=True, schema=USAGE_SCHEMA)
def grant_usage_list(ctx: Context, params: dict[str, Any]) -> list[dict[str, Any]]:
    """The usage log (Art. 27's monitoring), newest first. Params: id (a grant: its
    uses; as grant_show sees it) or dataset (id or name: every use of the entry, under
    grants and unconditional share access; staff of its organization and sysadmins),
    limit (default 100, at most 1000), offset."""
    query = select(GrantUse, Grant).outerjoin(Grant, Grant.id == GrantUse.grant_id)
    if "id" in params:
        grant = _load(ctx, params["id"])
        authorize(ctx, grant_target(grant))
        query = query.where(GrantUse.grant_id == grant.id)
    elif "dataset" in params:
        ds = lookup.dataset(ctx.session, params["dataset"])
        authorize(ctx, Target(organization_ids=(ds.owner_org,)))
        query = query.where(GrantUse.dataset_id == ds.id)
    else:
        authorize(ctx, Target())  # as grant_visible with no grant: the bureau only
        raise ValidationError({"id": ["Give id (a grant) or dataset"]})
    query = (query.order_by(GrantUse.at.desc(), GrantUse.id)
             .limit(params["limit"]).offset(params["offset"]))
    rows = list(ctx.session.execute(query))
    users = {u.id: u.name for u in ctx.session.scalars(select(User).where(
        User.id.in_({use.user_id for use, _ in rows if use.user_id})))}
    names = {d.id: d.name for d in ctx.session.scalars(select(Dataset).where(
        Dataset.id.in_({use.dataset_id for use, _ in rows})))}
    out = []
    for use, grant in rows:
        shown = grant is None or _sees_person(ctx, grant)
        out.append({"id": use.id, "grant_id": use.grant_id, "action": use.action,
                    "at": ckan_time(use.at), "dataset_id": use.dataset_id,
                    "dataset": names.get(use.dataset_id), "resource_id": use.resource_id,
                    "user": users.get(use.user_id or "") if shown else None,
                    "detail": use.detail})
    return out


# --- changing grants -------------------------------------------------------------------

@action(schema=REVOKE_SCHEMA)
def grant_revoke(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Revoke an active grant; its tokens stop working at once. Params: id, reason (at
    most 5000 characters). Tells the grantee (the user, or the organization's admins).
    Admins of a department whose data the grant covers, and sysadmins."""
    grant = _load(ctx, params["id"])
    authorize(ctx, Target(organization_ids=_owners(grant)))
    if grant.status != "active":
        raise ValidationError({"status": [f"The grant is already {grant.status}"]})
    grant.status = "revoked"
    grant.revoked_by = ctx.actor
    grant.revoked_at = utcnow()
    grant.revoke_reason = params["reason"]
    ctx.session.flush()
    told = ([grant.user_id] if grant.user_id
            else organization_staff(ctx.session, [grant.organization_id or ""]))
    titles = "、".join(d.title for d in grant.datasets)
    tell(ctx, [u for u in told if u], "grant_revoked", f"数据使用授权已撤销：{titles}",
         f"您对「{titles}」的数据使用授权已被撤销。\n理由：{grant.revoke_reason}",
         link=f"/api/3/action/grant_show?id={grant.id}")
    audit.append(ctx.session, actor=ctx.actor, action=ctx.action, object_type="grant",
                 object_id=grant.id, detail={"status": grant.status,
                                             "reason": grant.revoke_reason})
    return grant_dict(ctx, grant)


@action(schema=TOKEN_SCHEMA)
def grant_token_create(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """An API token restricted to one grant, shown only in this response: it may only
    read the grant's datasets (package_show, resource_show, datastore_search,
    datastore_info, status_show, resource_download) and stops working when the grant is
    revoked or over. Params: grant_id, user (name or id; yourself by default: a grantee),
    name. The grantee themself; sysadmins may make one for a grantee."""
    assert ctx.user is not None  # the rule refuses anonymous callers
    grant = _load(ctx, params["grant_id"])
    user = lookup.user(ctx.session, params.get("user") or ctx.user.name)
    authorize(ctx, Target(user_id=user.id))
    if not is_grantee(ctx.session, grant, user.id):
        raise NotAuthorized(f"{ctx.actor} may not {ctx.action}: {user.name} is not a grantee "
                            f"of grant {grant.id}")
    name = params.get("name") or f"grant {grant.id[:8]}"
    if not is_current(grant, ctx.today()):
        state = "revoked" if grant.status == "revoked" else "not within its period"
        raise ValidationError({"grant_id": [f"The grant is {state}"]})
    token = new_token()
    row = ApiToken(id=new_id(), user_id=user.id, name=name, token_hash=hash_token(token))
    ctx.session.add(row)
    ctx.session.flush()
    ctx.session.add(GrantToken(token_id=row.id, grant_id=grant.id))
    ctx.session.flush()
    audit.append(ctx.session, actor=ctx.actor, action=ctx.action, object_type="api_token",
                 object_id=row.id, detail={"user": user.name, "name": row.name,
                                           "grant_id": grant.id})
    return {"token": token, "id": row.id, "name": row.name, "grant_id": grant.id,
            "ends": grant.ends.isoformat()}
