"""One order for every action, tried the way an attacker would: who may call at all is
decided before the body is read (CKAN's order).

An anonymous caller of an action whose rule never admits one gets 403 whatever they
send: wrong types, deeply nested JSON, NUL bytes. The refusal says which permission is
missing and nothing about the body, which it never echoes. A signed-in caller with the
same bodies is told which field is wrong (409); a sysadmin-only action refuses an
ordinary user (403) before looking at the body too. Nothing changes in the database.

The actions tried are read from the registry and the rules table, so a new action is
tried as soon as it is registered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from portal.actions.permissions import OPEN_TO_ANONYMOUS, RULES, sysadmin
from portal.core.validation import MAX_DEPTH
from portal.services import load_actions
from tests.api.conftest import Site
from tests.api.helpers import fingerprint, make_user

MARK = "PROBE-7c1e<script>"  # must never come back in a refusal
# Deep, but within what the API parses (deeper bodies are a 400 before anything else:
# test_json_nested_past_the_parser_s_limit_is_a_bad_request).
DEPTH = MAX_DEPTH - 10

ACTIONS = load_actions()
# Actions whose rule refuses an anonymous caller whatever the target.
CLOSED = sorted(name for name, rule in RULES.items() if rule not in OPEN_TO_ANONYMOUS)
# Of those, the ones an ordinary signed-in user (no role anywhere) may reach the body of:
# every rule but sysadmin needs a target to decide, so the body is checked first.
BODY_CHECKED = sorted(name for name in CLOSED if RULES[name] is not sysadmin
                      and ACTIONS[name].schema)
BUREAU_ONLY = sorted(name for name, rule in RULES.items() if rule is sysadmin)


def _deep(value: Any) -> Any:
    for _ in range(DEPTH):
        value = [value]
    return value


Body = Callable[[str], dict[str, Any]]

# Malformed bodies: every declared key given a value no validator takes.
BODIES: dict[str, Body] = {
    "objects": lambda name: {key: {"$ne": MARK} for key in ACTIONS[name].schema},
    "deep JSON": lambda name: {key: _deep(MARK) for key in ACTIONS[name].schema},
    "NUL bytes": lambda name: {key: f"x\x00{MARK}" for key in ACTIONS[name].schema},
    "huge numbers": lambda name: {key: 10**30 for key in ACTIONS[name].schema},
    "not the declared keys": lambda name: {MARK: MARK, "__proto__": {"admin": True}},
}
# Bodies a schema refuses whatever the key: for the signed-in caller's 409.
WRONG_TYPES = ("objects", "deep JSON")


@pytest.fixture(scope="module")
def site(shared_site: Site) -> Iterator[Site]:
    yield shared_site


@pytest.fixture(scope="module")
def outsider(site: Site) -> str:
    """A signed-in user with no role anywhere: a citizen's account."""
    return make_user(site.portal, "outsider")[1]


def test_the_tried_actions_cover_every_closed_rule() -> None:
    assert set(CLOSED) == {n for n in ACTIONS if RULES[n] not in OPEN_TO_ANONYMOUS}
    assert "package_create" in CLOSED and "package_show" not in CLOSED
    assert set(BUREAU_ONLY) <= set(CLOSED)


@pytest.mark.parametrize("body", BODIES)
def test_an_anonymous_write_is_refused_before_its_body_is_read(site: Site, body: str) -> None:
    before = fingerprint(site.portal)
    answers = {name: site.api.post(name, BODIES[body](name)) for name in CLOSED}
    wrong = {name: status for name, (status, _) in answers.items() if status != 403}
    assert wrong == {}
    for name, (_, answer) in answers.items():
        error = answer["error"]
        assert set(error) == {"__type", "message"}, (name, error)
        assert error["__type"] == "Authorization Error"
        assert error["message"].startswith(f"Authorization Error: anonymous may not {name}: ")
        assert MARK not in str(answer) and "\x00" not in str(answer), name
    assert fingerprint(site.portal) == before


