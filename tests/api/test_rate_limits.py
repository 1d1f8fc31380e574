"""Rate limits, tried as a scraper or a password guesser would: from one address, with
made-up tokens, spoofed forwarding headers and the token in either header.

The module's portal has low limits (the suite's other portals have none): 3 a minute
for an address, 5 for a signed-in visitor, 6 for a token.
"""

from __future__ import annotations

import secrets
from typing import Any

import pytest

from portal.core.context import Caller
from portal.services import Portal
from tests.api.helpers import make_user
from tests.conftest import Accounts
from tests.web.signin import sign_in

ANONYMOUS, SIGNED_IN, TOKEN = 3, 5, 6


@pytest.fixture(scope="module")
def portal_config() -> dict[str, dict[str, Any]]:
    return {"limits": {"enabled": True, "anonymous": f"{ANONYMOUS}/minute",
                       "signed_in": f"{SIGNED_IN}/minute", "token": f"{TOKEN}/minute"}}


@pytest.fixture(autouse=True)
def fresh_counters(app: Any) -> None:
    """The module's app (and its counters) is shared: each test starts from zero."""
    app.extensions["shuyuan_limiter"].reset()


def client_from(app: Any, address: str) -> Any:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def api(client: Any, token: str = "", header: str = "Authorization", **kw: Any) -> Any:
    headers = {header: token} if token else {}
    headers.update(kw.pop("headers", {}))
    return client.get("/api/3/action/status_show", headers=headers, **kw)


def assert_limited_api(response: Any, action: str = "status_show") -> None:
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    body = response.get_json()
    assert body["success"] is False
    assert body["error"]["__type"] == "Rate limit"
    assert body["error"]["message"].startswith("Rate limit")
    assert body["help"].endswith(f"help_show?name={action}")


def test_an_address_gets_its_share_then_429_with_retry_after(app: Any) -> None:
    scraper = client_from(app, "203.0.113.7")
    assert [api(scraper).status_code for _ in range(ANONYMOUS)] == [200] * ANONYMOUS
    assert_limited_api(api(scraper))
    assert_limited_api(scraper.post("/api/3/action/package_search", json={}),
                       "package_search")  # any action
    # Someone else is not held back by the scraper.
    assert api(client_from(app, "203.0.113.8")).status_code == 200


def test_a_spoofed_forwarding_header_gives_no_new_share(app: Any) -> None:
    scraper = client_from(app, "203.0.113.9")
    outcomes = [api(scraper, headers={"X-Forwarded-For": f"10.0.0.{i}",
                                      "X-Real-IP": f"10.0.1.{i}"}).status_code
                for i in range(ANONYMOUS + 2)]
    assert outcomes == [200] * ANONYMOUS + [429, 429]


def test_made_up_tokens_count_against_the_address(app: Any) -> None:
    """A new random token per request must not buy a fresh budget."""
    prober = client_from(app, "203.0.113.10")
    outcomes = [api(prober, secrets.token_urlsafe(24)).status_code for _ in range(ANONYMOUS)]
    assert outcomes == [403] * ANONYMOUS  # refused, and counted
    assert_limited_api(api(prober, secrets.token_urlsafe(24)))
    assert_limited_api(api(prober))


def test_a_token_has_a_higher_limit_of_its_own(app: Any, portal: Portal) -> None:
    _, token = make_user(portal, "harvester")
    _, other = make_user(portal, "second-harvester")
    shared_nat = client_from(app, "203.0.113.11")
    assert [api(shared_nat).status_code for _ in range(ANONYMOUS)] == [200] * ANONYMOUS
    assert_limited_api(api(shared_nat))
    # The token's budget is its own: the address being spent does not matter, and the
    # token counts the same however it is sent (either header, "Bearer " or not).
    sent = [api(shared_nat, token), api(shared_nat, f"Bearer {token}"),
            api(shared_nat, token, header="X-CKAN-API-Key"), api(shared_nat, f"bearer {token}"),
            api(shared_nat, token, header="x-ckan-api-key"), api(shared_nat, token)]
    assert [r.status_code for r in sent] == [200] * TOKEN
    assert_limited_api(api(shared_nat, token))
    assert api(shared_nat, other).status_code == 200  # another token, another budget


