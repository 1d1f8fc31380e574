"""The password policy and storage, as a user choosing a weak password and an attacker
reading the database would see them."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from portal import passwords
from portal.core.context import SYSTEM
from portal.core.errors import ValidationError
from portal.models import User
from portal.services import Portal
from tests.conftest import Accounts
from tests.web.signin import post_form, sign_in


def register(client: FlaskClient, name: str, password: str) -> str:
    return post_form(client, "/user/register", name=name, email=f"{name}@example.cn",
                     password=password, password2=password).get_data(as_text=True)


@pytest.mark.parametrize(("password", "shown"), [
    ("12345678", "请至少包含以下字符中的 3 类"),
    ("aaaaaaaa", "请至少包含以下字符中的 3 类"),
    ("Password1", "过于常见"),  # three classes, but on every list
    ("P@ssw0rd", "过于常见"),
    ("Ｐａｓｓｗｏｒｄ１", "过于常见"),  # full width is the same password
    ("Abc-12", "请至少使用 8 个字符"),
])
def test_weak_passwords_are_refused_at_sign_up(client: FlaskClient, portal: Portal,
                                               password: str, shown: str) -> None:
    html = register(client, "wang-wu", password)
    assert shown in html
    with portal.session() as session:
        assert session.query(User).filter_by(name="wang-wu").count() == 0


@pytest.mark.parametrize("password", ["li-si-2024", "LI-SI-2024", "ｌｉ-ｓｉ-２０２４",
                                      "4202-is-il"])
def test_the_user_name_is_not_a_password(client: FlaskClient, password: str) -> None:
    assert "密码不能与用户名相同" in register(client, "li-si-2024", password)


def test_a_good_password_is_stored_as_an_argon2_hash(client: FlaskClient,
                                                     portal: Portal) -> None:
    response = post_form(client, "/user/register", name="zhao-liu", email="z@example.cn",
                         password="Tea-garden-42", password2="Tea-garden-42")
    assert response.status_code == 302
    with portal.session() as session:
        stored = session.query(User).filter_by(name="zhao-liu").one().password_hash
    assert stored.startswith("$argon2id$") and "Tea-garden-42" not in stored


def test_the_api_refuses_weak_passwords_naming_the_field(client: FlaskClient,
                                                         accounts: Accounts) -> None:
    _, token = accounts.user("bureau-boss", sysadmin=True)
    for password in ("12345678", "aaaaaaaa", "Password1", "new-person"):
        response = client.post("/api/3/action/user_create", headers={"Authorization": token},
                               json={"name": "new-person", "password": password})
        assert response.status_code == 409, password
        assert "password" in response.get_json()["error"], password
    # Staff need ten characters: nine are refused for a sysadmin, taken for a citizen.
    response = client.post("/api/3/action/user_create", headers={"Authorization": token},
                           json={"name": "new-admin", "password": "Nine-ch9x", "sysadmin": True})
    assert response.status_code == 409 and "password" in response.get_json()["error"]
    response = client.post("/api/3/action/user_create", headers={"Authorization": token},
                           json={"name": "new-person", "password": "Nine-ch9x"})
    assert response.status_code == 200


def test_a_change_needs_the_current_password_and_keeps_the_policy(
        client: FlaskClient, portal: Portal, accounts: Accounts) -> None:
    accounts.user("citizen")
    sign_in(client, "citizen")
    html = post_form(client, "/user/password", old_password="not-mine-at-all",
                     new_password="Fresh-pass-9", new_password2="Fresh-pass-9"
                     ).get_data(as_text=True)
    assert "当前密码不正确" in html
    html = post_form(client, "/user/password", old_password="password-citizen",
                     new_password="12345678", new_password2="12345678").get_data(as_text=True)
    assert "请至少包含以下字符中的 3 类" in html
    assert portal.authenticate("citizen", "password-citizen") is not None
    with pytest.raises(ValidationError) as refused:
        portal.call("user_password_change", {"old_password": "password-citizen",
                                             "new_password": "password-citizen"},
                    user=portal.caller_by_name("citizen"))
    assert "new_password" in refused.value.errors


def test_an_old_werkzeug_hash_still_signs_in_and_is_upgraded_to_argon2(
        app: Any, portal: Portal, accounts: Accounts) -> None:
    accounts.user("old-timer")
    for method in ("scrypt", "pbkdf2:sha256:1000"):
        with portal.session() as session, session.begin():
            user = session.query(User).filter_by(name="old-timer").one()
            user.password_hash = generate_password_hash("Old-but-good-1", method=method)
        client = app.test_client()
        assert sign_in(client, "old-timer", "Old-but-good-1").status_code == 302, method
        with portal.session() as session:
            stored = session.query(User).filter_by(name="old-timer").one().password_hash
        assert stored.startswith("$argon2id$"), method
        assert passwords.verify(stored, "Old-but-good-1").ok


def test_a_hash_with_weaker_argon2_parameters_is_made_again(
        app: Any, portal: Portal, accounts: Accounts, monkeypatch: pytest.MonkeyPatch) -> None:
    accounts.user("citizen")
    with portal.session() as session:
        before = session.query(User).filter_by(name="citizen").one().password_hash
    stronger = passwords.PasswordHasher(time_cost=2, memory_cost=16, parallelism=1)
    monkeypatch.setattr(passwords, "HASHER", stronger)
    assert sign_in(app.test_client(), "citizen").status_code == 302
    with portal.session() as session:
        after = session.query(User).filter_by(name="citizen").one().password_hash
    assert after != before and not stronger.check_needs_rehash(after)


def test_the_cli_operator_is_held_to_length_and_the_common_list(portal: Portal) -> None:
    for password in ("short", "password123", "Qwertyuiop"):
        with pytest.raises(ValidationError):
            portal.call("user_create", {"name": "ops", "password": password}, user=SYSTEM)
    portal.call("user_create", {"name": "ops", "password": "a long passphrase"}, user=SYSTEM)
