"""Signing in through the pages, as a browser would: fetch a form, send its CSRF token."""

from __future__ import annotations

import re
from typing import Any

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


def post_form(client: Any, page: str, action: str | None = None, **fields: Any) -> Any:
    """GET `page`, then POST `fields` with its CSRF token to `action` (default: the page)."""
    token = csrf_of(client.get(page).get_data(as_text=True))
    return client.post(action or page, data={"csrf_token": token, **fields})


def sign_in(client: Any, name: str, password: str | None = None) -> Any:
    """Sign in; the accounts fixture gives every user the password "password-<name>"."""
    return post_form(client, "/user/login", name=name,
                     password=password if password is not None else f"password-{name}")
