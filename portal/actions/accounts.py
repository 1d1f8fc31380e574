"""Users and API tokens. Passwords are argon2 hashes checked against the policy
(portal/actions/account_security.py); e-mails are encrypted; tokens expire."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from portal import audit, passwords
from portal.actions import lookup
from portal.actions.account_security import PASSWORD, check_password
from portal.actions.permissions import Target, authorize, is_authorized
from portal.actions.registry import action
from portal.authentication import token_expiry
from portal.core.context import Context
from portal.core.dictize import ckan_time, user_dict
from portal.core.errors import NotFound, ValidationError
from portal.core.tokens import hash_token, new_token
from portal.core.validation import (
    MISSING,
    FromContext,
    Validator,
    boolean,
    default,
    email,
    integer,
    optional,
    reference,
    required,
    slug,
    string,
)
from portal.models import ApiToken, User
from portal.models.base import new_id

USER_SCHEMA = {
    "name": [required, slug],
    "fullname": [default(""), string(200)],
    "email": [optional, email],
    "password": [optional, *PASSWORD[1:]],
    "about": [default(""), string(5000)],
    "sysadmin": [default(False), boolean],
}


def _audit(ctx: Context, object_type: str, object_id: str, detail: dict[str, Any]) -> None:
    audit.append(ctx.session, actor=ctx.actor, action=ctx.action, object_type=object_type,
                 object_id=object_id, detail=detail)


@action(schema=USER_SCHEMA)
def user_create(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Create a user account (bureau staff only). Params: name, fullname, email,
    password (the password policy; at least 10 characters for a sysadmin), about,
    sysadmin."""
    return _insert_user(ctx, params)


# Self-service accounts (citizens, companies): a password and an address to reach them,
# never sysadmin; a bureau member makes staff accounts with user_create. The password's
# policy is in the schema, so a weak one is reported together with the other fields.
REGISTER_SCHEMA = {
    "name": [required, slug],
    "fullname": [default(""), string(200)],
    "email": [required, email],
    "password": PASSWORD,
}


