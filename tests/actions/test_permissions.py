"""Every rule in portal.actions.permissions.RULES, tried by every kind of caller.

Each table row names an action, how to call it, and who must get through; every
other persona must be refused with NotAuthorized, leaving every table's row count
and the audit head as they were (tests/api compares whole rows after refusals).
The personas and entries are made in tests/actions/conftest.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyotp
import pytest

from portal.actions.permissions import CALLER_ONLY, OPEN_TO_ANONYMOUS, RULES, Target
from portal.core.context import SYSTEM, Caller
from portal.core.errors import NotAuthorized
from portal.services import load_actions
from tests.actions.conftest import PERSONAS, World
from tests.api.helpers import Api, fingerprint
from tests.conftest import org_params, package_params
from tests.sharing import scenes

EDU_STAFF = {"edu-member", "edu-editor", "edu-admin"}
WRITERS = {"edu-editor", "edu-admin", "sysadmin"}
EVERYONE = set(PERSONAS)

Params = Callable[[World, str], dict[str, Any]]


def _pending_with_item(world: World) -> str:
    """A pending entry with one data item a reviewer could confirm (set in the database:
    a department's edit would send it through review again)."""
    from portal.models import Dataset

    name = world.entry("edu-pending")
    with world.portal.session() as session:
        ds = session.get(Dataset, world.ids[name])
        assert ds is not None
        ds.data_items = [{"name": "办公电话", "type": "text", "description": "",
                          "personal": False, "public_by_law": False, "legal_basis": ""}]
        session.commit()
    return name


def _own_password_change(world: World, persona: str) -> dict[str, Any]:
    """The persona's current password (set by a reset, as the personas have none)."""
    old = "not-a-user" if persona == "anonymous" else world.portal.call(
        "user_password_reset", {"id": persona}, user=SYSTEM)["password"]
    return {"old_password": old, "new_password": "Next-pass-2026"}


def _own_totp_code(world: World, persona: str) -> dict[str, Any]:
    """A right code for the persona's second factor being enrolled."""
    if persona == "anonymous":
        return {"code": "000000"}
    secret = world.call(persona, "user_totp_setup", {})["secret"]
    return {"code": pyotp.TOTP(secret).at(world.portal.clock.now())}


def attempt(world: World, persona: str, action: str, params: dict[str, Any]) -> str:
    """'ok' or 'refused'; a refusal must leave the row counts and the audit head as they
    were (a cheap check, since hundreds of refusals are tried here)."""
    before = fingerprint(world.portal)
    try:
        world.call(persona, action, params)
    except NotAuthorized:
        assert fingerprint(world.portal) == before, f"refused {action} by {persona} changed data"
        return "refused"
    return "ok"


def allowed(outcomes: dict[str, str]) -> set[str]:
    return {persona for persona, outcome in outcomes.items() if outcome == "ok"}


# --- reading a catalog entry -----------------------------------------------------------------

VIEWERS = {
    "edu-published": EVERYONE,
    "health-published": EVERYONE,
    "edu-private": EDU_STAFF | {"sysadmin"},
    "edu-draft": EDU_STAFF | {"sysadmin"},
    "edu-pending": EDU_STAFF | {"sysadmin"},
    "edu-deleted": {"sysadmin"},
    "health-draft": {"health-admin", "sysadmin"},
}
def with_table(w: World, entry: str) -> str:
    """The entry's resource, with a datastore table (made once, by the bureau)."""
    rid = w.resource_ids[entry]
    if not w.call("sysadmin", "resource_show", {"id": rid})["datastore_active"]:
        w.portal.call("datastore_create", {"resource_id": rid, "fields": [
            {"id": "n", "type": "integer"}], "records": [{"n": 1}]}, user=SYSTEM)
    return rid


READS: dict[str, Params] = {
    "package_show": lambda w, entry: {"id": entry},
    "resource_show": lambda w, entry: {"id": w.resource_ids[entry]},
    "datastore_search": lambda w, entry: {"resource_id": with_table(w, entry)},
    "datastore_info": lambda w, entry: {"id": with_table(w, entry)},
}


@pytest.mark.parametrize("action", READS)
@pytest.mark.parametrize("entry", VIEWERS)
def test_who_may_read_an_entry(world: World, action: str, entry: str) -> None:
    outcomes = {p: attempt(world, p, action, READS[action](world, entry)) for p in PERSONAS}
    assert allowed(outcomes) == VIEWERS[entry]


def test_an_entry_is_read_by_id_as_by_name(world: World) -> None:
    by_id = {p: attempt(world, p, "package_show", {"id": world.ids["edu-draft"]})
             for p in PERSONAS}
    assert allowed(by_id) == VIEWERS["edu-draft"]


# --- changing a catalog entry and its resources ------------------------------------------------

DATASET_WRITES: dict[str, Params] = {
    "package_update": lambda w, e: package_params(e, "edu", id=w.ids[e], title="改过的标题"),
    "package_patch": lambda w, e: {"id": w.ids[e], "title": "改过的标题"},
    "package_delete": lambda w, e: {"id": w.ids[e]},
    "resource_create": lambda w, e: {"package_id": w.ids[e], "url": "http://example.cn/new.csv"},
    "resource_update": lambda w, e: {"id": w.resource_ids[e], "url": "http://example.cn/b.csv"},
    "resource_patch": lambda w, e: {"id": w.resource_ids[e], "description": "改过的说明"},
    "resource_delete": lambda w, e: {"id": w.resource_ids[e]},
    "datastore_create": lambda w, e: {"resource_id": w.resource_ids[e], "fields": [
        {"id": "n", "type": "integer"}], "records": [{"n": 2}]},
    "datastore_upsert": lambda w, e: {"resource_id": with_table(w, e),
                                      "records": [{"_id": 1, "n": 3}]},
    "datastore_delete": lambda w, e: {"resource_id": with_table(w, e), "filters": {"n": 1}},
}
EDITORS = {"edu-draft": WRITERS, "edu-published": WRITERS, "edu-private": WRITERS,
           "edu-deleted": {"sysadmin"}}


@pytest.mark.parametrize("action", DATASET_WRITES)
@pytest.mark.parametrize("recipe", EDITORS)
def test_who_may_change_an_entry(world: World, action: str, recipe: str) -> None:
    outcomes: dict[str, str] = {}
    target = None
    for persona in PERSONAS:
        target = target or world.entry(recipe)  # a fresh entry once the last one was changed
        outcomes[persona] = attempt(world, persona, action, DATASET_WRITES[action](world, target))
        if outcomes[persona] == "ok":
            target = None
    assert allowed(outcomes) == EDITORS[recipe]


@pytest.mark.parametrize("org, creators", [("edu", WRITERS), ("health", {"health-admin",
                                                                        "sysadmin"})])
def test_who_may_create_an_entry_in_an_organization(world: World, org: str,
                                                    creators: set[str]) -> None:
    outcomes = {p: attempt(world, p, "package_create",
                           package_params(f"new-{org}-{p.replace('-', '')}", org))
                for p in PERSONAS}
    assert allowed(outcomes) == creators


def _newcomer_with(world: World, roles: dict[str, str]) -> Any:
    name = world.newcomer()
    for org, role in roles.items():
        world.portal.call("organization_member_create",
                          {"id": org, "username": name, "role": role}, user=SYSTEM)
    return world.portal.caller_by_name(name)


@pytest.mark.parametrize("action", ["package_update", "package_patch"])
def test_an_entry_moves_only_to_an_organization_the_caller_edits(world: World,
                                                                 action: str) -> None:
    def move(user: Any, recipe: str) -> str:
        name = world.entry(recipe)
        params = DATASET_WRITES[action](world, name) | {"owner_org": "health"}
        before = fingerprint(world.portal)
        try:
            moved = world.portal.call(action, params, user=user)
        except NotAuthorized:
            assert fingerprint(world.portal) == before
            return "refused"
        assert moved["organization"]["name"] == "health"
        return "ok"

    outcomes = {
        "edu-editor": move(world.callers["edu-editor"], "edu-draft"),
        "edu-admin": move(world.callers["edu-admin"], "edu-published"),
        "edu editor, health member": move(
            _newcomer_with(world, {"edu": "editor", "health": "member"}), "edu-draft"),
        "edu editor, health editor": move(
            _newcomer_with(world, {"edu": "editor", "health": "editor"}), "edu-draft"),
        "sysadmin": move(world.callers["sysadmin"], "edu-published"),
    }
    assert allowed(outcomes) == {"edu editor, health editor", "sysadmin"}


def test_another_entry_s_resource_cannot_be_taken_over_by_its_id(world: World) -> None:
    """Naming health's resource id in edu's entry makes a new resource; health's is untouched."""
    theirs = world.resource_ids["health-published"]
    before = world.call("sysadmin", "resource_show", {"id": theirs})
    draft = world.entry("edu-draft")
    hijack = {"id": theirs, "url": "http://evil.example/x.csv", "name": "taken"}
    updated = world.call("edu-editor", "package_update",
                         DATASET_WRITES["package_update"](world, draft) | {"resources": [hijack]})
    made = world.call("edu-editor", "resource_create", {"package_id": draft, **hijack})
    assert theirs not in {updated["resources"][0]["id"], made["id"]}
    assert world.call("sysadmin", "resource_show", {"id": theirs}) == before


# --- publishing is the bureau's ------------------------------------------------------------

PUBLISH_ATTEMPTS: dict[str, Params] = {
    "create with state=active": lambda w, e: package_params(f"{e}-new", "edu", state="active"),
    "create as published": lambda w, e: package_params(
        f"{e}-new", "edu", publication_state="published"),
    "patch state=active": lambda w, e: {"id": e, "state": "active"},
    "patch as published": lambda w, e: {"id": e, "publication_state": "published"},
    "update with state=active": lambda w, e: package_params(e, "edu", state="active"),
}


@pytest.mark.parametrize("how", PUBLISH_ATTEMPTS)
def test_only_the_bureau_publishes(world: World, how: str) -> None:
    action = {"create": "package_create", "patch": "package_patch",
              "update": "package_update"}[how.split()[0]]
    outcomes = {}
    for persona in ("edu-editor", "edu-admin", "sysadmin"):
        draft = world.entry("edu-draft")
        outcomes[persona] = attempt(world, persona, action, PUBLISH_ATTEMPTS[how](world, draft))
        if outcomes[persona] == "ok":
            name = draft if action != "package_create" else f"{draft}-new"
            shown = world.call("sysadmin", "package_show", {"id": name})
            assert (shown["state"], shown["publication_state"]) == ("active", "published")
    assert allowed(outcomes) == {"sysadmin"}


def test_a_department_may_take_its_published_entry_back_to_draft(world: World) -> None:
    published = world.entry("edu-published")
    back = world.call("edu-editor", "package_patch", {"id": published, "state": "draft"})
    assert (back["state"], back["publication_state"]) == ("draft", "draft")
    with pytest.raises(NotAuthorized):
        world.call("edu-editor", "package_patch", {"id": published, "state": "active"})


# --- organizations, accounts and tokens --------------------------------------------------------

def _member_delete_params(w: World, _: str) -> dict[str, Any]:
    name = w.newcomer()
    w.portal.call("organization_member_create", {"id": "edu", "username": name}, user=SYSTEM)
    return {"id": "edu", "username": name}


def _pending_member(w: World, _: str) -> dict[str, Any]:
    """A self-registered account edu's admin asked to make a member: it waits for the bureau."""
    name = f"applicant-{next(_serial)}"
    w.portal.call("user_register", {"name": name, "password": "Long-enough-1",
                                    "email": f"{name}@example.cn"})
    w.call("edu-admin", "organization_member_create", {"id": "edu", "username": name})
    return {"id": "edu", "username": name}


def _new_token_of_edu_member(w: World, _: str) -> dict[str, Any]:
    return {"jti": w.portal.call("api_token_create", {"user": "edu-member"}, user=SYSTEM)["id"]}


_serial = iter(range(10**6))


def _existing_group(w: World, _: str) -> dict[str, Any]:
    name = f"group-{next(_serial)}"
    w.portal.call("group_create", {"name": name, "title": "主题"}, user=SYSTEM)
    return {"id": name, "name": name, "title": "改名的主题"}

def _edu_change(w: World, steps: tuple[str, ...] = ()) -> dict[str, Any]:
    """A fresh catalog change of edu's, made by the bureau and taken through `steps`."""
    made = w.portal.call("catalog_change_create", {
        "organization": "edu", "kind": "duty", "description": "职能调整", "basis": "决定",
        "changed_on": "2024-03-01"}, user=SYSTEM)
    for step in steps:
        w.portal.call(step, {"id": made["id"], "catalog": "目录"}, user=SYSTEM)
    return {"id": made["id"], "catalog": "目录"}


def _data_request(w: World, route: bool = False, public: bool = True) -> dict[str, Any]:
    """A fresh request of nobody's (a resident), routed to edu by the bureau if `route`."""
    made = w.call("nobody", "data_request_create", {"title": "学位数", "description": "各校学位数",
                                                   "public": public})
    if route:
        w.portal.call("data_request_route", {"id": made["id"], "organization": "edu"},
                      user=SYSTEM)
    return {"id": made["id"], "organization": "edu", "answer": "已公开", "reason": "重复"}


OTHER_RULES: dict[str, tuple[Params, set[str]]] = {
    # action: (params, who gets through)
    "organization_update": (lambda w, _: {**org_params("edu"), "id": "edu",
                                          "description": "更新的说明"}, {"edu-admin", "sysadmin"}),
    "organization_patch": (lambda w, _: {"id": "edu", "description": "更新的说明"},
                           {"edu-admin", "sysadmin"}),
    "organization_member_create": (lambda w, _: {"id": "edu", "username": w.newcomer(),
                                                 "role": "editor"}, {"edu-admin", "sysadmin"}),
    "organization_member_delete": (_member_delete_params, {"edu-admin", "sysadmin"}),
    # A citizen an org admin asked to make a member waits for the bureau alone.
    "organization_member_confirm": (_pending_member, {"sysadmin"}),
    "organization_member_reject": (_pending_member, {"sysadmin"}),
    "organization_member_request_list": (lambda w, _: {}, {"sysadmin"}),
    "organization_create": (lambda w, _: org_params(f"org-{next(_serial)}"), {"sysadmin"}),
    "group_create": (lambda w, _: {"name": f"group-{next(_serial)}", "title": "主题"},
                     {"sysadmin"}),
    "group_update": (_existing_group, {"sysadmin"}),
    "group_patch": (lambda w, p: {k: v for k, v in _existing_group(w, p).items() if k != "name"},
                    {"sysadmin"}),
    "user_create": (lambda w, _: {"name": f"user-{next(_serial)}"}, {"sysadmin"}),
    "user_register": (lambda w, _: {"name": f"citizen-{next(_serial)}", "password": "Long-enough-1",
                                    "email": "citizen@example.cn"}, EVERYONE),
    # Tokens of edu-member: only edu-member and the bureau, not even edu's admin.
    "api_token_create": (lambda w, _: {"user": "edu-member"}, {"edu-member", "sysadmin"}),
    "api_token_list": (lambda w, _: {"user_id": "edu-member"}, {"edu-member", "sysadmin"}),
    "api_token_revoke": (_new_token_of_edu_member, {"edu-member", "sysadmin"}),
    # Account security: your own password and second factor; the bureau for others.
    "user_password_change": (lambda w, p: _own_password_change(w, p), EVERYONE - {"anonymous"}),
    "user_password_reset": (lambda w, _: {"id": "edu-member"}, {"sysadmin"}),
    "user_disable": (lambda w, _: {"id": w.newcomer()}, {"sysadmin"}),
    "user_enable": (lambda w, _: {"id": w.newcomer()}, {"sysadmin"}),
    "user_security_show": (lambda w, _: {"id": "edu-member"}, {"edu-member", "sysadmin"}),
    "user_totp_setup": (lambda w, _: {}, EVERYONE - {"anonymous"}),
    "user_totp_confirm": (lambda w, p: _own_totp_code(w, p), EVERYONE - {"anonymous"}),
    "user_totp_disable": (lambda w, _: {"id": w.newcomer()}, {"sysadmin"}),
    # Notifications: anyone signed in, on their own (tests/notifications tries other users').
    "notification_list": (lambda w, _: {}, EVERYONE - {"anonymous"}),
    "notification_unread_count": (lambda w, _: {}, EVERYONE - {"anonymous"}),
    "notification_mark_read": (lambda w, _: {"all": True}, EVERYONE - {"anonymous"}),
    # Catalog changes (Art. 19): edu's own staff and the bureau (tests/changes tries more).
    "catalog_change_create": (lambda w, _: {"organization": "edu", "kind": "duty",
                                            "description": "职能调整", "basis": "决定",
                                            "changed_on": "2024-03-01"}, WRITERS),
    "catalog_change_update": (lambda w, _: _edu_change(w), WRITERS),
    "catalog_change_report": (lambda w, _: _edu_change(w, ("catalog_change_update",)),
                              WRITERS),
    "catalog_change_acknowledge": (lambda w, _: _edu_change(w, (
        "catalog_change_update", "catalog_change_report")), {"sysadmin"}),
    "catalog_change_show": (lambda w, _: _edu_change(w), EDU_STAFF | {"sysadmin"}),
    "catalog_change_list": (lambda w, _: {"organization": "edu"}, EDU_STAFF | {"sysadmin"}),
    # Data requests: a private one is read by its requester (nobody), the department it is
    # routed to and the bureau (tests/requests tries public ones and more).
    "data_request_create": (lambda w, _: {"title": "学位数", "description": "各校学位数"},
                            EVERYONE - {"anonymous"}),
    "data_request_route": (lambda w, _: _data_request(w), {"sysadmin"}),
    "data_request_answer": (lambda w, _: _data_request(w, route=True), WRITERS),
    "data_request_decline": (lambda w, _: _data_request(w), {"sysadmin"}),
    "data_request_show": (lambda w, _: _data_request(w, route=True, public=False),
                          EDU_STAFF | {"nobody", "sysadmin"}),
    "data_request_list": (lambda w, _: {"state": "routed"}, EVERYONE),
    # Sharing (Art. 27): edu asks for health's data; the bureau decides; no persona is staff
    # of the county government, so only the bureau confirms here (tests/sharing tries more).
    "share_request_create": (lambda w, _: scenes.share_params(
        "edu", scenes.shared(w.portal, "health")), WRITERS),
    "share_request_approve": (lambda w, _: scenes.share_request(w.portal, "edu", "health"),
                              {"sysadmin"}),
    "share_request_reject": (lambda w, _: scenes.share_request(w.portal, "edu", "health"),
                             {"sysadmin"}),
    "share_request_confirm": (lambda w, _: scenes.share_request(
        w.portal, "a-town", "health", "share_request_approve", org_type="town"),
        {"sysadmin"}),
    "share_request_show": (lambda w, _: scenes.share_request(w.portal, "edu", "health"),
                           EDU_STAFF | {"health-admin", "sysadmin"}),
    "share_request_list": (lambda w, _: {}, EDU_STAFF | {"health-admin", "sysadmin"}),
    # Open applications: citizens and companies (nobody) apply; the bureau decides.
    "open_application_create": (lambda w, _: scenes.open_params(w.portal, "health"),
                                {"nobody"}),
    "open_application_approve": (lambda w, _: scenes.open_application(
        w.portal, "health", "nobody"), {"sysadmin"}),
    "open_application_reject": (lambda w, _: scenes.open_application(
        w.portal, "health", "nobody"), {"sysadmin"}),
    "open_application_show": (lambda w, _: scenes.open_application(
        w.portal, "health", "nobody"), {"nobody", "sysadmin"}),
    "open_application_list": (lambda w, _: {}, EVERYONE - {"anonymous"}),
    # Grants: a share grant to edu on health's data.
    "grant_list": (lambda w, _: {}, EVERYONE - {"anonymous"}),
    "grant_show": (lambda w, _: {"id": scenes.share_grant(w.portal, "edu", scenes.shared(
        w.portal, "health"))}, EDU_STAFF | {"health-admin", "sysadmin"}),
    "grant_usage_list": (lambda w, _: {"id": scenes.share_grant(w.portal, "edu", scenes.shared(
        w.portal, "health"))}, EDU_STAFF | {"health-admin", "sysadmin"}),
    "grant_revoke": (lambda w, _: {"id": scenes.share_grant(w.portal, "edu", scenes.shared(
        w.portal, "health")), "reason": "撤销"}, {"health-admin", "sysadmin"}),
    # A grant token for oneself, a grantee: every member of edu (the bureau is no grantee).
    "grant_token_create": (lambda w, _: {"grant_id": scenes.share_grant(
        w.portal, "edu", scenes.shared(w.portal, "health"))}, EDU_STAFF),
    # Publication review: edu's editors submit edu's entries, the bureau decides, a review is
    # read by edu's staff and the bureau. A fresh entry per attempt.
    "publication_submit": (lambda w, _: {"id": w.entry("edu-draft")}, WRITERS),
    "publication_approve": (lambda w, _: {"id": w.entry("edu-pending")}, {"sysadmin"}),
    "publication_item_confirm": (lambda w, _: {"id": _pending_with_item(w), "item": "办公电话",
                                               "reason": "依法公开"}, {"sysadmin"}),
    "publication_reject": (lambda w, _: {"id": w.entry("edu-pending"), "reason": "不完整"},
                           {"sysadmin"}),
    "publication_withdraw": (lambda w, _: {"id": w.entry("edu-published"), "reason": "有误"},
                             {"sysadmin"}),
    "publication_review_show": (lambda w, _: {"dataset_id": w.entry("edu-pending")},
                                EDU_STAFF | {"sysadmin"}),
    "publication_review_list": (lambda w, _: {}, EDU_STAFF | {"health-admin", "sysadmin"}),
    # The file of a published, unconditionally open entry: everyone (the released file).
    "resource_download": (lambda w, _: {"id": w.resource_ids[w.entry("edu-published")]},
                          EVERYONE),
}


@pytest.mark.parametrize("action", OTHER_RULES)
def test_who_may_administer(world: World, action: str) -> None:
    params, expected = OTHER_RULES[action]
    outcomes = {p: attempt(world, p, action, params(world, p)) for p in PERSONAS}
    assert allowed(outcomes) == expected


ESCALATIONS: dict[str, tuple[str, dict[str, Any]]] = {
    "an editor makes themself admin": (
        "edu-editor", {"id": "edu", "username": "edu-editor", "role": "admin"}),
    "an admin joins another organization": (
        "edu-admin", {"id": "health", "username": "edu-admin", "role": "admin"}),
    "a member adds a friend": ("edu-member", {"id": "edu", "username": "nobody"}),
}


@pytest.mark.parametrize("how", ESCALATIONS)
def test_no_one_raises_their_own_role(world: World, how: str) -> None:
    persona, params = ESCALATIONS[how]
    assert attempt(world, persona, "organization_member_create", params) == "refused"


@pytest.mark.parametrize("persona", sorted(set(PERSONAS) - {"sysadmin"}))
def test_no_one_but_the_bureau_makes_a_sysadmin(world: World, persona: str) -> None:
    params = {"name": f"boss-{persona}", "sysadmin": True}
    assert attempt(world, persona, "user_create", params) == "refused"


def test_anonymous_callers_have_no_tokens_to_list_or_make(world: World) -> None:
    assert attempt(world, "anonymous", "api_token_create", {}) == "refused"
    assert attempt(world, "anonymous", "api_token_list", {}) == "refused"


def test_a_user_s_e_mail_and_memberships_are_shown_to_them_and_the_bureau_only(
        world: World) -> None:
    shown = {p: world.call(p, "user_show", {"id": "edu-member"}) for p in PERSONAS}
    private = {p for p, user in shown.items() if "email" in user or "organizations" in user}
    assert private == {"edu-member", "sysadmin"}
    assert shown["sysadmin"]["email"] == "edu-member@example.cn"


def test_an_organization_s_members_are_listed_to_its_admins_and_the_bureau_only(
        world: World) -> None:
    shown = {p: world.call(p, "organization_show", {"id": "edu", "include_users": True})
             for p in PERSONAS}
    assert {p for p, org in shown.items() if "users" in org} == {"edu-admin", "sysadmin"}
    listed = {u["name"]: u["capacity"] for u in shown["edu-admin"]["users"]}
    assert {name: role for name, role in listed.items() if name.startswith("edu-")} == {
        "edu-member": "member", "edu-editor": "editor", "edu-admin": "admin"}  # + newcomers


# --- actions open to everyone ----------------------------------------------------------------

OPEN_READS: dict[str, dict[str, Any]] = {
    "status_show": {}, "help_show": {"name": "package_show"}, "license_list": {},
    "tag_list": {}, "group_list": {}, "group_show": {"id": "theme"}, "package_list": {},
    "current_package_list_with_resources": {}, "package_search": {}, "organization_list": {},
    "organization_show": {"id": "edu"}, "user_show": {"id": "edu-member"},
}


@pytest.mark.parametrize("action", OPEN_READS)
def test_reads_open_to_everyone(world: World, action: str) -> None:
    outcomes = {p: attempt(world, p, action, OPEN_READS[action]) for p in PERSONAS}
    assert allowed(outcomes) == EVERYONE  # what they show is checked in test_visibility.py


# --- SQL over datastore tables ---------------------------------------------------------------

@pytest.fixture(scope="module")
def sql_portal(world: World) -> Any:
    """The world's portal with datastore_search_sql turned on (it is off by default)."""
    from portal.services import Portal
    from tests.conftest import make_settings

    portal = Portal(make_settings(world.portal.var_dir, world.portal.settings.database_url,
                                  datastore={"sql_enabled": True}))
    yield portal
    portal.dispose()


def test_sql_is_refused_to_everyone_while_turned_off(world: World) -> None:
    rid = with_table(world, "edu-published")
    outcomes = {p: attempt(world, p, "datastore_search_sql", {"sql": f'SELECT * FROM "{rid}"'})
                for p in PERSONAS}
    assert allowed(outcomes) == set()


@pytest.mark.parametrize("entry", VIEWERS)
def test_who_may_read_an_entry_s_table_through_sql(world: World, sql_portal: Any,
                                                   entry: str) -> None:
    """A table is read through SQL by exactly those who may see its dataset."""
    rid = with_table(world, entry)
    outcomes = {}
    for persona in PERSONAS:
        try:
            sql_portal.call("datastore_search_sql", {"sql": f'SELECT count(*) FROM "{rid}"'},
                            user=world.callers[persona])
            outcomes[persona] = "ok"
        except NotAuthorized:
            outcomes[persona] = "refused"
    assert allowed(outcomes) == VIEWERS[entry]


# --- the table itself ----------------------------------------------------------------------

def test_every_registered_action_has_a_rule_and_every_rule_an_action() -> None:
    assert set(RULES) == set(load_actions())


def _targets() -> list[Target]:
    """Targets of every kind, the most open of each: a published public entry, a public
    request, an organization, a user, organizations of a share request or a grant."""
    from portal.models import DataRequest, Dataset

    entry = Dataset(state="published", private=False, owner_org="edu")
    request = DataRequest(public=True, requester_id="someone", routed_to="edu")
    return [Target(), Target(organization_id="edu"), Target(dataset=entry),
            Target(user_id="someone"), Target(data_request=request),
            Target(organization_ids=("edu", "health")),
            Target(user_id="someone", organization_ids=("edu",))]


def test_the_rules_the_registry_decides_before_the_body_are_the_right_ones() -> None:
    """check_caller refuses an anonymous caller of every rule outside OPEN_TO_ANONYMOUS,
    and decides CALLER_ONLY rules with no target: both must hold for every target."""
    targets = _targets()
    rules = set(RULES.values())
    for rule in rules - OPEN_TO_ANONYMOUS:
        assert not any(rule(None, t) for t in targets), rule.__name__
    for rule in OPEN_TO_ANONYMOUS:
        assert any(rule(None, t) for t in targets), rule.__name__  # the set is no wider
    callers = [None, Caller(id="someone", name="someone"),
               Caller(id="staff", name="staff", roles={"edu": "admin"}),
               Caller(id="boss", name="boss", sysadmin=True)]
    for rule in CALLER_ONLY:
        for caller in callers:
            assert len({rule(caller, t) for t in targets}) == 1, (rule.__name__, caller)
    assert rules >= CALLER_ONLY | OPEN_TO_ANONYMOUS


def test_every_rule_is_tried_by_a_test_here() -> None:
    tried = (set(READS) | set(DATASET_WRITES) | {"package_create"} | set(OTHER_RULES)
             | set(OPEN_READS) | {"datastore_search_sql"})
    assert tried == set(RULES)


# --- over HTTP: how a token is sent, and tokens that are not valid -----------------------------

def test_a_token_is_read_from_either_header_and_a_bad_one_is_refused(
        world: World, world_client: Any) -> None:
    api = Api(world_client)
    draft = {"id": "edu-draft"}
    token = world.tokens["edu-member"]
    assert api.post("package_show", draft)[0] == 404  # hidden: answered as missing
    assert api.post("package_show", draft, token=token)[0] == 200
    assert api.post("package_show", draft, token=f"Bearer {token}")[0] == 200
    assert api.post("package_show", draft, headers={"X-CKAN-API-Key": token})[0] == 200
    assert api.get("package_show", draft, token=token)[0] == 200
    for bad in (token + "x", "sy_not-a-token", "Bearer "+ token[:-1]):
        status, body = api.post("status_show", {}, token=bad)
        assert (status, body["success"], body["error"]["__type"]) == \
            (403, False, "Authorization Error")


def test_a_revoked_token_is_refused_even_for_public_reads(world: World, world_client: Any) -> None:
    api = Api(world_client)
    made = world.portal.call("api_token_create", {"user": "edu-editor", "name": "to revoke"},
                             user=SYSTEM)
    assert api.post("package_show", {"id": "edu-draft"}, token=made["token"])[0] == 200
    status, _ = api.post("api_token_revoke", {"jti": made["id"]}, token=made["token"])
    assert status == 200
    assert api.post("package_show", {"id": "edu-draft"}, token=made["token"])[0] == 403
    assert api.post("package_list", {}, token=made["token"])[0] == 403


def test_a_refused_write_over_http_says_which_permission_is_missing(
        world: World, world_client: Any) -> None:
    api = Api(world_client)
    before = fingerprint(world.portal)
    status, body = api.post("package_patch", {"id": "edu-draft", "title": "x"},
                            token=world.tokens["edu-member"])
    assert status == 403
    assert body["error"]["__type"] == "Authorization Error"
    assert "editor or admin" in body["error"]["message"]
    assert fingerprint(world.portal) == before