def test_pages_are_limited_by_address_with_a_chinese_page(app: Any) -> None:
    visitor = client_from(app, "203.0.113.12")
    assert [visitor.get("/").status_code for _ in range(ANONYMOUS)] == [200] * ANONYMOUS
    page = visitor.get("/dataset")
    assert page.status_code == 429
    assert page.mimetype == "text/html"
    assert 1 <= int(page.headers["Retry-After"]) <= 60
    html = page.get_data(as_text=True)
    assert "请求过于频繁" in html and "请稍候再试" in html
    english = visitor.get("/?lang=en")
    assert english.status_code == 429
    assert "Too many requests" in english.get_data(as_text=True)
    # The API keeps a budget of its own: a page visitor may still call it.
    assert api(visitor).status_code == 200


def test_static_files_are_not_limited(app: Any) -> None:
    visitor = client_from(app, "203.0.113.13")
    for _ in range(ANONYMOUS):
        visitor.get("/")
    assert visitor.get("/").status_code == 429
    assert {visitor.get("/static/js/portal.js").status_code for _ in range(20)} == {200}
    assert visitor.get("/static/css/portal.css").status_code == 200


@pytest.fixture
def citizen(accounts: Accounts) -> Caller:
    return accounts.user("zhang-san")[0]


def test_a_signed_in_visitor_is_counted_by_account(app: Any, citizen: Caller) -> None:
    office = client_from(app, "203.0.113.14")
    assert sign_in(office, "zhang-san").status_code == 302  # two anonymous requests
    pages = [office.get("/").status_code for _ in range(SIGNED_IN)]
    assert pages == [200] * SIGNED_IN  # more than the address alone may make
    assert office.get("/").status_code == 429
    # A colleague behind the same address, not signed in, has the address's budget.
    colleague = client_from(app, "203.0.113.14")
    assert colleague.get("/").status_code == 200
    assert colleague.get("/").status_code == 429


def test_limits_are_off_unless_switched_on(portal: Portal) -> None:
    from portal.app import create_app

    previous = portal.settings
    portal.settings = previous.with_overrides({"limits": {"enabled": False}})
    try:
        unlimited = create_app(portal)
    finally:
        portal.settings = previous
    assert "shuyuan_limiter" not in unlimited.extensions
    client = client_from(unlimited, "203.0.113.15")
    assert {api(client).status_code for _ in range(ANONYMOUS * 3)} == {200}


def test_a_storage_the_portal_cannot_use_stops_it_at_start(portal: Portal) -> None:
    """Fail closed: a mistyped storage URI is an error at start, not limits silently off."""
    from limits.errors import ConfigurationError

    from portal.app import create_app

    previous = portal.settings
    portal.settings = previous.with_overrides({"limits": {"enabled": True,
                                                          "storage_uri": "nosuch://x"}})
    try:
        with pytest.raises(ConfigurationError):
            create_app(portal)
    finally:
        portal.settings = previous


def test_a_limit_the_portal_cannot_read_stops_it_at_start(portal: Portal) -> None:
    from portal.app import create_app

    previous = portal.settings
    portal.settings = previous.with_overrides({"limits": {"enabled": True,
                                                          "anonymous": "lots"}})
    try:
        with pytest.raises(ValueError, match="limits.anonymous"):
            create_app(portal)
    finally:
        portal.settings = previous


def test_an_ipv6_subscriber_cannot_rotate_addresses_for_new_shares(app: Any) -> None:
    """One /64 is one subscriber: counting single IPv6 addresses would give 2**64 budgets.
    An IPv4-mapped address is its IPv4 address."""
    outcomes = [api(client_from(app, f"2001:db8:1:2::{i:x}")).status_code
                for i in range(ANONYMOUS + 1)]
    assert outcomes == [200] * ANONYMOUS + [429]
    assert api(client_from(app, "2001:db8:1:3::1")).status_code == 200  # another /64
    mapped = [api(client_from(app, address)).status_code
              for address in ("198.51.100.4", "::ffff:198.51.100.4", "::ffff:c633:6404",
                              "198.51.100.4")]
    assert mapped == [200, 200, 200, 429]
