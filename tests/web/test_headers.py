"""Security headers on every response, and no inline script for the policy to refuse.

The Content-Security-Policy allows scripts and styles from the portal only: an inline
<script>, an on*= handler or a style attribute in a template would be refused by the
browser (and break the page), so the templates and the rendered main pages are scanned
for them here.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from portal.app import THEMES_DIR, create_app
from portal.core.context import Caller
from portal.services import Portal
from tests.conftest import Accounts
from tests.web.conftest import Catalog
from tests.web.signin import sign_in

EXPECTED = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
CSP_PARTS = ("script-src 'self'", "object-src 'none'", "base-uri 'self'", "form-action 'self'",
             "frame-ancestors 'none'", "style-src 'self'", "default-src 'self'")


def assert_secured(response: Any) -> None:
    headers = response.headers
    for name, value in EXPECTED.items():
        assert headers.get(name) == value, (name, headers.get(name))
    csp = headers.get("Content-Security-Policy", "")
    directives = {d.strip().split(" ")[0]: d.strip() for d in csp.split(";")}
    for part in CSP_PARTS:
        assert directives.get(part.split(" ")[0]) == part, (part, csp)
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    features = headers.get("Permissions-Policy", "")
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in features
    assert "Strict-Transport-Security" not in headers  # off by default


@pytest.fixture
def boom_client(portal: Portal) -> Any:
    """An app of its own with a view that fails, answered as a real server would (500)."""
    app = create_app(portal)
    app.config.update(TESTING=False, PROPAGATE_EXCEPTIONS=False)

    @app.route("/boom")
    def boom() -> str:
        raise RuntimeError("a bug")

    return app.test_client()


def test_a_page_carries_the_headers(client: Any, catalog: Catalog) -> None:
    response = client.get("/dataset/schools")
    assert response.status_code == 200
    assert_secured(response)


def test_an_api_answer_and_an_api_error_carry_them(client: Any) -> None:
    assert_secured(client.get("/api/3/action/status_show"))
    refused = client.post("/api/3/action/package_create", json={"name": "x"})
    assert refused.status_code == 403
    assert_secured(refused)


def test_a_static_file_carries_them(client: Any) -> None:
    response = client.get("/static/js/portal.js")
    assert response.status_code == 200
    assert_secured(response)


def test_a_missing_page_and_a_server_error_carry_them(client: Any, boom_client: Any) -> None:
    missing = client.get("/no/such/page")
    assert missing.status_code == 404
    assert_secured(missing)
    failed = boom_client.get("/boom")
    assert failed.status_code == 500
    assert_secured(failed)
    bad_form = client.post("/user/login", data={"name": "x"})  # no CSRF token: 400
    assert bad_form.status_code == 400
    assert_secured(bad_form)


def test_an_answer_made_before_flask_carries_them(client: Any) -> None:
    """A query string that is not UTF-8 is refused by middleware around Flask."""
    for path in ("/dataset", "/api/3/action/package_search"):
        refused = client.get(path, environ_overrides={"QUERY_STRING": "q=\xed\xa0\x80"})
        assert refused.status_code == 400
        assert_secured(refused)


def test_hsts_is_sent_over_tls_when_switched_on(portal: Portal, client: Any) -> None:
    # Off: never, even over https.
    assert "Strict-Transport-Security" not in client.get(
        "/", base_url="https://localhost").headers
    settings = portal.settings.with_overrides({"security": {"hsts": True}})
    previous = portal.settings
    portal.settings = settings
    try:
        on = create_app(portal).test_client()
    finally:
        portal.settings = previous
    over_tls = on.get("/", base_url="https://localhost").headers
    assert over_tls.get("Strict-Transport-Security", "").startswith("max-age=31536000")
    # Over plain http a browser ignores it, and a wrong setting must not lock users out.
    assert "Strict-Transport-Security" not in on.get("/").headers


# --- no inline script or style in the templates -------------------------------------------

TEMPLATES = THEMES_DIR / "default" / "templates"
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>",
                           re.IGNORECASE)
HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
STYLE = re.compile(r"<style\b|<[^>]*\sstyle\s*=", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"(href|src|action)\s*=\s*[\"']?\s*javascript:", re.IGNORECASE)


def inline_code(html: str) -> list[str]:
    found = []
    for pattern in (INLINE_SCRIPT, HANDLER, STYLE, JAVASCRIPT_URL):
        found += [m.group(0)[:80] for m in pattern.finditer(html)]
    return found


def test_the_scanner_sees_what_the_policy_refuses() -> None:
    """The scan is not blind: each kind of inline code is found, and allowed markup is not."""
    for bad in ('<script>alert(1)</script>', '<SCRIPT type="module">x()</SCRIPT>',
                '<a href="#" onclick="x()">', '<img src=x onerror=alert(1)>',
                '<body onLoad="x()">', '<p style="color:red">', '<style>p{}</style>',
                '<a href="javascript:alert(1)">'):
        assert inline_code(bad), bad
    for good in ('<script src="/static/js/portal.js" defer></script>',
                 '<script type="application/json" id="t">{"a": 1}</script>',
                 '<p class="once">on=1</p>', '<input name="onboarding">'):
        assert not inline_code(good), good


@pytest.mark.parametrize("template", sorted(str(p.relative_to(TEMPLATES))
                                            for p in TEMPLATES.rglob("*.html")))
def test_no_template_holds_inline_script_or_style(template: str) -> None:
    assert inline_code((TEMPLATES / template).read_text(encoding="utf-8")) == []


@pytest.fixture
def editor(portal: Portal, accounts: Accounts, catalog: Catalog) -> Caller:
    return accounts.user("edu-editor", roles={"edu": "editor"})[0]


PUBLIC_PAGES = ("/", "/dataset", "/dataset?q=学校", "/dataset/schools", "/organization",
                "/organization/edu", "/group", "/group/education", "/user/login",
                "/user/register", "/no/such/page")
CONSOLE_PAGES = ("/console/", "/console/dataset/new", "/console/dataset/schools",
                 "/console/dataset/schools/edit", "/console/share-requests", "/console/grants")


def test_the_rendered_main_pages_hold_no_inline_script(app: Any, catalog: Catalog,
                                                       editor: Caller) -> None:
    visitor = app.test_client()
    pages = {path: visitor.get(path) for path in PUBLIC_PAGES}
    staff = app.test_client()
    assert sign_in(staff, "edu-editor").status_code == 302
    pages.update({path: staff.get(path) for path in CONSOLE_PAGES})
    assert {p: r.status_code for p, r in pages.items() if r.status_code not in (200, 404)} == {}
    assert pages["/dataset/schools"].status_code == 200
    found = {path: inline_code(r.get_data(as_text=True)) for path, r in pages.items()}
    assert {path: codes for path, codes in found.items() if codes} == {}
    # The scripts the pages use are files the policy allows.
    form = pages["/console/dataset/schools/edit"].get_data(as_text=True)
    assert "/static/js/dataset-form.js" in form


def test_the_moved_scripts_are_served(client: Any) -> None:
    for name in ("portal.js", "dataset-form.js", "datastore-preview.js"):
        response = client.get(f"/static/js/{name}")
        assert response.status_code == 200, name
        assert response.mimetype in ("text/javascript", "application/javascript")
    assert b"data-confirm" in client.get("/static/js/portal.js").data


def test_the_policy_names_no_host_of_its_own_making() -> None:
    """Nothing outside the portal is trusted: no scheme, host or wildcard in the policy."""
    from portal.web.support.headers import CONTENT_SECURITY_POLICY

    sources = {s for d in CONTENT_SECURITY_POLICY.split(";") for s in d.split()[1:]}
    assert sources <= {"'self'", "'none'", "data:"}
