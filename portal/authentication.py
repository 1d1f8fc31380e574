"""Who a request is: the Caller behind a password, an API token or a session's user id.

Lookups read the user (and for a grant token its grant) in their own short
transaction, before the action's; an account that is no longer active is nobody.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.security import check_password_hash, generate_password_hash

from portal.access import token_caller
from portal.core.context import Caller
from portal.core.tokens import hash_token
from portal.models import ApiToken, GrantToken, User


@functools.cache
def _dummy_hash() -> str:
    """Checked against when a sign-in names no usable account, so that it takes as long
    as a real check (werkzeug's default method and cost); made once, on first use."""
    return generate_password_hash(secrets.token_hex(16))


def caller_for_user(user: User) -> Caller:
    roles = {m.organization_id: m.role for m in user.memberships}
    return Caller(id=user.id, name=user.name, sysadmin=user.sysadmin, roles=roles)


class Authenticator:
    """Finds callers in the portal's database; `today` is the portal's clock."""

    def __init__(self, session_factory: sessionmaker[Session],
                 today: Callable[[], date]) -> None:
        self.session_factory = session_factory
        self.today = today

    def by_name(self, name: str) -> Caller | None:
        with self.session_factory() as session:
            user = session.scalar(select(User).where(User.name == name, User.state == "active"))
            return caller_for_user(user) if user else None

    def by_id(self, user_id: str) -> Caller | None:
        """The signed-in user of a web session; None once the account is no longer active."""
        with self.session_factory() as session:
            user = session.get(User, user_id) if user_id and "\x00" not in user_id else None
            if user is None or user.state != "active":
                return None
            return caller_for_user(user)

    def by_password(self, name: str, password: str) -> Caller | None:
        """The Caller whose name and password these are; None when either is wrong.

        A hash is checked even when there is no such (active) user, against a dummy
        hash of the same method, so the time taken does not tell which one was wrong.
        """
        with self.session_factory() as session:
            user = session.scalar(select(User).where(User.name == name)) if name else None
            if user is None or user.state != "active" or not user.password_hash:
                check_password_hash(_dummy_hash(), password or "")
                return None
            if not check_password_hash(user.password_hash, password or ""):
                return None
            return caller_for_user(user)

    def by_token(self, token: str) -> Caller | None:
        if not token:
            return None
        with self.session_factory() as session:
            row = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
            if row is None:
                return None
            user = session.get(User, row.user_id)
            if user is None or user.state != "active":
                return None
            caller = caller_for_user(user)
            link = session.get(GrantToken, row.id)
            # A grant token: the grant's power only, refused once the grant is not current.
            return token_caller(session, caller, link.grant_id, self.today()) \
                if link else caller
