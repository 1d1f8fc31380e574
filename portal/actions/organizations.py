"""Organizations (the bureau, departments, towns, zones, public utilities) and membership.

Making an account that is nobody's staff a member needs the bureau: an organization
admin's organization_member_create for it is a pending request (models/
membership_requests.py) that gives no role until bureau staff confirm it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from portal import audit
from portal.actions import lookup
from portal.actions.permissions import Target, authorize
from portal.actions.registry import action
from portal.core.catalog_validators import extras
from portal.core.context import Context
from portal.core.dictize import ckan_time, organization_dict, package_dict
from portal.core.errors import NotFound, ValidationError
from portal.core.validation import (
    boolean,
    default,
    if_given,
    integer,
    one_of,
    optional,
    reference,
    required,
    slug,
    string,
    validate,
)
from portal.models import AuditEntry, Dataset, Membership, Organization, User
from portal.models.accounts import ROLES
from portal.models.base import new_id
from portal.models.catalog import ORGANIZATION_TYPES, dataset_dict_loads
from portal.models.membership_requests import MembershipRequest
from portal.notify import bureau_staff, notify

# CKAN clients send CKAN's `type` ("organization"); ours is organization_type.
ORG_SCHEMA = {
    "id": [optional, string(36)],
    "name": [required, slug],
    "title": [required, string(200)],
    "description": [default(""), string(20_000)],
    "image_url": [default(""), string(500)],
    "organization_type": [default("department"), one_of(ORGANIZATION_TYPES)],
    "code": [optional, string(64)],
    "parent_id": [optional, string(100)],
    "extras": [default(dict), extras],
}
# organization_update: the organization by id or name; a name not given keeps its own.
UPDATE_SCHEMA = {**ORG_SCHEMA, "id": [reference], "name": [if_given, *ORG_SCHEMA["name"]]}
SHOW_SCHEMA = {
    "id": [reference],
    "include_datasets": [default(False), boolean],
    "include_users": [default(False), boolean],
}


def _package_counts(ctx: Context) -> dict[str, int]:
    rows = ctx.session.execute(
        select(Dataset.owner_org, func.count())
        .where(Dataset.state == "published", Dataset.private.is_(False))
        .group_by(Dataset.owner_org)
    )
    return {org_id: n for org_id, n in rows}


def _apply(ctx: Context, org: Organization, clean: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    other = ctx.session.scalar(select(Organization.id).where(Organization.name == clean["name"]))
    if other is not None and other != org.id:
        errors["name"] = ["That name is already in use"]
    code = clean.get("code") or None
    if code:
        other = ctx.session.scalar(select(Organization.id).where(Organization.code == code))
        if other is not None and other != org.id:
            errors["code"] = ["That organization code is already in use"]
    parent = None
    if clean.get("parent_id"):
        try:
            parent = lookup.organization(ctx.session, clean["parent_id"])
        except Exception:
            errors["parent_id"] = [f"Organization does not exist: {clean['parent_id']}"]
        else:
            if parent.id == org.id:
                errors["parent_id"] = ["An organization cannot be its own parent"]
    if errors:
        raise ValidationError(errors)
    org.name, org.title = clean["name"], clean["title"]
    org.description, org.image_url = clean["description"], clean["image_url"]
    org.type, org.code = clean["organization_type"], code
    org.parent_id = parent.id if parent else None
    org.extras = clean["extras"]


def _audit(ctx: Context, org: Organization, detail: dict[str, Any] | None = None) -> None:
    audit.append(ctx.session, actor=ctx.actor, action=ctx.action, object_type="organization",
                 object_id=org.id, detail={"name": org.name, **(detail or {})})


@action(schema=ORG_SCHEMA)
def organization_create(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Create an organization (bureau staff only). Params: name, title, description,
    organization_type (bureau, department, town, development_zone, public_utility,
    government),
    code, parent_id, image_url, extras."""
    own_id = params.get("id")
    if own_id and ctx.session.get(Organization, own_id) is not None:
        raise ValidationError({"id": ["Organization id already exists"]})
    org = Organization(id=own_id or new_id())
    _apply(ctx, org, params)
    ctx.session.add(org)
    ctx.session.flush()
    _audit(ctx, org)
    return organization_dict(org, package_count=0)


def _update(ctx: Context, org: Organization, clean: dict[str, Any]) -> dict[str, Any]:
    _apply(ctx, org, clean)
    ctx.session.flush()
    _audit(ctx, org)
    return organization_dict(org, package_count=_package_counts(ctx).get(org.id, 0))


