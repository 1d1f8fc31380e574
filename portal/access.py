"""Who gets which file of a catalog entry: the raw one, the released (treated) one, or none.

The entry's page (metadata) is guarded by the RULES table; its data is guarded
here, by the entry's classes (Art. 25-27):

- the entry's own department and the bureau: the raw file;
- a holder of an active grant: a share grant (department to department) gives
  the raw file, an open grant (an approved open application) the released file;
- anyone, for a published entry opened unconditionally: the released file, i.e.
  what the desensitization gate let through (never the raw file);
- government staff, for data shared unconditionally: the raw file, at once,
  each access logged;
- nobody else.

Access through a grant or an unconditional share is recorded in the grant
usage log by the caller (`record`).

Grants as the access layer sees them (Art. 27), below `record`: may this caller use
this dataset under a grant, record that they did, may a government unit read
unconditionally shared data at once; and the one check for grant tokens: an API token
made for a grant carries only that grant's power (read actions on the grant's
datasets), and authenticates nobody once the grant is revoked, over, or its holder no
longer a grantee.

A conditionally open entry's released file read under a grant is the one made for
the grant's recipient (`released_file`): its pseudonyms are keyed for that
recipient, so two recipients cannot join their copies (portal/gate.py). Its table in
the datastore is made from the public's released file, whose pseudonyms every
recipient would share: a grant's recipient does not read it (`table_refusal`), unless
the gate treated nothing in that file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, object_session

from portal.core.clock import CHINA
from portal.core.context import Caller, Context
from portal.core.errors import NotAuthorized, NotFound
from portal.models import Dataset, Membership, Organization, Resource
from portal.models.base import new_id, utcnow
from portal.models.sharing import Grant, GrantUse, grant_dataset

RAW = "raw"
RELEASED = "released"


class HiddenEntry(NotAuthorized):
    """A refusal about a catalog entry the caller may not see at all (another
    department's draft, a private or deleted entry). Raised as a NotAuthorized, so the
    logic layer treats it as any refusal; the registry then gives it `missing`, the
    NotFound the action gives for an id that names nothing (portal/actions/hidden.py),
    and the API answers with that one's status and body, as the pages answer 404: the
    names and ids of hidden entries cannot be probed."""

    missing: NotFound | None = None

    @property
    def status(self) -> int:  # type: ignore[override]
        return self.missing.status if self.missing is not None else NotAuthorized.status

    def as_error_dict(self) -> dict[str, object]:
        if self.missing is not None:
            return self.missing.as_error_dict()
        return super().as_error_dict()


@dataclass(frozen=True)
class FileAccess:
    file: str | None  # RAW, RELEASED or None
    reason: str = ""
    grant_id: str | None = None
    logged: bool = False  # a grant or an unconditional share: every use is recorded
    fields: tuple[str, ...] = ()  # a grant's scope; empty = every field
    recipient: str | None = None  # whom a released file is made for (a grant's holder)


NOT_OPEN = "this data is not open to the public"
CONDITIONAL = ("this data is open on conditions: apply for it (open_application_create) "
               "and use it once approved")


def file_access(ctx: Context, ds: Dataset) -> FileAccess:
    user = ctx.user
    scoped = bool(user is not None and getattr(user, "grant_id", None))
    if user is not None and not scoped and (user.sysadmin or user.role_in(ds.owner_org)):
        return FileAccess(RAW)
    if ds.state != "published" or ds.private:
        return FileAccess(None, "the entry is not published")
    if user is None:  # no grants, no share
        if ds.open_type == "unconditional":
            return FileAccess(RELEASED)
        return FileAccess(None, CONDITIONAL if ds.open_type == "conditional" else NOT_OPEN)
    grant = active_grant(ctx.session, user, ds.id, ctx.today())
    if grant is not None:
        kind = RAW if grant.kind == "share" else RELEASED
        return FileAccess(kind, grant_id=grant.id, logged=True,
                          fields=tuple(grant.fields or ()), recipient=recipient(grant))
    if scoped:
        return FileAccess(None, "the grant this token belongs to does not cover this entry, "
                                "or it has ended or been revoked")
    if ds.open_type == "unconditional":
        return FileAccess(RELEASED)
    if unconditional_share_allowed(user, ds):
        return FileAccess(RAW, logged=True)
    if ds.open_type == "conditional":
        return FileAccess(None, CONDITIONAL)
    if ds.share_type == "conditional" and user.roles:
        return FileAccess(None, "this data is shared on conditions: request it "
                                "(share_request_create) and use it once approved")
    return FileAccess(None, NOT_OPEN)


def require(ctx: Context, ds: Dataset) -> FileAccess:
    access = file_access(ctx, ds)
    if access.file is None:
        raise NotAuthorized(f"{ctx.actor} may not read the data of {ds.name}: {access.reason}")
    return access


def released_file(ctx: Context, access: FileAccess, res: Resource) -> tuple[str, int | None]:
    """The released file's (sha256, size) for this caller: the public's, or for a grant's
    recipient of a conditionally open entry the one made for them. NotFound when the
    resource has none."""
    ds = res.dataset
    if access.recipient and ds.open_type == "conditional" and res.released_sha256:
        made = ctx.portal.gate.recipient_release(ctx.session, res, access.recipient)
        if made is None or not made.treated_sha256:
            raise NotFound(f"No released file for resource {res.id}: the file for "
                           f"{ctx.actor} could not be prepared")
        return made.treated_sha256, made.treated_size
    if not res.released_sha256:
        raise NotFound(f"No released file for resource {res.id}: the entry's files "
                       "have not passed publication review")
    return res.released_sha256, res.released_size


PER_RECIPIENT = ("rows of a conditionally open entry are given to each recipient in their own "
                 "file: download it (resource_download)")


def per_recipient(access: FileAccess, ds: Dataset) -> bool:
    """Whether this caller's released data of `ds` is made for them (a grant's recipient of
    a conditionally open entry), not the public's."""
    return bool(access.file == RELEASED and access.recipient and ds.open_type == "conditional")


