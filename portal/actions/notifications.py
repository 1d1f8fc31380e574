"""The caller's own notifications (written by portal.notify.notify).

Every query here is filtered by the caller's id, so no parameter can reach
another user's notifications: ids that are not the caller's simply match
nothing, and the answer does not say whether they exist.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from portal import audit
from portal.actions.registry import action
from portal.core.context import Caller, Context
from portal.core.dictize import ckan_time
from portal.core.errors import ValidationError
from portal.core.validation import boolean, default, integer, list_of_strings
from portal.models import Notification
from portal.models.base import utcnow
from portal.notify import unread_count

MAX_LIMIT = 100

LIST_SCHEMA = {
    "limit": [default(20), integer(1, MAX_LIMIT)],
    "offset": [default(0), integer(0)],
    "unread_only": [default(False), boolean],
}
MARK_READ_SCHEMA = {"ids": [default(list), list_of_strings(36)], "all": [default(False), boolean]}


def _caller(ctx: Context) -> Caller:
    assert ctx.user is not None  # signed_in: anonymous callers have no notifications
    return ctx.user


def notification_dict(note: Notification) -> dict[str, Any]:
    return {"id": note.id, "kind": note.kind, "subject": note.subject, "body": note.body,
            "link": note.link, "created": ckan_time(note.created),
            "read_at": ckan_time(note.read_at), "read": note.read_at is not None}


@action(read_only=True, schema=LIST_SCHEMA)
def notification_list(ctx: Context, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Your notifications, newest first. Params: limit (default 20, at most 100), offset,
    unread_only (default false)."""
    user = _caller(ctx)
    query = select(Notification).where(Notification.user_id == user.id)
    if params["unread_only"]:
        query = query.where(Notification.read_at.is_(None))
    query = (query.order_by(Notification.created.desc(), Notification.id.desc())
             .limit(params["limit"]).offset(params["offset"]))
    return [notification_dict(n) for n in ctx.session.scalars(query)]


@action(read_only=True)
def notification_unread_count(ctx: Context, params: dict[str, Any]) -> int:
    """How many of your notifications are unread."""
    return unread_count(ctx.session, _caller(ctx).id)


@action(schema=MARK_READ_SCHEMA)
def notification_mark_read(ctx: Context, params: dict[str, Any]) -> dict[str, int]:
    """Mark your notifications read. Params: ids (a list) or all (true). Returns
    `marked`: how many of yours changed; ids that are not yours are ignored."""
    user = _caller(ctx)
    if not params["ids"] and not params["all"]:
        raise ValidationError({"ids": ["Give the ids to mark read, or all=true"]})
    query = update(Notification).where(Notification.user_id == user.id,
                                       Notification.read_at.is_(None))
    if not params["all"]:
        query = query.where(Notification.id.in_(params["ids"]))
    marked = ctx.session.execute(query.values(read_at=utcnow())).rowcount
    audit.append(ctx.session, actor=ctx.actor, action=ctx.action, object_type="user",
                 object_id=user.id, detail={"marked": marked, "all": params["all"]})
    return {"marked": marked}
