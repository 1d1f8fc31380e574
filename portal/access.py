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

A conditionally open entry's released file read under a grant is the one made for
the grant's recipient (`released_file`): its pseudonyms are keyed for that
recipient, so two recipients cannot join their copies (portal/gate.py). Its table in
the datastore is made from the public's released file, whose pseudonyms every
recipient would share: a grant's recipient does not read it (`table_refusal`), unless
the gate treated nothing in that file.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.actions.errors import NotAuthorized, NotFound
from portal.actions.registry import Context
from portal.models import Dataset, Resource
from portal.workdays import today

RAW = "raw"
RELEASED = "released"


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
    from portal import grants

    grant = grants.active_grant(ctx.session, user, ds.id, today())
    if grant is not None:
        kind = RAW if grant.kind == "share" else RELEASED
        return FileAccess(kind, grant_id=grant.id, logged=True,
                          fields=tuple(grant.fields or ()), recipient=grants.recipient(grant))
    if scoped:
        return FileAccess(None, "the grant this token belongs to does not cover this entry, "
                                "or it has ended or been revoked")
    if ds.open_type == "unconditional":
        return FileAccess(RELEASED)
    if grants.unconditional_share_allowed(user, ds):
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
        from portal.datastore.gated import gated_marker
        from portal.gate import target_for

        table, target = res.datastore, target_for(res.dataset.open_type)
        if table is not None and target is not None \
                and table.source_sha256 == gated_marker(target):
            return None  # rows the gate allowed as written (gated.py): nothing was treated
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
    from portal import grants

    grants.record_use(ctx.session, grant_id=access.grant_id,
                      user_id=ctx.user.id if ctx.user else None, dataset_id=ds.id,
                      resource_id=resource_id,
                      action=what if access.grant_id else "share_access",
                      detail={"via": ctx.action})
