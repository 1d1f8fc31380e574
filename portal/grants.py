"""Grants as the access layer sees them (Art. 27): may this caller use this dataset
under a grant, record that they did, and may a government unit read unconditionally
shared data at once.

Also the one check for grant tokens: an API token made for a grant carries only that
grant's power (read actions on the grant's datasets), and authenticates nobody once
the grant is revoked, over, or its holder no longer a grantee. `today` is imported by
name so tests can move this module's clock.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, object_session

from portal.actions.errors import NotAuthorized
from portal.actions.registry import Caller
from portal.models import Membership, Organization
from portal.models.base import new_id, utcnow
from portal.models.sharing import Grant, GrantUse, grant_dataset
from portal.workdays import CHINA, today  # tests move `today` here

# What a grant token may call: reading the grant's datasets (file downloads go through
# resource_download, datastore dumps through datastore_search).
GRANT_READS = frozenset({"package_show", "resource_show", "resource_download",
                         "datastore_search", "datastore_info", "status_show"})
# Government units read unconditionally shared data without applying (Art. 27);
# public utilities apply, and get a grant at once (portal.actions.sharing).
GOVERNMENT_UNITS = ("department", "bureau", "government", "town", "development_zone")


def is_current(grant: Grant, on: date) -> bool:
    return grant.status == "active" and grant.starts <= on <= grant.ends


def is_grantee(session: Session, grant: Grant, user_id: str) -> bool:
    """The open grant's user, or (share grants) any member of the grantee organization."""
    if grant.kind == "open":
        return grant.user_id == user_id
    return session.scalar(select(Membership.id).where(
        Membership.user_id == user_id,
        Membership.organization_id == grant.organization_id)) is not None


def active_grant(session: Session, caller: Caller | None, dataset_id: str,
                 on: date) -> Grant | None:
    """An active grant covering `dataset_id` on `on` for this caller: the user's open
    grants and their organizations' share grants; for a grant token only its grant."""
    if caller is None:
        return None
    query = (select(Grant).join(grant_dataset, grant_dataset.c.grant_id == Grant.id)
             .where(grant_dataset.c.dataset_id == dataset_id, Grant.status == "active",
                    Grant.starts <= on, Grant.ends >= on))
    if caller.grant_id is not None:
        grant = session.scalar(query.where(Grant.id == caller.grant_id))
        return grant if grant is not None and is_grantee(session, grant, caller.id) else None
    mine = and_(Grant.kind == "open", Grant.user_id == caller.id)
    if caller.roles:
        mine = or_(mine, and_(Grant.kind == "share",
                              Grant.organization_id.in_(list(caller.roles))))
    return session.scalar(query.where(mine).order_by(Grant.ends.desc(), Grant.id).limit(1))


def recipient(grant: Grant) -> str:
    """Whom a grant's files are made for (portal/gate.py keys their pseudonyms by it): the
    grantee organization of a share grant, the user of an open grant."""
    if grant.organization_id:
        return f"organization:{grant.organization_id}"
    return f"user:{grant.user_id}"


def record_use(session: Session, *, grant_id: str | None, user_id: str | None,
               dataset_id: str, resource_id: str | None, action: str,
               detail: dict[str, Any] | None = None) -> None:
    """Log one use (grant_id None: unconditional share access); the caller commits."""
    session.add(GrantUse(id=new_id(), grant_id=grant_id, user_id=user_id,
                         dataset_id=dataset_id, resource_id=resource_id, action=action,
                         at=utcnow(), detail=detail or {}))


def unconditional_share_allowed(caller: Caller | None, dataset: Any) -> bool:
    """A published, unconditionally shared entry is for staff of any government unit at
    once; the access layer logs each such use with record_use(action="share_access")."""
    if caller is None or caller.grant_id is not None:
        return False  # a grant token carries its grant's power only
    if dataset.share_type != "unconditional" or dataset.state != "published":
        return False
    if caller.sysadmin:
        return True  # the bureau's staff
    session = object_session(dataset)
    if session is None or not caller.roles:
        return False
    return session.scalar(select(Organization.id).where(
        Organization.id.in_(list(caller.roles)),
        Organization.type.in_(GOVERNMENT_UNITS)).limit(1)) is not None


def token_refusal(session: Session, grant: Grant | None, user_id: str,
                  on: date) -> str | None:
    """Why a grant's token no longer authenticates its holder; None while it does."""
    if grant is None:
        return "its grant no longer exists"
    name = f"grant {grant.id}"
    if grant.status == "revoked":
        day = grant.revoked_at.astimezone(CHINA).date() if grant.revoked_at else None
        when = f" on {day.isoformat()}" if day else ""
        return f"{name} was revoked{when}: {grant.revoke_reason}"
    if on > grant.ends:
        return f"{name} ended on {grant.ends.isoformat()}"
    if on < grant.starts:
        return f"{name} starts on {grant.starts.isoformat()}"
    if not is_grantee(session, grant, user_id):
        return f"the token's user is no longer a grantee of {name}"
    return None


def token_caller(session: Session, caller: Caller, grant_id: str) -> Caller:
    """The caller of a grant token: the user's id and name with the grant's power only
    (no roles, never sysadmin); refused with the reason once the token is dead."""
    reason = token_refusal(session, session.get(Grant, grant_id), caller.id, today())
    if reason:
        raise NotAuthorized(f"This API token is restricted to a grant and is no longer "
                            f"valid: {reason}")
    return Caller(id=caller.id, name=caller.name, grant_id=grant_id)


def check_grant_caller(session: Session, caller: Caller | None, action: str,
                       dataset_id: str | None = None) -> None:
    """Refuse a grant token anything but reading its grant's datasets, naming the grant.
    Called before every action (Portal) and by every authorize() with its dataset."""
    if caller is None or caller.grant_id is None:
        return
    grant = session.get(Grant, caller.grant_id)
    name = f"grant {caller.grant_id}"
    reason = token_refusal(session, grant, caller.id, today())
    if reason:
        raise NotAuthorized(f"{caller.name} may not {action}: {reason}")
    if action not in GRANT_READS:
        raise NotAuthorized(f"{caller.name} may not {action}: this API token is restricted "
                            f"to {name} and may only read its datasets")
    assert grant is not None
    if dataset_id is not None and dataset_id not in {d.id for d in grant.datasets}:
        raise NotAuthorized(f"{caller.name} may not {action} this dataset: this API token is "
                            f"restricted to {name}, which does not cover it")