@action(schema=REGISTER_SCHEMA)
def user_register(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Create your own account (the sign-up page). Params: name, fullname, email (stored
    encrypted), password (the password policy). The account is never a sysadmin and
    belongs to no organization. Anyone."""
    return _insert_user(ctx, {**params, "about": "", "sysadmin": False})


def _insert_user(ctx: Context, clean: dict[str, Any]) -> dict[str, Any]:
    if clean.get("password"):
        check_password(ctx, clean["password"], clean["name"], bool(clean.get("sysadmin")))
    if ctx.session.scalar(select(User.id).where(User.name == clean["name"])):
        raise ValidationError({"name": ["That login name is already in use"]})
    cipher = ctx.portal.cipher
    user = User(
        id=new_id(), name=clean["name"], fullname=clean["fullname"], about=clean["about"],
        sysadmin=clean["sysadmin"], email_encrypted=cipher.encrypt(clean.get("email", "")),
        email_lookup=cipher.lookup(clean.get("email", "")),
        password_hash=passwords.hash_password(clean["password"]) if clean.get("password") else "",
        password_changed_at=ctx.now() if clean.get("password") else None,
    )
    ctx.session.add(user)
    ctx.session.flush()
    _audit(ctx, "user", user.id, {"name": user.name, "sysadmin": user.sysadmin})
    return user_dict(user, private=True, email=clean.get("email", ""))


@action(read_only=True, schema={"id": [reference]})
def user_show(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Return a user. Params: id (id or name). The user themself and bureau staff get the
    whole record (full name, e-mail, sysadmin flag, state, memberships); anyone else only
    the public part: id, login name (as display_name too) and when the account was made.
    A full name is personal information (staff are real people, citizens register with
    theirs), and the sysadmin flag tells a prober whom to attack."""
    user = lookup.user(ctx.session, params["id"])
    if not is_authorized(ctx, Target(user_id=user.id), action="api_token_list"):
        return {"id": user.id, "name": user.name, "display_name": user.name,
                "created": ckan_time(user.created)}
    if ctx.user is None or ctx.user.id != user.id:  # another's personal fields: audited
        audit.record_read(ctx, object_type="user", object_id=user.id, subjects=[user.name],
                          fields=["fullname", "email"])
    return user_dict(user, private=True, email=ctx.portal.cipher.decrypt(user.email_encrypted))


def _target_user(ctx: Context, ref: str | None) -> User:
    """The user named, or the caller (the registry has refused anonymous callers)."""
    assert ctx.user is not None
    user = lookup.user(ctx.session, ref or ctx.user.name)
    authorize(ctx, Target(user_id=user.id))
    return user


def _token_days(ctx: Context) -> Validator:
    accounts = ctx.portal.settings.data.get("accounts", {})
    longest = int(accounts.get("token_days_max", 365))
    check = integer(1, longest)

    def days(value: object) -> int:
        if value is MISSING or value is None or value == "":
            value = accounts.get("token_days_default", 90)
        return check(value)

    return days


TOKEN_CREATE_SCHEMA = {"user": [optional, reference], "name": [default("api"), string(200)],
                       "expires_in_days": [FromContext(_token_days)]}
TOKEN_LIST_SCHEMA = {"user_id": [optional, reference], "user": [optional, reference]}
TOKEN_REVOKE_SCHEMA = {"jti": [optional, string(36)], "token": [optional, string(200)]}


@action(schema=TOKEN_CREATE_SCHEMA)
def api_token_create(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Create an API token; it is shown only in this response. Params: user (name or id;
    yourself by default), name, expires_in_days (the settings' default and maximum:
    90 and 365 days)."""
    user = _target_user(ctx, params.get("user"))
    token = new_token()
    expires = ctx.now() + timedelta(days=params["expires_in_days"])
    row = ApiToken(id=new_id(), user_id=user.id, name=params["name"],
                   token_hash=hash_token(token), expires_at=expires)
    ctx.session.add(row)
    ctx.session.flush()
    _audit(ctx, "api_token", row.id, {"user": user.name, "name": row.name,
                                      "expires": ckan_time(expires)})
    return {"token": token, "id": row.id, "name": row.name, "expires": ckan_time(expires)}


@action(read_only=True, schema=TOKEN_LIST_SCHEMA)
def api_token_list(ctx: Context, params: dict[str, Any]) -> list[dict[str, Any]]:
    """List a user's API tokens (never the tokens themselves): id, name, created, expiry,
    last use (time and address). Params: user_id (or user; yourself by default)."""
    user = _target_user(ctx, params.get("user_id") or params.get("user"))
    rows = ctx.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                               .order_by(ApiToken.created_at))
    return [{"id": r.id, "name": r.name, "user_id": r.user_id,
             "created_at": ckan_time(r.created_at), "last_access": ckan_time(r.last_access),
             "last_address": r.last_address,
             "expires": ckan_time(token_expiry(r, int(_setting(ctx, "token_days_max", 365)))),
             "expired": token_expiry(r, int(_setting(ctx, "token_days_max", 365))) <= ctx.now()}
            for r in rows]


def _setting(ctx: Context, key: str, fallback: object) -> object:
    return ctx.portal.settings.data.get("accounts", {}).get(key, fallback)


@action(schema=TOKEN_REVOKE_SCHEMA)
def api_token_revoke(ctx: Context, params: dict[str, Any]) -> None:
    """Revoke an API token: it authenticates nobody from now on. Params: jti (the
    token's id) or token (the token itself). Its owner or a sysadmin."""
    if "jti" in params:
        row = ctx.session.get(ApiToken, params["jti"])
    elif "token" in params:
        row = ctx.session.scalar(select(ApiToken).where(
            ApiToken.token_hash == hash_token(params["token"])))
    else:
        raise ValidationError({"jti": ["Give jti (the token id) or token"]})
    if row is None:
        raise NotFound("API token not found")
    authorize(ctx, Target(user_id=row.user_id))
    ctx.session.delete(row)
    _audit(ctx, "api_token", row.id, {"revoked": True, "user_id": row.user_id})
    return None