@action(schema=UPDATE_SCHEMA)
def organization_update(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Replace an organization's fields (organization admins and bureau staff). Params: id, and as organization_create."""
    org = lookup.organization(ctx.session, params["id"])
    authorize(ctx, Target(organization_id=org.id))
    return _update(ctx, org, {"name": org.name, **params})


@action(schema={"id": [reference]}, other_keys=True)
def organization_patch(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Change only the given fields of an organization. Params: id and any field (each
    checked as organization_create checks it, once merged with the organization's own)."""
    org = lookup.organization(ctx.session, params["id"])
    authorize(ctx, Target(organization_id=org.id))
    return _update(ctx, org, validate({**organization_dict(org), **params}, ORG_SCHEMA))


def _depth(org: Organization) -> int:
    depth, seen = 0, {org.id}
    while org.parent is not None and org.parent.id not in seen:  # a cycle cannot loop
        org = org.parent
        seen.add(org.id)
        depth += 1
    return depth


LIST_SCHEMA = {
    "all_fields": [default(False), boolean],
    "sort": [optional, one_of(("name asc", "name desc", "title asc", "title desc",
                                          "package_count desc", "package_count asc", "name",
                                          "title", "package_count"))],
    "limit": [default(1000), integer(minimum=0, maximum=1000)],
    "offset": [default(0), integer(minimum=0)],
    "organization_type": [optional, one_of(ORGANIZATION_TYPES)],
}


@action(read_only=True, schema=LIST_SCHEMA)
def organization_list(ctx: Context, params: dict[str, Any]) -> list[Any]:
    """Organizations: names, or dicts with all_fields=true. Params: all_fields, sort
    (name, title, package_count + asc/desc; by default by name with parents before
    their children), limit, offset, organization_type."""
    query = select(Organization).where(Organization.state == "active")
    if "organization_type" in params:
        query = query.where(Organization.type == params["organization_type"])
    orgs = list(ctx.session.scalars(query))
    counts = _package_counts(ctx)
    if "sort" in params:
        key, _, direction = params["sort"].partition(" ")
        orgs.sort(key=lambda o: (counts.get(o.id, 0) if key == "package_count"
                                 else getattr(o, key), o.name), reverse=direction == "desc")
    else:
        # By name, but parents before their children: `ckanapi dump organizations`
        # lists in this order and `ckanapi load` creates in it, and an organization
        # whose parent was not created yet is refused.
        orgs.sort(key=lambda o: (_depth(o), o.name))
    orgs = orgs[params["offset"]:params["offset"] + params["limit"]]
    if not params["all_fields"]:
        return [o.name for o in orgs]
    return [organization_dict(o, package_count=counts.get(o.id, 0)) for o in orgs]


@action(read_only=True, schema=SHOW_SCHEMA)
def organization_show(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Return an organization. Params: id (id or name), include_datasets (up to 1000 of its
    published entries), include_users (members, for its admins and bureau staff)."""
    org = lookup.organization(ctx.session, params["id"])
    out = organization_dict(org, package_count=_package_counts(ctx).get(org.id, 0))
    if params["include_datasets"]:
        query = (select(Dataset).options(*dataset_dict_loads()).where(Dataset.owner_org == org.id, Dataset.state == "published",
                                       Dataset.private.is_(False))
                 .order_by(Dataset.metadata_modified.desc()).limit(1000))
        out["packages"] = [package_dict(d, ctx.portal.site_url) for d in ctx.session.scalars(query)]
    if params["include_users"]:
        from portal.actions.permissions import is_authorized

        if is_authorized(ctx, Target(organization_id=org.id), action="organization_update"):
            rows = ctx.session.execute(
                select(User.name, User.id, Membership.role)
                .join(Membership, Membership.user_id == User.id)
                .where(Membership.organization_id == org.id).order_by(User.name))
            out["users"] = [{"name": n, "id": i, "capacity": r} for n, i, r in rows]
    return out


MEMBER_SCHEMA = {
    "id": [required, string(100)],
    "username": [required, string(100)],
    "role": [default("member"), one_of(ROLES)],
}


@action(schema=MEMBER_SCHEMA)
def organization_member_create(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Add a user to an organization or change their role. Params: id (organization),
    username, role (member, editor, admin). An organization admin adding an account that
    is nobody's staff and that the bureau did not create (a citizen who registered
    themself) makes a pending request instead: the account gets no role until bureau
    staff confirm it (organization_member_confirm); the answer says state "pending"."""
    org = lookup.organization(ctx.session, params["id"])
    authorize(ctx, Target(organization_id=org.id))
    user = lookup.user(ctx.session, params["username"])
    member = ctx.session.scalar(select(Membership).where(
        Membership.user_id == user.id, Membership.organization_id == org.id))
    if member is None and _needs_confirmation(ctx, user):
        return _request_membership(ctx, org, user, params["role"])
    if member is None:
        member = Membership(user_id=user.id, organization_id=org.id)
        ctx.session.add(member)
    member.role = params["role"]
    ctx.session.flush()
    _audit(ctx, org, {"user": user.name, "role": member.role})
    return {"organization": org.name, "username": user.name, "role": member.role,
            "state": "active"}


def _needs_confirmation(ctx: Context, user: User) -> bool:
    """Whether making `user` staff needs the bureau: not when bureau staff do it, nor for
    staff of some organization or a sysadmin, nor for an account the bureau created
    (user_create, in the audit log); an account that registered itself, or whose origin
    the log does not show, waits for the bureau."""
    assert ctx.user is not None  # the registry refused anonymous callers
    if ctx.user.sysadmin or user.sysadmin or user.memberships:
        return False
    created_by_bureau = ctx.session.scalar(select(AuditEntry.seq).where(
        AuditEntry.action == "user_create", AuditEntry.object_type == "user",
        AuditEntry.object_id == user.id).limit(1))
    return created_by_bureau is None


def _request_membership(ctx: Context, org: Organization, user: User,
                        role: str) -> dict[str, Any]:
    request = ctx.session.scalar(select(MembershipRequest).where(
        MembershipRequest.user_id == user.id, MembershipRequest.organization_id == org.id))
    if request is None:
        request = MembershipRequest(id=new_id(), user_id=user.id, organization_id=org.id)
        ctx.session.add(request)
    request.role, request.requested_by, request.requested_at = role, ctx.actor, ctx.now()
    ctx.session.flush()
    _audit(ctx, org, {"user": user.name, "role": role, "pending": True})
    notify(ctx.session, bureau_staff(ctx.session), "membership_requested",
           f"待确认：{org.title}成员 {user.name}",
           f"{org.title}的管理员 {ctx.actor} 申请将账号 {user.name}（非工作人员）设为"
           f"{role}。确认后该账号才能查看该部门未公开的数据。",
           link="/console/members")
    return {"organization": org.name, "username": user.name, "role": role, "state": "pending"}


MEMBER_REF_SCHEMA = {"id": MEMBER_SCHEMA["id"], "username": MEMBER_SCHEMA["username"]}


def _pending(ctx: Context, params: dict[str, Any]) -> tuple[Organization, User,
                                                              MembershipRequest]:
    org = lookup.organization(ctx.session, params["id"])
    user = lookup.user(ctx.session, params["username"])
    request = ctx.session.scalar(select(MembershipRequest).where(
        MembershipRequest.user_id == user.id, MembershipRequest.organization_id == org.id))
    if request is None:
        raise NotFound(f"No pending membership of {user.name} in {org.name}")
    return org, user, request


@action(schema=MEMBER_REF_SCHEMA)
def organization_member_confirm(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Confirm a pending membership (bureau staff only): the account becomes a member of
    the organization with the role asked for. Params: id (organization), username."""
    org, user, request = _pending(ctx, params)
    member = ctx.session.scalar(select(Membership).where(
        Membership.user_id == user.id, Membership.organization_id == org.id))
    if member is None:
        member = Membership(user_id=user.id, organization_id=org.id)
        ctx.session.add(member)
    member.role = request.role
    ctx.session.delete(request)
    ctx.session.flush()
    _audit(ctx, org, {"user": user.name, "role": member.role, "confirmed": True,
                      "requested_by": request.requested_by})
    return {"organization": org.name, "username": user.name, "role": member.role,
            "state": "active"}


@action(schema=MEMBER_REF_SCHEMA)
def organization_member_reject(ctx: Context, params: dict[str, Any]) -> None:
    """Refuse a pending membership (bureau staff only). Params: id (organization),
    username."""
    org, user, request = _pending(ctx, params)
    ctx.session.delete(request)
    _audit(ctx, org, {"user": user.name, "role": request.role, "rejected": True})
    return None


@action(read_only=True, schema={})
def organization_member_request_list(ctx: Context, params: dict[str, Any]
                                     ) -> list[dict[str, Any]]:
    """Pending memberships, oldest first (bureau staff only): organization, username,
    role, requested_by, requested_at."""
    rows = ctx.session.execute(
        select(MembershipRequest, Organization.name, User.name)
        .join(Organization, Organization.id == MembershipRequest.organization_id)
        .join(User, User.id == MembershipRequest.user_id)
        .order_by(MembershipRequest.requested_at, MembershipRequest.id))
    return [{"organization": org_name, "username": user_name, "role": r.role,
             "requested_by": r.requested_by, "requested_at": ckan_time(r.requested_at)}
            for r, org_name, user_name in rows]


@action(schema=MEMBER_REF_SCHEMA)
def organization_member_delete(ctx: Context, params: dict[str, Any]) -> None:
    """Remove a user from an organization, or withdraw their pending membership.
    Params: id (organization), username."""
    org = lookup.organization(ctx.session, params["id"])
    authorize(ctx, Target(organization_id=org.id))
    user = lookup.user(ctx.session, params["username"])
    for model in (Membership, MembershipRequest):
        row = ctx.session.scalar(select(model).where(
            model.user_id == user.id, model.organization_id == org.id))
        if row is not None:
            ctx.session.delete(row)
            _audit(ctx, org, {"user": user.name, "removed": True})
    return None
