"""Bad input is refused with CKAN's error shape and the right status, naming the field,
never with a 500, and never leaving a half-written record: after each refusal every
table and the blob store are exactly as before.

The calls are made as the bureau (sysadmin), so each refusal is about the input,
not about permission.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from portal.core.context import SYSTEM
from portal.core.errors import ValidationError
from tests.api.conftest import Site
from tests.api.helpers import unchanged
from tests.conftest import org_params, package_params

HUGE = 10**30


def entry(name: str = "new-entry", **extra: Any) -> dict[str, Any]:
    return package_params(name, "edu", **extra)


@pytest.fixture(scope="module")
def site(shared_site: Site) -> Iterator[Site]:
    shared_site.portal.call("package_create", entry(
        "schools", resources=[{"name": "名单", "url": "http://example.cn/schools.csv"}]),
        user=shared_site.portal.caller_by_name("bureau"))
    for token in (shared_site.admin, shared_site.editor):
        # A token's first use from an address is recorded (and audited): done here, so
        # each refusal below can be checked to change nothing at all.
        shared_site.api.post("status_show", {}, token=token)
    yield shared_site


def resource_id(site: Site) -> str:
    return site.portal.call("package_show", {"id": "schools"}, user=SYSTEM)["resources"][0]["id"]


# (action, params, status, the field named in the error or the error's __type)
CASES: dict[str, tuple[str, Any, int, str]] = {
    # catalog entries
    "slug with capitals and spaces": ("package_create", entry("Bad Name!"), 409, "name"),
    "slug too short": ("package_create", entry("x"), 409, "name"),
    "conditional share without legal basis": (
        "package_create", entry(share_type="conditional", share_condition="仅限公安"), 409,
        "legal_basis"),
    "no-share without legal basis": ("package_create", entry(share_type="none"), 409,
                                     "legal_basis"),
    "conditional share without its condition": (
        "package_create", entry(share_type="conditional", legal_basis="《条例》第十条"), 409,
        "share_condition"),
    "core data opened": ("package_create", entry(grading="core"), 409, "open_type"),
    "unknown classification": ("package_create", entry(classification="secret"), 409,
                               "classification"),
    "unknown organization": ("package_create", package_params("x-1", "no-such-org"), 409,
                             "owner_org"),
    "unknown group": ("package_create", entry(groups=[{"name": "no-such-group"}]), 409,
                      "groups"),
    "tags as a string": ("package_create", entry(tags="x"), 409, "tags"),
    "private: maybe": ("package_create", entry(private="maybe"), 409, "private"),
    "data items that are not objects": ("package_create", entry(data_items=[1, 2]), 409,
                                        "data_items"),
    "data item of an unknown type": (
        "package_create", entry(data_items=[{"name": "a", "type": "blob"}]), 409, "data_items"),
    "resources as an object": ("package_create", entry(resources={}), 409, "resources"),
    "a resource that is not an object": ("package_create", entry(resources=[1]), 409,
                                         "resources"),
    "a resource size that is not a number": (
        "package_create", entry(resources=[{"url": "http://example.cn/a", "size": "big"}]),
        409, "size"),
    "a resource size beyond any disk": (
        "package_create", entry(resources=[{"url": "http://example.cn/a", "size": HUGE}]),
        409, "size"),
    "a bad second resource": (
        "package_create", entry(resources=[{"url": "http://example.cn/a.csv"},
                                           {"url": "http://example.cn/b", "size": "big"}]),
        409, "size"),
    "an update whose new resources are bad": (
        "package_update", entry("schools", id="schools",
                                resources=[{"url": "http://example.cn/c.csv"}, "not a resource"]),
        409, "resources"),
    "an impossible date": ("package_create", entry(issued="2024-13-01"), 409, "issued"),
    "a period that ends before it starts": (
        "package_create", entry(temporal_start="2024-01-01", temporal_end="2023-01-01"), 409,
        "temporal_end"),
    "extras as a string": ("package_create", entry(extras="x"), 409, "extras"),
    "a NUL character": ("package_create", entry(title="学校\x00名单"), 409, "title"),
    "a NUL character in a tag": ("package_create", entry(tags=["学校\x00"]), 409, "tags"),
    "a NUL character in a group": ("package_create", entry(groups=[{"name": "theme\x00"}]), 409,
                                   "groups"),
    "duplicate name": ("package_create", entry("schools", resource_code="other-code"), 409,
                       "name"),
    "duplicate resource code": ("package_create", entry(resource_code="341324-schools"), 409,
                                "resource_code"),
    "update of an unknown entry": ("package_update", entry(id="no-such-entry"), 404,
                                   "Not Found Error"),
    "update to a bad slug": ("package_update", entry("Bad Name", id="schools"), 409, "name"),
    "patch to no-share without legal basis": (
        "package_patch", {"id": "schools", "share_type": "none"}, 409, "legal_basis"),
    "patch to core while open": ("package_patch", {"id": "schools", "grading": "core"}, 409,
                                 "open_type"),
    "patch with an id that is an object": ("package_patch", {"id": {}}, 409, "id"),
    "show without an id": ("package_show", {}, 409, "id"),
    "show with a list for an id": ("package_show", {"id": ["schools"]}, 409, "id"),
    "show with a NUL in the id": ("package_show", {"id": "schools\x00"}, 404,
                                  "Not Found Error"),
    "delete of an unknown entry": ("package_delete", {"id": "no-such-entry"}, 404,
                                   "Not Found Error"),
    # resources
    "resource for an unknown entry": (
        "resource_create", {"package_id": "no-such-entry", "url": "http://example.cn/a"}, 404,
        "Not Found Error"),
    "resource without an entry": ("resource_create", {"url": "http://example.cn/a"}, 409,
                                  "package_id"),
    "update of an unknown resource": ("resource_update", {"id": "no-such-resource"}, 404,
                                      "Not Found Error"),
    "negative resource size": ("resource_patch", lambda s: {"id": resource_id(s), "size": -1},
                               409, "size"),
    # organizations, users, groups, tokens
    "organization with a bad slug": ("organization_create", {"name": "Bad", "title": "x"}, 409,
                                     "name"),
    "duplicate organization": ("organization_create", {"name": "edu", "title": "x"}, 409,
                               "name"),
    "unknown role": ("organization_member_create",
                     {"id": "edu", "username": "editor", "role": "owner"}, 409, "role"),
    "member who does not exist": ("organization_member_create",
                                  {"id": "edu", "username": "no-such-user"}, 404,
                                  "Not Found Error"),
    "duplicate user": ("user_create", {"name": "editor"}, 409, "name"),
    "short password": ("user_create", {"name": "new-user", "password": "short"}, 409,
                       "password"),
    "bad e-mail": ("user_create", {"name": "new-user", "email": "not-an-address"}, 409, "email"),
    "duplicate group": ("group_create", {"name": "theme", "title": "x"}, 409, "name"),
    "revoking an unknown token": ("api_token_revoke", {"jti": "no-such-token"}, 404,
                                  "Not Found Error"),
    # reads
    "rows: abc": ("package_search", {"rows": "abc"}, 409, "rows"),
    "rows: infinity": ("package_search", {"rows": float("inf")}, 409, "rows"),
    "start below zero": ("package_search", {"start": -1}, 409, "start"),
    "start beyond any catalog": ("package_search", {"start": HUGE}, 409, "start"),
    "limit beyond any catalog": ("package_list", {"limit": HUGE}, 409, "limit"),
    "include_datasets: maybe": ("organization_show", {"id": "edu", "include_datasets": "maybe"},
                                409, "include_datasets"),
    "help for an unknown action": ("help_show", {"name": "no_such_action"}, 404,
                                   "Not Found Error"),
    # search queries
    "unknown fq field": ("package_search", {"fq": "colour:blue"}, 400, "Search Query Error"),
    # (an unbalanced quote in q is searched as words, as edismax does; fq stays strict)
    "unbalanced quotes in fq": ("package_search", {"fq": 'tags:"open data'}, 400,
                                "Search Query Error"),
    "fq without a field": ("package_search", {"fq": "schools"}, 400, "Search Query Error"),
    "unknown sort": ("package_search", {"sort": "colour asc"}, 400, "Search Query Error"),
    "unbalanced parenthesis": ("package_search", {"q": "(公交 OR 客运"}, 400,
                               "Search Query Error"),
    "dangling OR": ("package_search", {"q": "公交 OR"}, 400, "Search Query Error"),
    "range on a tag": ("package_search", {"fq": "tags:[a TO b]"}, 400, "Search Query Error"),
    "bad date": ("package_search", {"q": "metadata_modified:[yesterday TO NOW]"}, 400,
                 "Search Query Error"),
    "unknown facet field": ("package_search", {"facet.field": '["colour"]'}, 400,
                            "Search Query Error"),
    "facet.field that is not JSON": ("package_search", {"facet.field": "[organization"}, 400,
                                     "Search Query Error"),
}


@pytest.mark.parametrize("case", CASES)
def test_bad_input_is_refused_clearly_and_changes_nothing(site: Site, case: str) -> None:
    action, params, status, named = CASES[case]
    if callable(params):
        params = params(site)
    with unchanged(site.portal):
        got, body = site.api.post(action, params, token=site.admin)
    assert got == status, body
    assert body["success"] is False and set(body) == {"help", "success", "error"}
    if named[0].islower():
        assert body["error"]["__type"] == "Validation Error"
        assert named in body["error"], body["error"]
        assert all(isinstance(m, str) for m in body["error"][named])
    else:
        assert body["error"]["__type"] == named


def test_a_title_given_as_a_number_is_taken_as_text(site: Site) -> None:
    status, body = site.api.post("package_create", entry("numbered", title=5), token=site.admin)
    assert status == 200 and body["result"]["title"] == "5"
    site.portal.call("package_delete", {"id": "numbered"}, user=SYSTEM)


@pytest.mark.parametrize("url", ["javascript:alert(1)", "JavaScript:alert(1)",
                                 "data:text/html,<script>x</script>", " vbscript:msgbox"])
def test_script_links_are_refused_on_datasets_and_resources(portal, sysadmin, url):
    portal.call("organization_create", org_params("links-org"), user=sysadmin)
    with pytest.raises(ValidationError) as dataset_error:
        portal.call("package_create", package_params("links", "links-org", url=url),
                    user=sysadmin)
    assert "url" in dataset_error.value.errors
    portal.call("package_create", package_params("links", "links-org"), user=sysadmin)
    with pytest.raises(ValidationError) as resource_error:
        portal.call("resource_create", {"package_id": "links", "url": url}, user=sysadmin)
    assert "url" in resource_error.value.errors
    assert portal.call("package_show", {"id": "links"})["resources"] == []