def table_refusal(ctx: Context, access: FileAccess, res: Resource) -> str | None:
    """Why a caller who may read `res`'s released data may not read its datastore table:
    a grant's recipient of a conditionally open entry reads the file made for them, never
    the table made from the public's released file (its pseudonyms are keyed for nobody in
    particular, so two recipients could join on them). Fail-closed: the table is theirs
    only when nothing in it was treated, i.e. rows written through the API that the gate
    allowed as they were, or a released file the gate allowed untouched. None: readable."""
    if not per_recipient(access, res.dataset):
        return None
    if res.url_type != "upload":
        from portal.gate import gated_marker, target_for

        table, target = res.datastore, target_for(res.dataset.open_type)
        if table is not None and target is not None \
                and table.source_sha256 == gated_marker(target):
            return None  # rows the gate allowed as written (datastore_gate.py): nothing was treated
        return PER_RECIPIENT
    reference = ctx.portal.gate.reference(ctx.session, res)
    if reference is not None and reference.decision == "allowed" \
            and reference.treated_sha256 == res.released_sha256:
        return None  # the gate treated nothing: no pseudonym in the table
    return PER_RECIPIENT


def record(ctx: Context, access: FileAccess, ds: Dataset, resource_id: str | None,
           what: str) -> None:
    """Log a use made through a grant or an unconditional share (in the caller's transaction)."""
    if not access.logged:
        return
    record_use(ctx.session, grant_id=access.grant_id,
                      user_id=ctx.user.id if ctx.user else None, dataset_id=ds.id,
                      resource_id=resource_id,
                      action=what if access.grant_id else "share_access",
                      detail={"via": ctx.action})


# What a grant token may call: reading the grant's datasets (file downloads go through
# resource_download, datastore dumps through datastore_search).
GRANT_READS = frozenset({"package_show", "resource_show", "resource_download",
                         "datastore_search", "datastore_info", "status_show"})
# Government units read unconditionally shared data without applying (Art. 27);
# public utilities apply, and get a grant at once (portal.actions.share_requests).
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


def token_caller(session: Session, caller: Caller, grant_id: str, on: date) -> Caller:
    """The caller of a grant token: the user's id and name with the grant's power only
    (no roles, never sysadmin); refused with the reason once the token is dead."""
    reason = token_refusal(session, session.get(Grant, grant_id), caller.id, on)
    if reason:
        raise NotAuthorized(f"This API token is restricted to a grant and is no longer "
                            f"valid: {reason}")
    return Caller(id=caller.id, name=caller.name, grant_id=grant_id)


def check_grant_caller(session: Session, caller: Caller | None, action: str, on: date,
                       dataset_id: str | None = None) -> None:
    """Refuse a grant token anything but reading its grant's datasets, naming the grant.
    Called before every action (Portal) and by every authorize() with its dataset."""
    if caller is None or caller.grant_id is None:
        return
    grant = session.get(Grant, caller.grant_id)
    name = f"grant {caller.grant_id}"
    reason = token_refusal(session, grant, caller.id, on)
    if reason:
        raise NotAuthorized(f"{caller.name} may not {action}: {reason}")
    if action not in GRANT_READS:
        raise NotAuthorized(f"{caller.name} may not {action}: this API token is restricted "
                            f"to {name} and may only read its datasets")
    assert grant is not None
    if dataset_id is not None and dataset_id not in {d.id for d in grant.datasets}:
        raise NotAuthorized(f"{caller.name} may not {action} this dataset: this API token is "
                            f"restricted to {name}, which does not cover it")
