"""API tokens and the account actions over the API, as an attacker holding an old token
would try them: expired, revoked and disabled-account tokens are nobody; use from a new
address is recorded and audited; only the bureau resets and disables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from portal.core.context import SYSTEM
from portal.models import AuditEntry
from portal.services import Portal
from tests.api.helpers import Api, make_user

NOW = datetime(2026, 10, 9, 9, 0, tzinfo=UTC)


def whoami(api: Api, token: str, address: str = "10.0.0.1") -> int:
    """The status of a call that needs a caller (the caller's own token list)."""
    response = api.client.post("/api/3/action/api_token_list", json={},
                               headers={"Authorization": token},
                               environ_base={"REMOTE_ADDR": address})
    return int(response.status_code)


def test_a_token_stops_at_its_expiry(client: Any, portal: Portal) -> None:
    api = Api(client)
    portal.clock.set(NOW)
    make_user(portal, "clerk")
    made = portal.call("api_token_create", {"user": "clerk", "expires_in_days": 2}, user=SYSTEM)
    assert made["expires"].startswith("2026-10-11")
    portal.clock.set(NOW + timedelta(days=1, hours=23))
    assert whoami(api, made["token"]) == 200
    portal.clock.set(NOW + timedelta(days=2, seconds=1))
    assert whoami(api, made["token"]) == 403
    status, body = api.post("package_search", {}, token=made["token"])
    assert status == 403 and "not valid" in body["error"]["message"]
    listed = portal.call("api_token_list", {"user": "clerk"}, user=SYSTEM)
    assert [t["expired"] for t in listed if t["id"] == made["id"]] == [True]


def test_a_token_lasts_the_default_and_never_more_than_the_maximum(portal: Portal,
                                                                   client: Any) -> None:
    portal.clock.set(NOW)
    _, token = make_user(portal, "clerk")
    api = Api(client)
    status, body = api.post("api_token_create", {"name": "t"}, token=token)
    assert status == 200 and body["result"]["expires"].startswith("2027-01-07")  # 90 days
    for days in (366, 0, -1, "forever", 10**30):
        status, body = api.post("api_token_create", {"expires_in_days": days}, token=token)
        assert status == 409 and "expires_in_days" in body["error"], days


def test_a_revoked_token_is_nobody_whoever_revoked_it(client: Any, portal: Portal) -> None:
    api = Api(client)
    _, admin = make_user(portal, "bureau", sysadmin=True)
    _, own = make_user(portal, "clerk")
    second = portal.call("api_token_create", {"user": "clerk"}, user=SYSTEM)
    status, _ = api.post("api_token_revoke", {"token": own}, token=own)  # by the owner
    assert status == 200 and whoami(api, own) == 403
    status, _ = api.post("api_token_revoke", {"jti": second["id"]}, token=admin)  # the bureau
    assert status == 200 and whoami(api, second["token"]) == 403


def test_a_disabled_account_s_tokens_are_nobody_until_it_is_enabled(
        client: Any, portal: Portal) -> None:
    api = Api(client)
    _, admin = make_user(portal, "bureau", sysadmin=True)
    _, token = make_user(portal, "clerk")
    _, other = make_user(portal, "other")
    status, _ = api.post("user_disable", {"id": "clerk"}, token=other)
    assert status == 403 and whoami(api, token) == 200
    status, _ = api.post("user_disable", {"id": "clerk"}, token=admin)
    assert status == 200 and whoami(api, token) == 403
    status, _ = api.post("user_disable", {"id": "bureau"}, token=admin)
    assert status == 403  # not yourself: the bureau keeps a way in
    assert api.post("user_enable", {"id": "clerk"}, token=admin)[0] == 200
    assert whoami(api, token) == 200


def test_last_use_is_shown_and_a_new_address_is_audited(client: Any, portal: Portal) -> None:
    api = Api(client)
    portal.clock.set(NOW)
    _, token = make_user(portal, "clerk")
    for address in ("10.0.0.1", "10.0.0.1", "10.0.0.1", "192.0.2.7"):
        assert whoami(api, token, address) == 200
    listed = portal.call("api_token_list", {"user": "clerk"}, user=SYSTEM)
    assert listed[0]["last_address"] == "192.0.2.7"
    assert listed[0]["last_access"].startswith("2026-10-09T09:00")
    with portal.session() as session:
        seen = [e.detail["address"] for e in session.query(AuditEntry)
                .filter_by(action="api_token_new_address").order_by(AuditEntry.seq)]
    assert seen == ["10.0.0.1", "192.0.2.7"]


def test_only_the_bureau_resets_a_password_and_the_reset_is_single_use_text(
        client: Any, portal: Portal) -> None:
    api = Api(client)
    _, admin = make_user(portal, "bureau", sysadmin=True)
    _, clerk = make_user(portal, "clerk")
    assert api.post("user_password_reset", {"id": "bureau"}, token=clerk)[0] == 403
    status, body = api.post("user_password_reset", {"id": "clerk"}, token=admin)
    assert status == 200 and body["result"]["must_change_password"] is True
    temporary = body["result"]["password"]
    assert len(temporary) >= 12 and portal.authenticate("clerk", temporary) is not None
    status, body = api.post("user_password_change", {"old_password": "wrong-one",
                                                     "new_password": "Next-pass-2026"},
                            token=clerk)
    assert status == 409 and "old_password" in body["error"]
    status, body = api.post("user_password_change", {"old_password": temporary,
                                                     "new_password": "12345678"}, token=clerk)
    assert status == 409 and "new_password" in body["error"]


def test_another_user_s_security_state_is_for_them_and_the_bureau(client: Any,
                                                                  portal: Portal) -> None:
    api = Api(client)
    _, admin = make_user(portal, "bureau", sysadmin=True)
    _, clerk = make_user(portal, "clerk")
    assert api.post("user_security_show", {"id": "bureau"}, token=clerk)[0] == 403
    assert api.post("user_totp_disable", {"id": "bureau"}, token=clerk)[0] == 403
    assert api.post("user_security_show", {}, token=clerk)[0] == 200
    status, body = api.post("user_security_show", {"id": "clerk"}, token=admin)
    assert status == 200 and body["result"]["enrolled"] is False