@pytest.mark.parametrize("body", WRONG_TYPES)
def test_a_signed_in_caller_with_the_same_body_is_told_which_field_is_wrong(
        site: Site, outsider: str, body: str) -> None:
    before = fingerprint(site.portal)
    for name in BODY_CHECKED:
        status, answer = site.api.post(name, BODIES[body](name), token=outsider)
        assert status == 409, (name, answer)
        error = answer["error"]
        assert error["__type"] == "Validation Error"
        fields = set(error) - {"__type", "message"}
        assert fields and fields <= set(ACTIONS[name].schema), (name, error)
        assert all(isinstance(m, str) for f in fields for m in error[f])
        assert MARK not in str(answer), name
    assert fingerprint(site.portal) == before


@pytest.mark.parametrize("body", BODIES)
def test_a_bureau_only_action_refuses_an_ordinary_user_before_reading_the_body(
        site: Site, body: str) -> None:
    before = fingerprint(site.portal)
    for token in (site.editor, None):
        for name in BUREAU_ONLY:
            status, answer = site.api.post(name, BODIES[body](name), token=token)
            assert status == 403, (name, answer)
            assert "only bureau staff (sysadmins)" in answer["error"]["message"]
            assert MARK not in str(answer), name
    assert fingerprint(site.portal) == before


# Text with a NUL byte: refused for the field it is in, once the caller may write at all.
NUL_TEXT: dict[str, tuple[dict[str, Any], str]] = {
    "package_create": ({"name": "nul-entry", "title": f"学校\x00{MARK}", "owner_org": "edu"},
                       "title"),
    "data_request_create": ({"title": f"学位\x00{MARK}", "description": "各校学位数"}, "title"),
    "catalog_change_create": ({"organization": "edu", "kind": "duty",
                               "description": f"职能\x00{MARK}", "basis": "决定",
                               "changed_on": "2024-03-01"}, "description"),
    "notification_mark_read": ({"ids": [f"x\x00{MARK}"]}, "ids"),
}


@pytest.mark.parametrize("name", NUL_TEXT)
def test_a_nul_byte_is_the_field_s_error_for_a_writer_and_a_refusal_for_anonymous(
        site: Site, name: str) -> None:
    params, field = NUL_TEXT[name]
    before = fingerprint(site.portal)
    status, answer = site.api.post(name, params)
    assert (status, answer["error"]["__type"]) == (403, "Authorization Error")
    assert MARK not in str(answer)
    status, answer = site.api.post(name, params, token=site.editor)
    assert status == 409, answer
    assert answer["error"][field] == ["Must not contain NUL characters"], answer["error"]
    assert MARK not in str(answer)
    assert fingerprint(site.portal) == before


def test_an_anonymous_caller_learns_nothing_of_a_target_that_does_not_exist(
        site: Site) -> None:
    """Refused for who they are, before any lookup: the same answer for an entry that
    exists and one that does not."""
    real = site.api.post("package_delete", {"id": "no-such-entry"})
    fake = site.api.post("package_delete", {"id": "another-missing-one"})
    assert real[0] == fake[0] == 403 and real[1]["error"] == fake[1]["error"]


def test_actions_open_to_anonymous_callers_still_check_the_body(site: Site) -> None:
    """Rules that admit anonymous callers (public entries, public requests, open reads)
    go on to validation: the anonymous caller is told which field is wrong."""
    status, answer = site.api.post("package_show", {"id": {"$ne": MARK}})
    assert status == 409 and "id" in answer["error"] and MARK not in str(answer)
    status, answer = site.api.post("package_search", {"rows": {"$gt": 0}})
    assert status == 409 and "rows" in answer["error"]


def test_json_nested_past_the_parser_s_limit_is_a_bad_request(site: Site) -> None:
    deep = '{"id": ' + "[" * 5000 + "1" + "]" * 5000 + "}"
    status, answer = site.api.post("package_delete", data=deep,
                                   headers={"Content-Type": "application/json"})
    assert status == 400 and answer["error"]["__type"] == "Bad request"
