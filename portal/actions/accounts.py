"""Users and API tokens. Passwords are salted hashes; e-mails are encrypted."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from portal import audit
from portal.actions import lookup
from portal.actions.permissions import Target, authorize, is_authorized
from portal.actions.registry import action
from portal.core.context import Context
from portal.core.dictize import ckan_time, user_dict
from portal.core.errors import NotFound, ValidationError
from portal.core.tokens import hash_token, new_token
from portal.core.validation import (
    Invalid,
    boolean,
    default,
    email,
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
    "password": [optional, string(200)],
    "about": [default(""), string(5000)],
    "sysadmin": [default(False), boolean],
}


def _audit(ctx: Context, object_type: str, object_id: str, detail: dict[str, Any]) -> None:
    audit.append(ctx.session, actor=ctx.actor, action=ctx.action, object_type=object_type,
                 object_id=object_id, detail=detail)


@action(schema=USER_SCHEMA)
def user_create(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Create a user account (bureau staff only). Params: name, fullname, email,
    password (at least 8 characters), about, sysadmin."""
    return _insert_user(ctx, params)


# Self-service accounts (citizens, companies): a password and an address to reach them,
# never sysadmin; a bureau member makes staff accounts with user_create.
def _long_enough(password: str) -> str:
    # In the schema, so a short password is reported together with the other fields.
    if len(password) < 8:
        raise Invalid("Must be at least 8 characters long")
    return password


REGISTER_SCHEMA = {
    "name": [required, slug],
    "fullname": [default(""), string(200)],
    "email": [required, email],
    "password": [required, string(200), _long_enough],
}


@action(schema=REGISTER_SCHEMA)
def user_register(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Create your own account (the sign-up page). Params: name, fullname, email (stored
    encrypted), password (at least 8 characters). The account is never a sysadmin and
    belongs to no organization. Anyone."""
    return _insert_user(ctx, {**params, "about": "", "sysadmin": False})


def _insert_user(ctx: Context, clean: dict[str, Any]) -> dict[str, Any]:
    if "password" in clean and len(clean["password"]) < 8:
        raise ValidationError({"password": ["Must be at least 8 characters long"]})
    if ctx.session.scalar(select(User.id).where(User.name == clean["name"])):
        raise ValidationError({"name": ["That login name is already in use"]})
    cipher = ctx.portal.cipher
    user = User(
        id=new_id(), name=clean["name"], fullname=clean["fullname"], about=clean["about"],
        sysadmin=clean["sysadmin"], email_encrypted=cipher.encrypt(clean.get("email", "")),
        email_lookup=cipher.lookup(clean.get("email", "")),
        password_hash=generate_password_hash(clean["password"]) if clean.get("password") else "",
    )
    ctx.session.add(user)
    ctx.session.flush()
    _audit(ctx, "user", user.id, {"name": user.name, "sysadmin": user.sysadmin})
    return user_dict(user, private=True, email=clean.get("email", ""))


@action(read_only=True, schema={"id": [reference]})
def user_show(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Return a user. Params: id (id or name). E-mail and memberships only for the
    user themself and bureau staff."""
    user = lookup.user(ctx.session, params["id"])
    private = is_authorized(ctx, Target(user_id=user.id), action="api_token_list")
    return user_dict(user, private=private,
                     email=ctx.portal.cipher.decrypt(user.email_encrypted) if private else "")


def _target_user(ctx: Context, ref: str | None) -> User:
    """The user named, or the caller (the registry has refused anonymous callers)."""
    assert ctx.user is not None
    user = lookup.user(ctx.session, ref or ctx.user.name)
    authorize(ctx, Target(user_id=user.id))
    return user


TOKEN_CREATE_SCHEMA = {"user": [optional, reference], "name": [default("api"), string(200)]}
TOKEN_LIST_SCHEMA = {"user_id": [optional, reference], "user": [optional, reference]}
TOKEN_REVOKE_SCHEMA = {"jti": [optional, string(36)], "token": [optional, string(200)]}


@action(schema=TOKEN_CREATE_SCHEMA)
def api_token_create(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Create an API token; it is shown only in this response. Params: user (name or id;
    yourself by default), name."""
    user = _target_user(ctx, params.get("user"))
    token = new_token()
    row = ApiToken(id=new_id(), user_id=user.id, name=params["name"],
                   token_hash=hash_token(token))
    ctx.session.add(row)
    ctx.session.flush()
    _audit(ctx, "api_token", row.id, {"user": user.name, "name": row.name})
    return {"token": token, "id": row.id, "name": row.name}


@action(read_only=True, schema=TOKEN_LIST_SCHEMA)
def api_token_list(ctx: Context, params: dict[str, Any]) -> list[dict[str, Any]]:
    """List a user's API tokens (never the tokens themselves). Params: user_id (or user;
    yourself by default)."""
    user = _target_user(ctx, params.get("user_id") or params.get("user"))
    rows = ctx.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                               .order_by(ApiToken.created_at))
    return [{"id": r.id, "name": r.name, "user_id": r.user_id,
             "created_at": ckan_time(r.created_at), "last_access": ckan_time(r.last_access)}
            for r in rows]


@action(schema=TOKEN_REVOKE_SCHEMA)
def api_token_revoke(ctx: Context, params: dict[str, Any]) -> None:
    """Revoke an API token. Params: jti (the token's id) or token (the token itself)."""
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
    _audit(ctx, "api_token", row.id, {"revoked": True})
    return None
