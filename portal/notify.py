"""Telling users about things: `notify(session, user_ids, kind, subject, body, link)`.

Call it inside the action's transaction: the notifications and their e-mail
outbox rows commit with the change they report, or vanish with its rollback.
After the commit the portal's mail sender (portal.mailer) drains the outbox.

    notify(ctx.session, [reviewer.id], "publication_submitted",
           "待审核：学校名录", "教育局提交了目录条目「学校名录」，请审核。",
           link="/dataset/schools")
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.models import EmailOutbox, Membership, Notification, User
from portal.models.base import new_id, utcnow

# Set on a session whose transaction wrote outbox rows; the sender drains after its commit.
MAIL_QUEUED = "mail_outbox_queued"


def notify(session: Session, user_ids: Iterable[str], kind: str, subject: str, body: str,
           link: str = "", email: bool = True) -> list[Notification]:
    """Write one notification per user (duplicates and unknown ids dropped) and, when
    `email` is true, an outbox row for each active user with an e-mail address."""
    wanted = list(dict.fromkeys(i for i in user_ids if i))
    if not wanted:
        return []
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(wanted)))}
    now = utcnow()
    made = [Notification(id=new_id(), user_id=i, kind=kind, subject=subject[:300], body=body,
                         link=link, created=now) for i in wanted if i in users]
    session.add_all(made)
    # No ORM relationship orders the inserts: the notifications go first (foreign key).
    session.flush()
    mail = [EmailOutbox(notification_id=n.id, user_id=n.user_id, subject=n.subject, body=body,
                        created=now, state="pending", attempts=0, next_attempt_at=now,
                        last_error="")
            for n in made if email and users[n.user_id].email_encrypted
            and users[n.user_id].state == "active"]
    if mail:
        session.add_all(mail)
        session.flush()
        session.info[MAIL_QUEUED] = True
    return made


def unread_count(session: Session, user_id: str) -> int:
    return session.scalar(select(func.count()).select_from(Notification)
                          .where(Notification.user_id == user_id,
                                 Notification.read_at.is_(None))) or 0


def bureau_staff(session: Session) -> list[str]:
    """The bureau's reviewers: active sysadmins."""
    return list(session.scalars(select(User.id).where(User.sysadmin.is_(True),
                                                      User.state == "active")))


def organization_staff(session: Session, organization_ids: Iterable[str],
                       roles: Iterable[str] = ("admin",)) -> list[str]:
    """Members of any of the organizations holding one of `roles`."""
    wanted = [o for o in organization_ids if o]
    if not wanted:
        return []
    return list(session.scalars(select(Membership.user_id).where(
        Membership.organization_id.in_(wanted), Membership.role.in_(tuple(roles)))))
