"""Accounts kept safe (MLPS 2.0 level 3): the password policy, password change and reset,
disabling an account, and the second factor (TOTP with recovery codes).

Every change here ends the user's web sessions (a changed password, a reset, a disabled
account, a removed second factor), so a stolen cookie stops working. Signing in itself
is portal/authentication.py's.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from portal import audit, passwords, totp
from portal.actions import lookup
from portal.actions.permissions import Target, authorize
from portal.actions.registry import action
from portal.core.context import SYSTEM, Context
from portal.core.errors import NotAuthorized, ValidationError
from portal.core.validation import (
    FromContext,
    Invalid,
    Validator,
    boolean,
    default,
    optional,
    reference,
    required,
    string,
)
from portal.models import RecoveryCode, TotpCredential, User
from portal.sessions import end_user_sessions


def policy(ctx: Context) -> passwords.Policy:
    return passwords.Policy.from_settings(ctx.portal.settings)


def _policy_check(ctx: Context) -> Validator:
    """The checks that need only the password (length, classes, common list), in the
    schema so they are reported with the other fields. The server's own operator (the
    CLI, the demo loader: SYSTEM) is held to the length and the list, not the classes."""
    rules = policy(ctx)
    if ctx.user is SYSTEM:
        rules = passwords.Policy(rules.min_length, rules.min_length, 0, rules.common_file)

    def check(value: str) -> str:
        found = rules.problems(value)
        if found:
            raise Invalid(found[0])
        return value

    return check


# The schema's validators for a password a person chooses.
PASSWORD = [required, string(200), FromContext(_policy_check)]


def check_password(ctx: Context, password: str, name: str, staff: bool,
                   field: str = "password") -> None:
    """The whole policy, with what the schema cannot know: the account's name and whether
    it is staff (bureau staff and members of organizations need a longer one)."""
    rules = policy(ctx)
    if ctx.user is SYSTEM:
        rules = passwords.Policy(rules.min_length, rules.min_length_staff, 0, rules.common_file)
    found = rules.problems(password, name=name, staff=staff)
    if found:
        raise ValidationError({field: found})


def is_staff(user: User) -> bool:
    return bool(user.sysadmin or user.memberships)


def _audit(ctx: Context, user: User, detail: dict[str, Any]) -> None:
    audit.append(ctx.session, actor=ctx.actor, action=ctx.action, object_type="user",
                 object_id=user.id, detail={"user": user.name, **detail})


def _set_password(ctx: Context, user: User, password: str, *, must_change: bool) -> None:
    user.password_hash = passwords.hash_password(password)
    user.must_change_password = must_change
    user.password_changed_at = ctx.now()


# --- password change, reset, disable -----------------------------------------------------

CHANGE_SCHEMA = {"old_password": [required, string(200)], "new_password": PASSWORD}


@action(schema=CHANGE_SCHEMA)
def user_password_change(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Change your own password. Params: old_password (your current one), new_password
    (the policy: length, three kinds of characters, not a common password, not your
    name). Every web session of yours ends; the page starts a new one for you."""
    assert ctx.user is not None
    user = lookup.user(ctx.session, ctx.user.id)
    if not passwords.verify(user.password_hash, params.get("old_password", "")).ok:
        raise ValidationError({"old_password": ["The current password is wrong"]})
    new = params["new_password"]
    check_password(ctx, new, user.name, is_staff(user), "new_password")
    if passwords.verify(user.password_hash, new).ok:
        raise ValidationError({"new_password": ["Must differ from the current password"]})
    _set_password(ctx, user, new, must_change=False)
    ended = end_user_sessions(ctx.session, user.id)
    _audit(ctx, user, {"sessions_ended": ended})
    return {"name": user.name, "sessions_ended": ended}


