"""Who a request is: the Caller behind a password, an API token or a web session.

Lookups read the user (and for a grant token its grant) in their own short
transaction, before the action's; an account that is not active (disabled by the
bureau) is nobody, and so is an expired token.

Signing in through the pages is `sign_in` (password, lockout, audit) and then, for an
account with a second factor, `second_factor`; the web layer keeps the session
(portal/sessions.py) at the stage these answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from portal import audit, lockout, passwords, totp
from portal.access import token_caller
from portal.core.clock import Clock
from portal.core.context import Caller
from portal.core.tokens import hash_token
from portal.crypto import FieldCipher
from portal.models import ApiToken, GrantToken, RecoveryCode, TotpCredential, User
from portal.sessions import SessionStore
from portal.settings import Settings

# Passwords are at most 200 characters (the actions' schemas); a longer one typed at
# sign-in is not hashed at all.
PASSWORD_MAX = 1024
# A token's last use is written at most this often from one address.
TOKEN_TOUCH_EVERY = timedelta(minutes=1)


def caller_for_user(user: User) -> Caller:
    roles = {m.organization_id: m.role for m in user.memberships}
    return Caller(id=user.id, name=user.name, sysadmin=user.sysadmin, roles=roles)


def _aware(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None \
        else moment


def token_expiry(row: ApiToken, max_days: int) -> datetime:
    """When a token stops working: its own date, or (a token made without one, such as a
    grant's) `max_days` after it was made."""
    expires = _aware(row.expires_at)
    if expires is not None:
        return expires
    created = _aware(row.created_at) or datetime.now(UTC)
    return created + timedelta(days=max_days)


@dataclass(frozen=True)
class SignIn:
    """What a password step came to: `status` is "ok", "failed" or "locked" (the last
    two shown alike, saying nothing of whether the name exists); on "ok", `stage` is
    where the session starts: "code", "enroll", "change" or "full"."""

    status: str
    user_id: str = ""
    stage: str = ""


def next_stage(user: User, enrolled: bool, totp_required: bool, after: str = "") -> str:
    """The next step of signing in once `after` ("password", "code", "enroll", "change")
    is done."""
    steps = []
    if after == "password":
        steps.append("code" if enrolled else "")
    if after in ("password", "code") and not enrolled and user.sysadmin and totp_required:
        steps.append("enroll")
    if after != "change" and user.must_change_password:
        steps.append("change")
    return next((s for s in steps if s), "full")


class Authenticator:
    """Finds callers in the portal's database by the portal's clock."""

    def __init__(self, session_factory: sessionmaker[Session], clock: Clock,
                 settings: Settings, cipher: FieldCipher | None = None) -> None:
        self.session_factory = session_factory
        self.clock = clock
        self.settings = settings
        self.cipher = cipher
        self.limits = lockout.Limits.from_settings(settings)
        self.sessions = SessionStore(session_factory, clock, settings)
        self.policy = passwords.Policy.from_settings(settings)
        section: Mapping[str, Any] = settings.data.get("accounts", {})
        self.totp_required = bool(section.get("totp_required_for_sysadmins", True))
        self.token_days_max = int(section.get("token_days_max", 365))

    def today(self) -> Any:
        return self.clock.today()

    # --- lookups ------------------------------------------------------------------------

    def by_name(self, name: str) -> Caller | None:
        with self.session_factory() as session:
            user = session.scalar(select(User).where(User.name == name, User.state == "active"))
            return caller_for_user(user) if user else None

    def by_id(self, user_id: str) -> Caller | None:
        """The user of a web session; None once the account is no longer active."""
        with self.session_factory() as session:
            user = session.get(User, user_id) if user_id and "\x00" not in user_id else None
            if user is None or user.state != "active":
                return None
            return caller_for_user(user)

    def user_facts(self, user_id: str) -> dict[str, Any] | None:
        """Name, sysadmin flag, enrolment and the forced change of an active user."""
        with self.session_factory() as session:
            user = session.get(User, user_id)
            if user is None or user.state != "active":
                return None
            cred = session.get(TotpCredential, user.id)
            return {"name": user.name, "sysadmin": user.sysadmin,
                    "enrolled": bool(cred and cred.confirmed_at),
                    "must_change_password": user.must_change_password}

    def by_password(self, name: str, password: str) -> Caller | None:
        """The Caller whose name and password these are; None when either is wrong (no
        lockout or audit: the pages sign in with `sign_in`)."""
        with self.session_factory() as session:
            user = self._user_named(session, lockout.name_key(name))
            if user is None:
                passwords.dummy_verify(password or "")
                return None
            if not passwords.verify(user.password_hash, password or "").ok:
                return None
            return caller_for_user(user)

    @staticmethod
    def _user_named(session: Session, key: str) -> User | None:
        if not key:
            return None
        user = session.scalar(select(User).where(User.name == key))
        if user is None or user.state != "active" or not user.password_hash:
            return None
        return user

    # --- signing in ---------------------------------------------------------------------

    def sign_in(self, name: str, password: str, address: str) -> SignIn:
        """The password step: lockout first (the right password is refused while the name
        or the address is locked), then the check, counted and audited either way."""
        key, addr = lockout.name_key(name), lockout.address_key(address)
        if len(password or "") > PASSWORD_MAX:  # no stored password is this long: a failure
            password = ""
        now = self.clock.now()
        with self.session_factory() as session, session.begin():
            audit.lock_head(session)
            if lockout.locked(session, key, addr, now):
                passwords.dummy_verify(password or "")
                self._audit(session, key or "anonymous", "sign_in_refused_locked",
                            {"name": key, "address": addr})
                return SignIn("locked")
            user = self._user_named(session, key)
            if user is None:
                passwords.dummy_verify(password or "")
                checked = passwords.Verified(False)
            else:
                checked = passwords.verify(user.password_hash, password or "")
            if not checked.ok or user is None:
                return self._failed(session, key, addr, now, "password")
            if checked.needs_rehash:
                user.password_hash = passwords.hash_password(password)
            lockout.clear_name(session, key)
            cred = session.get(TotpCredential, user.id)
            stage = next_stage(user, bool(cred and cred.confirmed_at), self.totp_required,
                               "password")
            self._audit(session, user.name, "sign_in" if stage == "full" else "sign_in_password",
                        {"address": addr, "next": stage}, user.id)
            return SignIn("ok", user.id, stage)

    def _failed(self, session: Session, key: str, addr: str, now: datetime,
                step: str) -> SignIn:
        newly = lockout.record_failure(session, self.limits, key, addr, now)
        self._audit(session, key or "anonymous", "sign_in_failed",
                    {"name": key, "address": addr, "step": step})
        for locked_key in newly:
            self._audit(session, key or "anonymous", "sign_in_lockout",
                        {"locked": locked_key, "minutes": self.limits.lockout.seconds // 60})
        return SignIn("locked" if newly else "failed")

    def second_factor(self, user_id: str, code: str, address: str) -> SignIn:
        """The code step: a TOTP code not used before, or an unused recovery code. Failures
        count towards the same lockout as wrong passwords."""
        addr = lockout.address_key(address)
        now = self.clock.now()
        with self.session_factory() as session, session.begin():
            audit.lock_head(session)
            user = session.get(User, user_id)
            cred = session.get(TotpCredential, user_id)
            if user is None or user.state != "active" or cred is None or not cred.confirmed_at:
                return SignIn("failed")
            if lockout.locked(session, user.name, addr, now):
                self._audit(session, user.name, "sign_in_refused_locked",
                            {"name": user.name, "address": addr, "step": "code"})
                return SignIn("locked")
            how = self._use_code(session, user, cred, code, now)
            if how is None:
                return self._failed(session, user.name, addr, now, "code")
            lockout.clear_name(session, user.name)
            stage = next_stage(user, True, self.totp_required, "code")
            self._audit(session, user.name, "sign_in", {"address": addr, "second_factor": how,
                                                        "next": stage}, user.id)
            return SignIn("ok", user.id, stage)

    def _use_code(self, session: Session, user: User, cred: TotpCredential, code: str,
                  now: datetime) -> str | None:
        secret = self.cipher.decrypt(cred.secret_encrypted) if self.cipher else ""
        step = totp.matching_step(secret, code, now, cred.last_step) if secret else None
        if step is not None:
            cred.last_step = step
            return "totp"
        row = session.scalar(select(RecoveryCode).where(
            RecoveryCode.user_id == user.id, RecoveryCode.code_hash == totp.recovery_hash(code),
            RecoveryCode.used_at.is_(None)))
        if row is not None:
            row.used_at = now
            return "recovery_code"
        return None

    @staticmethod
    def _audit(session: Session, actor: str, action: str, detail: dict[str, Any],
               object_id: str = "") -> None:
        audit.append(session, actor=actor[:100], action=action, object_type="user",
                     object_id=object_id, detail=detail)

    def sign_out(self, raw_session: str, user_name: str, address: str) -> None:
        self.sessions.end(raw_session)
        with self.session_factory() as session, session.begin():
            audit.lock_head(session)
            self._audit(session, user_name, "sign_out",
                        {"address": lockout.address_key(address)})

    # --- API tokens ---------------------------------------------------------------------

    def _live_token(self, session: Session, token: str) -> tuple[ApiToken, User] | None:
        row = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
        if row is None or token_expiry(row, self.token_days_max) <= self.clock.now():
            return None
        user = session.get(User, row.user_id)
        if user is None or user.state != "active":
            return None
        return row, user

    def by_token(self, token: str) -> Caller | None:
        if not token or len(token) > 500:
            return None
        with self.session_factory() as session:
            found = self._live_token(session, token)
            if found is None:
                return None
            row, user = found
            caller = caller_for_user(user)
            link = session.get(GrantToken, row.id)
            # A grant token: the grant's power only, refused once the grant is not current.
            return token_caller(session, caller, link.grant_id, self.today()) \
                if link else caller

    def note_token_use(self, token: str, address: str) -> None:
        """Record when and from where a good token was last used; a use from an address
        the token was not last used from is audited."""
        if not token or len(token) > 500:
            return
        addr = lockout.address_key(address)
        now = self.clock.now()
        with self.session_factory() as session:
            found = self._live_token(session, token)
            if found is None:
                return
            row = found[0]
            last = _aware(row.last_access)
            if row.last_address == addr and last is not None and now - last < TOKEN_TOUCH_EVERY:
                return
        with self.session_factory() as session, session.begin():
            audit.lock_head(session)
            found = self._live_token(session, token)
            if found is None:
                return
            row, user = found
            if row.last_address != addr:
                self._audit(session, user.name, "api_token_new_address",
                            {"token": row.id, "address": addr,
                             "previous": row.last_address}, user.id)
            row.last_access, row.last_address = now, addr
