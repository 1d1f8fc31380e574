"""The second factor, tried as an attacker holding a sysadmin's password would: the
console stays out of reach without the code, a wrong or replayed code is refused, a
recovery code works once, and guessing codes locks the account like guessing passwords."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp
import pytest
from flask.testing import FlaskClient

from portal.core.context import SYSTEM
from portal.models import TotpCredential
from portal.services import Portal
from tests.conftest import Accounts
from tests.web.signin import csrf_of, enrol_page, password_step, post_form

START = datetime(2026, 10, 9, 9, 0, 10, tzinfo=UTC)


def code_step(client: FlaskClient, code: str) -> Any:
    return post_form(client, "/user/login/code", code=code)


def enrolled(app: Any, portal: Portal, accounts: Accounts, name: str = "bureau-boss") -> str:
    """A sysadmin enrolled through the pages; returns the TOTP key."""
    accounts.user(name, sysadmin=True)
    client = app.test_client()
    assert password_step(client, name).headers["Location"] == "/user/2fa"
    secret = enrol_page(client)
    post_form(client, "/", "/user/logout")
    return secret


def test_a_sysadmin_without_a_second_factor_must_enrol_before_anything_else(
        client: FlaskClient, portal: Portal, accounts: Accounts) -> None:
    accounts.user("bureau-boss", sysadmin=True)
    response = password_step(client, "bureau-boss")
    assert response.headers["Location"] == "/user/2fa"
    for page in ("/console", "/console/users", "/user/applications", "/user/tokens",
                 "/user/password"):
        response = client.get(page)
        assert response.status_code == 302 and response.headers["Location"] == "/user/2fa", page
    # A forged POST to a console form goes nowhere either.
    html = client.get("/user/2fa").get_data(as_text=True)
    assert "<svg" in html and "数据资源局工作人员须使用双因素认证登录" in html
    response = client.post("/console/users", data={"csrf_token": csrf_of(html), "do": "disable",
                                                   "name": "bureau-boss"})
    assert response.status_code == 302 and response.headers["Location"] == "/user/2fa"

    enrol_page(client)
    assert client.get("/console").status_code == 200
    with portal.session() as session:
        row = session.get(TotpCredential, portal.caller_by_name("bureau-boss").id)
        assert row is not None and row.confirmed_at is not None
        secret = portal.cipher.decrypt(row.secret_encrypted)
        assert secret and secret not in row.secret_encrypted  # kept encrypted


def test_an_enrolled_sysadmin_needs_the_code_and_a_wrong_or_replayed_one_fails(
        app: Any, portal: Portal, accounts: Accounts) -> None:
    portal.clock.set(START)
    secret = enrolled(app, portal, accounts)
    portal.clock.set(START + timedelta(minutes=5))
    client = app.test_client()
    assert password_step(client, "bureau-boss").headers["Location"] == "/user/login/code"
    assert client.get("/console").headers["Location"] == "/user/login/code"
    for wrong in ("000000", "12345", "１２３４５６", "' OR 1=1"):  # four: a fifth would lock
        response = code_step(client, wrong)
        assert response.status_code == 200, wrong
        assert client.get("/console").status_code == 302, wrong
    code = pyotp.TOTP(secret).at(portal.clock.now())
    assert code_step(client, code).headers["Location"] == "/console"
    assert client.get("/console").status_code == 200

    # The same code again, within its 30 seconds, on a second browser: refused.
    other = app.test_client()
    password_step(other, "bureau-boss")
    response = code_step(other, code)
    assert response.status_code == 200 and "已使用过" in response.get_data(as_text=True)
    assert other.get("/console").status_code == 302
    # An older one (the step before) is refused too; the next step's is taken.
    previous = pyotp.TOTP(secret).at(portal.clock.now() - timedelta(seconds=30))
    assert code_step(other, previous).status_code == 200
    following = pyotp.TOTP(secret).at(portal.clock.now() + timedelta(seconds=30))
    assert code_step(other, following).status_code == 302


def test_a_recovery_code_works_once(app: Any, portal: Portal, accounts: Accounts) -> None:
    accounts.user("bureau-boss", sysadmin=True)
    client = app.test_client()
    password_step(client, "bureau-boss")
    html = client.get("/user/2fa").get_data(as_text=True)
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', html).group(1)  # type: ignore[union-attr]
    page = client.post("/user/2fa", data={"csrf_token": csrf_of(html), "step": "confirm",
                                          "code": pyotp.TOTP(secret).at(portal.clock.now())})
    codes = re.findall(r"<code>([A-Z2-7]{4}(?:-[A-Z2-7]{4}){3})</code>", page.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10

    first = app.test_client()
    password_step(first, "bureau-boss")
    assert code_step(first, codes[0].lower().replace("-", " ")).status_code == 302
    second = app.test_client()
    password_step(second, "bureau-boss")
    assert code_step(second, codes[0]).status_code == 200
    assert second.get("/console").status_code == 302
    assert code_step(second, codes[1]).status_code == 302


def test_guessing_codes_locks_the_account(app: Any, portal: Portal,
                                          accounts: Accounts) -> None:
    portal.clock.set(START)
    secret = enrolled(app, portal, accounts)
    client = app.test_client()
    password_step(client, "bureau-boss")
    for guess in range(5):
        code_step(client, f"{guess:06d}")
    good = pyotp.TOTP(secret).at(portal.clock.now() + timedelta(seconds=30))
    response = code_step(client, good)
    assert response.status_code == 200 and "登录失败次数过多" in response.get_data(as_text=True)
    assert client.get("/console").status_code == 302
    # And the password step is locked as well.
    fresh = app.test_client()
    assert "登录失败次数过多" in password_step(fresh, "bureau-boss").get_data(as_text=True)


def test_the_bureau_removes_a_lost_factor_and_the_owner_only_with_the_password(
        app: Any, portal: Portal, accounts: Accounts) -> None:
    enrolled(app, portal, accounts)
    owner = portal.caller_by_name("bureau-boss")
    with pytest.raises(Exception, match="password"):
        portal.call("user_totp_disable", {"password": "guess"}, user=owner)
    portal.call("user_totp_disable", {"id": "bureau-boss"}, user=SYSTEM)
    client = app.test_client()
    assert password_step(client, "bureau-boss").headers["Location"] == "/user/2fa"


def test_others_may_enrol_and_are_then_asked_for_the_code(
        app: Any, client: FlaskClient, portal: Portal, accounts: Accounts) -> None:
    accounts.user("citizen")
    assert password_step(client, "citizen").status_code == 302
    html = client.get("/user/2fa").get_data(as_text=True)
    assert "尚未开启双因素认证" in html
    html = post_form(client, "/user/2fa", step="setup").get_data(as_text=True)
    assert "<svg" in html and "otpauth" not in html.split("<svg")[0]
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', html).group(1)  # type: ignore[union-attr]
    wrong = post_form(client, "/user/2fa", step="confirm", code="000000")
    assert "验证码错误或已过期" in wrong.get_data(as_text=True)
    right = post_form(client, "/user/2fa", step="confirm",
                      code=pyotp.TOTP(secret).at(portal.clock.now()))
    assert 'id="recovery-codes"' in right.get_data(as_text=True)
    other = app.test_client()
    assert password_step(other, "citizen").headers["Location"] == "/user/login/code"


def test_the_demo_loader_s_enrolment_lets_its_sysadmin_sign_in(
        app: Any, portal: Portal, accounts: Accounts) -> None:
    from portal.demo.second_factor import enroll

    accounts.user("admin", sysadmin=True)
    secret, codes = enroll(portal, "admin")
    assert len(codes) == 10
    client = app.test_client()
    assert password_step(client, "admin").headers["Location"] == "/user/login/code"
    assert code_step(client, codes[3]).headers["Location"] == "/console"
    other = app.test_client()
    password_step(other, "admin")
    later = pyotp.TOTP(secret).at(portal.clock.now() + timedelta(seconds=30))
    assert code_step(other, later).headers["Location"] == "/console"