@action(schema={"id": [reference]})
def user_password_reset(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Reset a user's password (bureau staff): returns `password`, a temporary password
    to hand over; the user must change it at the next sign-in. Their web sessions end.
    Params: id (id or name). Sysadmins."""
    user = lookup.user(ctx.session, params["id"])
    authorize(ctx, Target(user_id=user.id))
    temporary = passwords.temporary_password()
    _set_password(ctx, user, temporary, must_change=True)
    ended = end_user_sessions(ctx.session, user.id)
    _audit(ctx, user, {"sessions_ended": ended})
    return {"name": user.name, "password": temporary, "must_change_password": True}


def _set_state(ctx: Context, ref: str, state: str) -> dict[str, Any]:
    user = lookup.user(ctx.session, ref)
    authorize(ctx, Target(user_id=user.id))
    if ctx.user is not None and user.id == ctx.user.id:
        raise NotAuthorized("You may not disable or enable your own account")
    user.state = state
    ended = end_user_sessions(ctx.session, user.id) if state != "active" else 0
    _audit(ctx, user, {"state": state, "sessions_ended": ended})
    return {"name": user.name, "state": state}


@action(schema={"id": [reference]})
def user_disable(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Disable an account (bureau staff): it cannot sign in, its API tokens authenticate
    nobody and its web sessions end at once. Params: id (id or name). Not yourself.
    Sysadmins."""
    return _set_state(ctx, params["id"], "disabled")


@action(schema={"id": [reference]})
def user_enable(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Enable a disabled account again. Params: id (id or name). Sysadmins."""
    return _set_state(ctx, params["id"], "active")


# --- the second factor ---------------------------------------------------------------------


def _issuer(ctx: Context) -> str:
    return str(ctx.portal.settings.get("site", "title_en", "") or "Shuyuan")


@action(schema={"new": [default(False), boolean]})
def user_totp_setup(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Start enrolling a second factor (TOTP) for yourself: returns `secret` and `uri`
    (otpauth://, for an authenticator app's QR code). A secret not yet confirmed is
    given again unless `new` is true. Nothing is required at sign-in until
    user_totp_confirm; an enrolled factor must be removed first. Signed-in users."""
    assert ctx.user is not None
    user = lookup.user(ctx.session, ctx.user.id)
    cred = ctx.session.get(TotpCredential, user.id)
    if cred is not None and cred.confirmed_at is not None:
        raise ValidationError({"new": ["A second factor is already enrolled; remove it "
                                       "first (user_totp_disable)"]})
    secret = ctx.portal.cipher.decrypt(cred.secret_encrypted) if cred is not None else ""
    if not secret or params["new"]:
        secret = totp.new_secret()
        if cred is None:
            cred = TotpCredential(user_id=user.id, secret_encrypted="", last_step=0)
            ctx.session.add(cred)
        cred.secret_encrypted = ctx.portal.cipher.encrypt(secret)
        cred.last_step = 0
        ctx.session.flush()
    _audit(ctx, user, {"enrolled": False, "new_secret": bool(params["new"])})
    return {"secret": secret, "uri": totp.provisioning_uri(secret, user.name, _issuer(ctx))}


@action(schema={"code": [required, string(40)]})
def user_totp_confirm(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Finish enrolling: `code`, the app's current code. Returns `recovery_codes`, ten
    single-use codes shown only now. Signed-in users."""
    assert ctx.user is not None
    user = lookup.user(ctx.session, ctx.user.id)
    cred = ctx.session.get(TotpCredential, user.id)
    if cred is None or cred.confirmed_at is not None:
        raise ValidationError({"code": ["Start with user_totp_setup"]})
    secret = ctx.portal.cipher.decrypt(cred.secret_encrypted)
    step = totp.matching_step(secret, params.get("code", ""), ctx.now(), cred.last_step)
    if step is None:
        raise ValidationError({"code": ["The code is wrong or has expired"]})
    cred.last_step = step
    cred.confirmed_at = ctx.now()
    codes = _new_recovery_codes(ctx, user)
    _audit(ctx, user, {"enrolled": True})
    return {"recovery_codes": codes}


def _new_recovery_codes(ctx: Context, user: User) -> list[str]:
    ctx.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = totp.new_recovery_codes()
    ctx.session.add_all(RecoveryCode(user_id=user.id, code_hash=totp.recovery_hash(c))
                        for c in codes)
    return codes


@action(schema={"id": [optional, reference], "password": [optional, string(200)]})
def user_totp_disable(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Remove a second factor and its recovery codes: your own (with `password`, your
    current password, so a stolen API token cannot), or any user's (bureau staff, for a
    lost phone). A sysadmin must enrol again at the next sign-in. The user's web
    sessions end. Params: id (id or name; yourself by default), password."""
    assert ctx.user is not None
    user = lookup.user(ctx.session, params.get("id") or ctx.user.id)
    authorize(ctx, Target(user_id=user.id))
    if user.id == ctx.user.id and not passwords.verify(user.password_hash,
                                                       params.get("password", "")).ok:
        raise ValidationError({"password": ["The current password is wrong"]})
    ctx.session.execute(delete(TotpCredential).where(TotpCredential.user_id == user.id))
    ctx.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    ended = end_user_sessions(ctx.session, user.id)
    _audit(ctx, user, {"enrolled": False, "sessions_ended": ended})
    return {"name": user.name, "enrolled": False}


@action(read_only=True, schema={"id": [optional, reference]})
def user_security_show(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """An account's security state: `state`, `enrolled` (second factor),
    `recovery_codes_left`, `must_change_password`, `password_changed_at`. Params: id
    (yourself by default). The user themself or a sysadmin."""
    assert ctx.user is not None
    user = lookup.user(ctx.session, params.get("id") or ctx.user.id)
    authorize(ctx, Target(user_id=user.id))
    cred = ctx.session.get(TotpCredential, user.id)
    left = ctx.session.scalars(select(RecoveryCode.id).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))).all()
    changed = user.password_changed_at
    return {"name": user.name, "state": user.state, "sysadmin": user.sysadmin,
            "enrolled": bool(cred and cred.confirmed_at), "recovery_codes_left": len(left),
            "must_change_password": user.must_change_password,
            "password_changed_at": changed.isoformat() if changed else None}
