"""Rate limits on the API and the pages (flask-limiter).

Each client has one budget for the API and one for the pages, counted across every
route: an anonymous client by its address, an API token by the token (a hash of it,
never the token itself, is the key), a signed-in visitor by their account. Tokens
and accounts get higher limits than addresses. A token that is not valid counts
against its address. Static files are not limited (flask-limiter exempts the static
endpoint). Past the limit the API answers 429 in CKAN's error envelope and the pages
with a themed page, both with Retry-After.

Counters live in memory (one process; `shuyuan serve` runs one) unless
`limits.storage_uri` names a shared store such as redis://host:6379/0.
"""

from __future__ import annotations

import hashlib
import ipaddress
import time
from typing import Any

from flask import Flask, current_app, g, json, render_template, request
from flask_babel import gettext as _
from flask_limiter import ApplicationLimit, Limiter, RateLimitExceeded
from limits import parse_many
from werkzeug.wrappers import Response

from portal.core.errors import NotAuthorized

CLASSES = ("anonymous", "token", "signed_in")
DEFAULTS = {"anonymous": "120/minute", "token": "1200/minute", "signed_in": "600/minute"}


def _is_api() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


def _portal() -> Any:
    return current_app.extensions["shuyuan"]


def client_address() -> str:
    """Whom an anonymous budget belongs to: the IPv4 address, or the IPv6 /64 network (one
    subscriber's share: counting single IPv6 addresses would give each of them 2**64
    budgets); an IPv4-mapped IPv6 address is its IPv4 address."""
    raw = request.remote_addr or ""
    try:
        address = ipaddress.ip_address(raw.split("%", 1)[0])
    except ValueError:
        return raw[:64] or "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def caller_class() -> tuple[str, str]:
    """(class, identity) of the request: whom its budget belongs to. Pages know their
    visitor already (g.caller, set by the sign-in hook that runs before this one); an
    API token is looked up here, and the API reuses the answer (g.token_caller)."""
    cached = g.get("rate_identity")
    if cached is not None:
        return cached
    identity = ("anonymous", client_address())
    if _is_api():
        from portal.api.action import api_token

        token = api_token()
        if token:
            try:
                caller = _portal().caller_by_token(token)
            except NotAuthorized:  # a grant token whose grant ended: the API refuses it
                caller = None
            else:
                g.token_caller = (token, caller)
            if caller is not None:
                identity = ("token", hashlib.sha256(token.encode()).hexdigest())
    elif g.get("caller") is not None:
        identity = ("signed_in", str(g.caller.id))
    g.rate_identity = identity
    return identity


def _key() -> str:
    kind, who = caller_class()
    return f"{'api' if _is_api() else 'pages'}:{kind}:{who}"


def _retry_after() -> str:
    """Seconds until the breached window lets a request through again."""
    current = current_app.extensions["shuyuan_limiter"].current_limit
    if current is None:
        return "60"
    return str(max(1, int(current.reset_at - time.time())))


def too_many(error: RateLimitExceeded) -> Response:
    retry = _retry_after()
    if _is_api():
        name = (request.view_args or {}).get("name", "")
        message = (f"Rate limit: too many requests from this client ({error.description}); "
                   f"try again in {retry} seconds")
        body = {"help": f"{request.host_url.rstrip('/')}/api/3/action/help_show?name={name}",
                "success": False, "error": {"__type": "Rate limit", "message": message}}
        response = Response(json.dumps(body, ensure_ascii=False), status=429,
                            mimetype="application/json")
    else:
        page = render_template("error.html", code=429, title=_("Too many requests"),
                               message=_("You have sent too many requests in a short time. "
                                         "Please wait a moment and try again."), detail="")
        response = Response(page, status=429, mimetype="text/html")
    response.headers["Retry-After"] = retry
    return response


def init(app: Flask) -> Limiter | None:
    """Limit the app's requests as the settings say; None when limits are off."""
    settings = app.extensions["shuyuan"].settings
    if not settings.get("limits", "enabled", True):
        return None
    limits = {kind: str(settings.get("limits", kind, DEFAULTS[kind])) for kind in CLASSES}
    for kind, value in limits.items():  # a typo stops the portal at start, not limits off
        try:
            parse_many(value)
        except ValueError as exc:
            raise ValueError(f"limits.{kind}: {value!r} is not a rate limit ({exc})") from None
    storage = str(settings.get("limits", "storage_uri", "") or "memory://")
    limiter = Limiter(
        key_func=_key,
        application_limits=[ApplicationLimit(limit_provider=lambda: limits[caller_class()[0]],
                                             key_function=_key, scope="portal")],
        storage_uri=storage,
        # In memory, a moving window (no burst of twice the limit across a window's edge);
        # a shared store counts in fixed windows, the cheapest on every backend.
        strategy="moving-window" if storage.startswith("memory") else "fixed-window",
        headers_enabled=False,
        # The counters' store down (Redis restarting) must not take the portal down.
        in_memory_fallback_enabled=True,
        swallow_errors=True,
    )
    limiter.init_app(app)
    app.extensions["shuyuan_limiter"] = limiter
    app.register_error_handler(RateLimitExceeded, too_many)
    return limiter
