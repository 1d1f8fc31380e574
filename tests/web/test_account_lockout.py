"""Login throttling, tried as an attacker would: guessing then the right password,
names in full width or another case, many names from one address, and names that do not
exist (which must behave exactly like names that do)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask.testing import FlaskClient

from portal.models import AuditEntry
from portal.services import Portal
from tests.conftest import Accounts
from tests.web.signin import csrf_of, sign_in

LOCKED = "登录失败次数过多"
WRONG = "用户名或密码错误"
START = datetime(2026, 10, 9, 9, 0, tzinfo=UTC)


def attempt(client: FlaskClient, name: str, password: str, address: str = "10.0.0.1") -> str:
    env = {"REMOTE_ADDR": address}
    page = client.get("/user/login", environ_base=env).get_data(as_text=True)
    response = client.post("/user/login", environ_base=env, data={
        "csrf_token": csrf_of(page), "name": name, "password": password})
    if response.status_code == 302:
        return "signed in"
    html = response.get_data(as_text=True)
    return "locked" if LOCKED in html else "wrong" if WRONG in html else html


def audit_actions(portal: Portal) -> list[str]:
    with portal.session() as session:
        return [e.action for e in session.query(AuditEntry).order_by(AuditEntry.seq)
                if e.action.startswith("sign_in")]


def test_five_failures_lock_the_account_even_against_the_right_password(
        app: Any, portal: Portal, accounts: Accounts) -> None:
    accounts.user("citizen")
    portal.clock.set(START)
    client = app.test_client()
    assert [attempt(client, "citizen", f"guess-{i}") for i in range(5)] == \
        ["wrong"] * 4 + ["locked"]
    assert attempt(client, "citizen", "password-citizen") == "locked"
    # From another address too: the account is locked, not only the address.
    assert attempt(app.test_client(), "citizen", "password-citizen", "10.9.9.9") == "locked"
    assert audit_actions(portal) == ["sign_in_failed"] * 5 + ["sign_in_lockout",
                                                               "sign_in_refused_locked",
                                                               "sign_in_refused_locked"]
    portal.clock.set(START + timedelta(minutes=14))
    assert attempt(client, "citizen", "password-citizen") == "locked"
    portal.clock.set(START + timedelta(minutes=16))
    assert attempt(client, "citizen", "password-citizen") == "signed in"


def test_failures_under_the_threshold_are_forgotten_after_a_success(
        app: Any, portal: Portal, accounts: Accounts) -> None:
    accounts.user("citizen")
    client = app.test_client()
    for _ in range(2):
        assert [attempt(client, "citizen", "nope-nope") for _ in range(4)] == ["wrong"] * 4
        assert attempt(client, "citizen", "password-citizen") == "signed in"
        client.delete_cookie("session")


def test_full_width_and_odd_case_names_count_against_the_same_account(
        app: Any, portal: Portal, accounts: Accounts) -> None:
    accounts.user("citizen")
    client = app.test_client()
    for name in ("CITIZEN", "ｃｉｔｉｚｅｎ", "Citizen", " citizen ", "ＣＩＴＩＺＥＮ"):
        attempt(client, name, "wrong-password")
    assert attempt(client, "citizen", "password-citizen") == "locked"
    assert attempt(client, "ｃｉｔｉｚｅｎ", "password-citizen") == "locked"


def test_a_name_that_does_not_exist_looks_exactly_like_one_that_does(
        app: Any, accounts: Accounts) -> None:
    accounts.user("citizen")
    client = app.test_client()
    real = [attempt(client, "citizen", "x-wrong-1", "10.0.0.2") for _ in range(6)]
    ghost = [attempt(client, "nobody-here", "x-wrong-1", "10.0.0.3") for _ in range(6)]
    assert real == ghost == ["wrong"] * 4 + ["locked"] * 2


def test_one_address_trying_many_names_is_locked_out_for_all_of_them(
        app: Any, accounts: Accounts) -> None:
    accounts.user("citizen")
    client = app.test_client()
    outcomes = [attempt(client, f"user-{i}", "password-1", "10.6.6.6") for i in range(20)]
    assert outcomes[:19] == ["wrong"] * 19 and outcomes[19] == "locked"
    assert attempt(client, "citizen", "password-citizen", "10.6.6.6") == "locked"
    # Another address is not held back by that one.
    assert attempt(app.test_client(), "citizen", "password-citizen", "10.7.7.7") == "signed in"


def test_odd_input_in_the_name_is_a_failed_sign_in_not_an_error(
        app: Any, accounts: Accounts) -> None:
    accounts.user("citizen")
    client = app.test_client()
    for name in ("citizen\x00", "\U0001f600citizen", "' OR '1'='1", "citizen' --", "x" * 5000, "",
                 "\u202ecitizen"):
        page = client.get("/user/login").get_data(as_text=True)
        response = client.post("/user/login", data={"csrf_token": csrf_of(page),
                                                    "name": name, "password": "password-citizen"})
        assert response.status_code == 200, name
        client.delete_cookie("session")
    # None of those signed anyone in or counted against citizen.
    assert sign_in(app.test_client(), "citizen").status_code == 302
