"""Signing in and out, signing up, and CSRF: what a visitor notices."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from portal.models import Dataset, User
from portal.services import Portal
from tests.conftest import Accounts
from tests.web.conftest import Catalog
from tests.web.signin import csrf_of, post_form, sign_in

GENERIC = "用户名或密码错误"


def test_sign_in_shows_the_user_and_sign_out_forgets_them(client: Any, catalog: Catalog,
                                                         accounts: Accounts) -> None:
    accounts.user("edu-editor", roles={"edu": "editor"})
    response = sign_in(client, "edu-editor")
    assert response.status_code == 302 and response.headers["Location"] == "/console"
    html = client.get("/").get_data(as_text=True)
    assert "edu-editor" in html and "退出" in html and 'href="/console"' in html
    assert "登录" not in html

    response = post_form(client, "/user/logout")
    assert response.status_code == 302
    html = client.get("/").get_data(as_text=True)
    assert "已退出登录" in html
    assert "edu-editor" not in html and 'href="/user/login"' in html
    assert client.get("/console").status_code == 302


def test_the_session_cookie_is_http_only_and_same_site(client: Any, catalog: Catalog,
                                                       accounts: Accounts) -> None:
    accounts.user("edu-editor", roles={"edu": "editor"})
    cookie = sign_in(client, "edu-editor").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


@pytest.mark.parametrize(("name", "password"), [
    ("edu-editor", "not-the-password"),  # a real user, a wrong password
    ("nobody-here", "password-nobody-here"),  # no such user
    ("edu-editor", ""),
])
def test_a_failed_sign_in_says_one_thing_whatever_was_wrong(
        client: Any, catalog: Catalog, accounts: Accounts, name: str, password: str) -> None:
    accounts.user("edu-editor", roles={"edu": "editor"})
    response = sign_in(client, name, password)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count(GENERIC) == 1
    assert "不存在" not in html and "密码不正确" not in html
    assert f'name="name" type="text" value="{name}"' in html  # kept; the password is not
    assert 'name="password" type="password" value=""' in html
    assert client.get("/console").status_code == 302  # still anonymous


def test_a_disabled_account_cannot_sign_in_and_is_signed_out(
        client: Any, portal: Portal, catalog: Catalog, accounts: Accounts) -> None:
    accounts.user("edu-editor", roles={"edu": "editor"})
    assert sign_in(client, "edu-editor").status_code == 302
    assert client.get("/console").status_code == 200
    with portal.session() as session, session.begin():
        session.scalars(select(User).where(User.name == "edu-editor")).one().state = "deleted"
    assert client.get("/console").status_code == 302  # the next page: signed out
    response = sign_in(client, "edu-editor")
    assert response.status_code == 200 and GENERIC in response.get_data(as_text=True)


def test_after_sign_in_the_visitor_returns_to_the_page_asked_for(
        client: Any, catalog: Catalog, accounts: Accounts) -> None:
    accounts.user("edu-editor", roles={"edu": "editor"})
    response = client.get("/console/dataset/new")
    assert response.status_code == 302
    assert response.headers["Location"] == "/user/login?next=/console/dataset/new"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    response = client.post("/user/login", data={
        "csrf_token": csrf_of(page), "name": "edu-editor", "password": "password-edu-editor",
        "next": "/console/dataset/new"})
    assert response.headers["Location"] == "/console/dataset/new"


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil",
                                    "javascript:alert(1)"])
def test_sign_in_never_sends_the_visitor_off_the_site(
        client: Any, catalog: Catalog, accounts: Accounts, target: str) -> None:
    accounts.user("edu-editor", roles={"edu": "editor"})
    page = client.get("/user/login").get_data(as_text=True)
    response = client.post("/user/login", data={
        "csrf_token": csrf_of(page), "name": "edu-editor", "password": "password-edu-editor",
        "next": target})
    assert response.headers["Location"] == "/console"


def _user_count(portal: Portal) -> int:
    with portal.session() as session:
        return session.scalar(select(func.count()).select_from(User)) or 0


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(
        client: Any, portal: Portal, catalog: Catalog, accounts: Accounts) -> None:
    users = _user_count(portal)
    form = {"name": "citizen", "email": "c@example.cn", "password": "long-enough-1",
            "password2": "long-enough-1"}
    response = client.post("/user/register", data=form)
    assert response.status_code == 400
    assert "表单已过期或并非来自本站" in response.get_data(as_text=True)
    assert _user_count(portal) == users

    # Signed in, with a token from another session: still refused, no entry written.
    accounts.user("edu-editor", roles={"edu": "editor"})
    sign_in(client, "edu-editor")
    with portal.session() as session:
        before = session.scalar(select(func.count()).select_from(Dataset))
    response = client.post("/console/dataset/new", data={
        "csrf_token": "forged", "title": "伪造", "name": "forged", "owner_org": "edu"})
    assert response.status_code == 400
    with portal.session() as session:
        assert session.scalar(select(func.count()).select_from(Dataset)) == before
    assert post_form(client, "/user/logout", "/user/logout").status_code == 302


def test_the_api_needs_no_csrf_token(client: Any, catalog: Catalog) -> None:
    response = client.post("/api/3/action/package_search", json={"q": ""})
    assert response.status_code == 200


def test_sign_up_creates_a_citizen_signed_in_with_the_e_mail_encrypted(
        client: Any, portal: Portal, catalog: Catalog) -> None:
    response = post_form(client, "/user/register", name="zhang-san", fullname="张三",
                         email="zhangsan@example.cn", password="A-long-secret",
                         password2="A-long-secret")
    assert response.status_code == 302 and response.headers["Location"] == "/user/applications"
    html = client.get("/user/applications").get_data(as_text=True)
    assert "zhang-san" in html and "账号已创建" in html
    assert 'href="/console"' not in html  # a citizen has no console
    with portal.session() as session:
        user = session.scalars(select(User).where(User.name == "zhang-san")).one()
        assert not user.sysadmin and not user.memberships
        row = " ".join(str(v) for v in (user.email_encrypted, user.email_lookup,
                                        user.password_hash, user.about))
    assert "zhangsan@example.cn" not in row and "A-long-secret" not in row
    assert portal.cipher.decrypt(user.email_encrypted) == "zhangsan@example.cn"
    assert portal.authenticate("zhang-san", "A-long-secret") is not None


def test_sign_up_errors_are_shown_beside_the_fields(client: Any, portal: Portal,
                                                    catalog: Catalog, accounts: Accounts) -> None:
    accounts.user("taken", roles={})
    users = _user_count(portal)
    html = post_form(client, "/user/register", name="Bad Name", fullname="李四", email="nope",
                     password="short", password2="short").get_data(as_text=True)
    # The action's messages, in Chinese, each beside its field.
    assert "2–100 个小写字母" in html and "请输入电子邮箱地址" in html and "至少 8 个字符" in html
    assert 'value="李四"' in html  # kept
    html = post_form(client, "/user/register", name="taken", email="t@example.cn",
                     password="long-enough-1", password2="long-enough-1").get_data(as_text=True)
    assert "该用户名已被使用" in html
    html = post_form(client, "/user/register", name="wang-wu", email="w@example.cn",
                     password="long-enough-1", password2="long-enough-2").get_data(as_text=True)
    assert "两次输入的密码不一致" in html
    assert _user_count(portal) == users


def test_a_department_editor_sees_their_draft_which_anonymous_visitors_cannot(
        client: Any, catalog: Catalog, accounts: Accounts) -> None:
    assert client.get("/dataset/budget-draft").status_code == 404
    accounts.user("edu-editor", roles={"edu": "editor"})
    sign_in(client, "edu-editor")
    response = client.get("/dataset/budget-draft")
    assert response.status_code == 200
    assert "未发布的预算草稿" in response.get_data(as_text=True)
    accounts.user("water-editor", roles={"water": "editor"})
    post_form(client, "/user/logout")
    sign_in(client, "water-editor")
    assert client.get("/dataset/budget-draft").status_code == 404


def test_pages_in_english(client: Any, catalog: Catalog) -> None:
    html = client.get("/user/login?lang=en").get_data(as_text=True)
    assert "Sign in" in html and "User name" in html and "登录" not in html
