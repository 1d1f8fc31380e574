"""Signing in through the pages, as a browser would: fetch a form, send its CSRF token.

A sysadmin signs in with a second factor (accounts.totp_required_for_sysadmins): after
the password, `sign_in` enrols one through the enrolment page the first time (reading
the key the page shows, as a phone would from the QR code), and afterwards enters a
recovery code it adds for the purpose, so a test may sign the same user in any number
of times on a stopped clock. It returns the last redirect, as after a plain sign-in.
"""

from __future__ import annotations

import re
from typing import Any

import pyotp

from portal import totp
from portal.models import RecoveryCode, User

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
SECRET_RE = re.compile(r'id="totp-secret">([A-Z2-7]+)<')


def csrf_of(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


def post_form(client: Any, page: str, action: str | None = None, **fields: Any) -> Any:
    """GET `page`, then POST `fields` with its CSRF token to `action` (default: the page)."""
    token = csrf_of(client.get(page).get_data(as_text=True))
    return client.post(action or page, data={"csrf_token": token, **fields})


def password_step(client: Any, name: str, password: str | None = None) -> Any:
    """Only the password step; the accounts fixture gives every user "password-<name>"."""
    return post_form(client, "/user/login", name=name,
                     password=password if password is not None else f"password-{name}")


def sign_in(client: Any, name: str, password: str | None = None) -> Any:
    """Sign in, second factor included."""
    response = password_step(client, name, password)
    return second_steps(client, name, response)


def _portal(client: Any) -> Any:
    return client.application.extensions["shuyuan"]


def enrol_page(client: Any) -> str:
    """Enrol on /user/2fa with the key the page shows; returns the key."""
    html = client.get("/user/2fa").get_data(as_text=True)
    found = SECRET_RE.search(html)
    assert found, "the enrolment page shows no key"
    secret = found.group(1)
    code = pyotp.TOTP(secret).at(_portal(client).clock.now())
    done = client.post("/user/2fa", data={"csrf_token": csrf_of(html), "step": "confirm",
                                          "code": code})
    assert done.status_code == 200 and 'id="recovery-codes"' in done.get_data(as_text=True)
    return secret


def spare_recovery_code(client: Any, name: str) -> str:
    """A recovery code added to the user's (as if kept from enrolment)."""
    code = totp.new_recovery_codes()[0]
    with _portal(client).session() as session, session.begin():
        user = session.query(User).filter_by(name=name).one()
        session.add(RecoveryCode(user_id=user.id, code_hash=totp.recovery_hash(code)))
    return code


def second_steps(client: Any, name: str, response: Any) -> Any:
    """Finish a sign-in the password step started (nothing when it is complete)."""
    location = response.headers.get("Location", "") if response.status_code == 302 else ""
    if location.endswith("/user/2fa"):
        enrol_page(client)
        return client.get("/user/login")  # signed in: redirected on
    if location.endswith("/user/login/code"):
        return post_form(client, "/user/login/code", code=spare_recovery_code(client, name))
    return response


def open_session(client: Any, user_id: str) -> None:
    """Put a server-side session of the user (fully signed in) in the client's cookie,
    as if they had signed in, without the pages."""
    from portal.web.account.auth import SESSION_KEY

    raw = _portal(client).auth.sessions.start(user_id, "full", "127.0.0.1", "tests")
    with client.session_transaction() as session:
        session[SESSION_KEY] = raw


def close_session(client: Any) -> None:
    from portal.web.account.auth import SESSION_KEY

    with client.session_transaction() as session:
        session.pop(SESSION_KEY, None)
