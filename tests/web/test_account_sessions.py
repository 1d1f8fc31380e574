"""Server-side sessions, tried as an attacker would: a cookie kept from before signing
out, a password change, a disabled account or a bureau reset is worth nothing; a cookie
forged with a user id signs no one in; sessions end when idle and when old.

Time moves on the portal's clock, never by sleeping.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask.testing import FlaskClient

from portal.core.context import SYSTEM
from portal.models import AuditEntry, WebSession
from portal.services import Portal
from tests.conftest import Accounts
from tests.web.signin import csrf_of, post_form, sign_in

PRIVATE = "/user/applications"  # any page for signed-in users only
START = datetime(2026, 10, 9, 9, 0, tzinfo=UTC)


def signed_in(client: FlaskClient) -> bool:
    response = client.get(PRIVATE)
    assert response.status_code in (200, 302)
    return response.status_code == 200


def cookie_of(client: FlaskClient) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def replay(app: Any, value: str) -> FlaskClient:
    """A new browser holding a copied cookie."""
    other = app.test_client()
    other.set_cookie("session", value)
    return other


def test_a_cookie_kept_from_before_signing_out_is_refused(app: Any, client: FlaskClient,
                                                          accounts: Accounts) -> None:
    accounts.user("citizen")
    sign_in(client, "citizen")
    stolen = cookie_of(client)
    assert signed_in(replay(app, stolen))  # the copy works while the session lives

    post_form(client, "/", "/user/logout")
    assert not signed_in(client)
    assert not signed_in(replay(app, stolen))


def test_the_cookie_holds_a_random_session_id_and_no_user_id(
        app: Any, client: FlaskClient, portal: Portal, accounts: Accounts) -> None:
    caller, _ = accounts.user("citizen")
    sign_in(client, "citizen")
    data = app.session_interface.get_signing_serializer(app).loads(cookie_of(client))
    assert caller.id not in str(data) and "citizen" not in str(data)
    with portal.session() as session:
        row = session.query(WebSession).filter_by(user_id=caller.id).one()
    assert data["sid"] not in (row.id_hash, caller.id)  # only the id's hash is stored


def test_a_cookie_forged_with_the_site_key_signs_no_one_in(
        app: Any, accounts: Accounts) -> None:
    """Even with the signing key, a cookie naming a user (the old format) or a made-up
    session id is anonymous: the session must exist on the server."""
    caller, _ = accounts.user("bureau-boss", sysadmin=True)
    serializer = app.session_interface.get_signing_serializer(app)
    for forged in ({"uid": caller.id}, {"sid": caller.id}, {"sid": "x" * 43},
                   {"sid": "\x00\ud800"}, {"sid": ["a"]}):
        browser = replay(app, serializer.dumps(forged))
        assert not signed_in(browser), forged
        assert browser.get("/console").status_code == 302


def test_a_password_change_ends_every_other_session_and_renews_this_one(
        app: Any, client: FlaskClient, accounts: Accounts) -> None:
    accounts.user("citizen")
    laptop, phone = client, app.test_client()
    sign_in(laptop, "citizen")
    sign_in(phone, "citizen")
    before = cookie_of(laptop)
    response = post_form(laptop, "/user/password", old_password="password-citizen",
                         new_password="Better-pass-2026", new_password2="Better-pass-2026")
    assert response.status_code == 302
    assert signed_in(laptop)  # the browser that changed it stays signed in...
    assert cookie_of(laptop) != before  # ...on a new session
    assert not signed_in(phone)
    assert not signed_in(replay(app, before))
    assert sign_in(app.test_client(), "citizen", "password-citizen").status_code == 200
    assert sign_in(app.test_client(), "citizen", "Better-pass-2026").status_code == 302


def test_a_disabled_account_s_session_ends_and_it_cannot_sign_in(
        client: FlaskClient, portal: Portal, accounts: Accounts) -> None:
    accounts.user("citizen")
    sign_in(client, "citizen")
    portal.call("user_disable", {"id": "citizen"}, user=SYSTEM)
    assert not signed_in(client)
    response = sign_in(client, "citizen")
    assert response.status_code == 200 and "用户名或密码错误" in response.get_data(as_text=True)
    portal.call("user_enable", {"id": "citizen"}, user=SYSTEM)
    assert sign_in(client, "citizen").status_code == 302


def test_a_reset_by_the_bureau_ends_sessions_and_forces_a_new_password(
        app: Any, client: FlaskClient, portal: Portal, accounts: Accounts) -> None:
    accounts.user("citizen")
    sign_in(client, "citizen")
    temporary = portal.call("user_password_reset", {"id": "citizen"}, user=SYSTEM)["password"]
    assert not signed_in(client)

    browser = app.test_client()
    response = sign_in(browser, "citizen", temporary)
    assert response.headers["Location"] == "/user/password"
    # Nothing else until the password is changed: not even the citizen's own pages.
    assert browser.get(PRIVATE).headers["Location"] == "/user/password"
    assert "数据资源局重置" in browser.get("/user/password").get_data(as_text=True)
    response = post_form(browser, "/user/password", old_password=temporary,
                         new_password="Mine-again-2026", new_password2="Mine-again-2026")
    assert response.status_code == 302
    assert signed_in(browser)
    assert sign_in(app.test_client(), "citizen", temporary).status_code == 200


def test_an_idle_session_ends(client: FlaskClient, portal: Portal,
                              accounts: Accounts) -> None:
    accounts.user("citizen")
    portal.clock.set(START)
    sign_in(client, "citizen")
    for minutes in (29, 58, 87):  # used within every 30 minutes: it lives on
        portal.clock.set(START + timedelta(minutes=minutes))
        assert signed_in(client), minutes
    portal.clock.set(START + timedelta(minutes=87 + 31))
    assert not signed_in(client)
    portal.clock.set(START + timedelta(minutes=87))  # and coming back in time does not revive it
    assert not signed_in(client)


def test_a_session_ends_after_its_absolute_lifetime_however_busy(
        client: FlaskClient, portal: Portal, accounts: Accounts) -> None:
    accounts.user("citizen")
    portal.clock.set(START)
    sign_in(client, "citizen")
    moment = START
    while moment < START + timedelta(hours=11, minutes=30):
        moment += timedelta(minutes=20)
        portal.clock.set(moment)
        assert signed_in(client), moment
    portal.clock.set(START + timedelta(hours=12, minutes=1))
    assert not signed_in(client)


def test_sign_in_and_out_are_audited(client: FlaskClient, portal: Portal,
                                     accounts: Accounts) -> None:
    accounts.user("citizen")
    sign_in(client, "citizen")
    post_form(client, "/", "/user/logout")
    with portal.session() as session:
        actions = [(e.actor, e.action) for e in session.query(AuditEntry)
                   .filter(AuditEntry.action.in_(("sign_in", "sign_out"))).order_by(AuditEntry.seq)]
    assert actions == [("citizen", "sign_in"), ("citizen", "sign_out")]


def test_the_cookie_is_secure_over_https_and_http_only_and_same_site(
        app: Any, accounts: Accounts) -> None:
    accounts.user("citizen")
    plain = app.test_client()
    cookie = sign_in(plain, "citizen").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie

    tls = app.test_client()
    page = tls.get("/user/login", base_url="https://localhost")
    response = tls.post("/user/login", base_url="https://localhost", data={
        "csrf_token": csrf_of(page.get_data(as_text=True)), "name": "citizen",
        "password": "password-citizen"})
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie
