"""The demo's sysadmin is enrolled in the second factor at load, as the bureau's staff
must be (accounts.totp_required_for_sysadmins): the loader prints the key for an
authenticator app and the recovery codes, so the demo can be signed into with either."""

from __future__ import annotations

import pyotp

from portal.services import Portal


def enroll(portal: Portal, name: str) -> tuple[str, tuple[str, ...]]:
    """Turn on TOTP for the user `name`; returns the key and the ten recovery codes."""
    caller = portal.caller_by_name(name)
    assert caller is not None, name
    secret = str(portal.call("user_totp_setup", {"new": True}, user=caller)["secret"])
    code = pyotp.TOTP(secret).at(portal.clock.now())
    made = portal.call("user_totp_confirm", {"code": code}, user=caller)
    return secret, tuple(made["recovery_codes"])
