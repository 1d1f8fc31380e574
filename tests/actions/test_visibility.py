"""Lists, search, tags, counts and facets never show an entry to someone who may not read it.

The rule is package_show's (dataset_visible): published public entries are for
everyone, the rest for their organization's members and the bureau, deleted
entries for the bureau only. Every way of listing entries is checked against it,
including the include_private/include_drafts switches and the facet counts.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.actions.conftest import PERSONAS, PUBLIC, RECIPES, World
from tests.api.helpers import Api

# What each persona may read beyond the public entries (never a deleted one in lists).
OWN = {
    "anonymous": set(), "nobody": set(), "health-admin": {"health-draft"},
    "edu-member": {"edu-private", "edu-draft", "edu-pending"},
    "edu-editor": {"edu-private", "edu-draft", "edu-pending"},
    "edu-admin": {"edu-private", "edu-draft", "edu-pending"},
    "sysadmin": {"edu-private", "edu-draft", "edu-pending", "health-draft"},
}
DRAFTS = {"edu-draft", "edu-pending", "health-draft"}
PRIVATE = {"edu-private"}


def names(packages: list[dict[str, Any]]) -> set[str]:
    return {p["name"] for p in packages}


def search(world: World, persona: str, **params: Any) -> dict[str, Any]:
    return world.call(persona, "package_search", {"rows": 1000, **params})


@pytest.mark.parametrize("persona", PERSONAS)
def test_lists_show_public_entries_only(world: World, persona: str) -> None:
    assert set(world.call(persona, "package_list")) == PUBLIC
    listed = world.call(persona, "current_package_list_with_resources", {"limit": 1000})
    assert names(listed) == PUBLIC
    assert names(search(world, persona)["results"]) == PUBLIC
    org = world.call(persona, "organization_show", {"id": "edu", "include_datasets": True})
    assert (names(org["packages"]), org["package_count"]) == ({"edu-published"}, 1)
    group = world.call(persona, "group_show", {"id": "theme", "include_datasets": True})
    assert (names(group["packages"]), group["package_count"]) == (PUBLIC, len(PUBLIC))
    counts = {o["name"]: o["package_count"]
              for o in world.call(persona, "organization_list", {"all_fields": True})}
    assert counts == {"edu": 1, "health": 1}
    groups = world.call(persona, "group_list", {"all_fields": True})
    assert [(g["name"], g["package_count"]) for g in groups] == [("theme", len(PUBLIC))]
    assert set(world.call(persona, "tag_list")) == {f"tag-{n}" for n in PUBLIC}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("private, drafts", [(True, True), (True, False), (False, True)])
def test_include_private_and_drafts_only_add_what_the_caller_may_read(
        world: World, persona: str, private: bool, drafts: bool) -> None:
    wanted = PUBLIC | {n for n in OWN[persona]
                       if (n not in PRIVATE or private) and (n not in DRAFTS or drafts)}
    found = search(world, persona, include_private=private, include_drafts=drafts)
    assert names(found["results"]) == wanted
    assert found["count"] == len(wanted)


@pytest.mark.parametrize("persona", PERSONAS)
def test_facet_counts_count_only_what_the_results_may_show(world: World, persona: str) -> None:
    found = search(world, persona, include_private=True, include_drafts=True,
                   **{"facet.field": ["organization", "tags", "groups", "res_format"],
                      "facet.limit": -1})
    shown = names(found["results"])
    orgs: dict[str, int] = {}
    for name in shown:
        org = RECIPES[name][0]
        orgs[org] = orgs.get(org, 0) + 1
    assert found["facets"]["organization"] == orgs
    assert found["facets"]["tags"] == {f"tag-{n}": 1 for n in shown}
    assert found["facets"]["groups"] == {"theme": len(shown)}
    assert found["facets"]["res_format"] == {"CSV": len(shown)}
    items = found["search_facets"]["tags"]["items"]
    assert {i["name"]: i["count"] for i in items} == found["facets"]["tags"]


@pytest.mark.parametrize("persona", ["anonymous", "nobody", "health-admin"])
def test_a_search_for_a_hidden_entry_by_name_finds_nothing(world: World, persona: str) -> None:
    for hidden in ("edu-draft", "edu-private", "edu-deleted"):
        for params in ({"q": hidden}, {"fq": f"name:{hidden}"}, {"q": f"tags:tag-{hidden}"},
                       {"fq": f"resource_code:341324-{hidden}"}):
            found = search(world, persona, include_private=True, include_drafts=True, **params)
            assert found["count"] == 0, (hidden, params)
            assert all(f == {} for f in found["facets"].values())


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("state", ["draft", "pending", "deleted"])
def test_filtering_on_a_state_finds_only_the_caller_s_own(world: World, persona: str,
                                                          state: str) -> None:
    found = search(world, persona, include_private=True, include_drafts=True,
                   fq=f"publication_state:{state}")
    assert names(found["results"]) == {n for n in OWN[persona] if n.endswith(state)}


def test_deleted_entries_are_listed_for_no_one(world: World) -> None:
    found = search(world, "sysadmin", include_private=True, include_drafts=True, q="edu-deleted")
    assert found["count"] == 0
    assert "edu-deleted" not in world.call("sysadmin", "package_list")


def test_the_same_holds_over_http(world: World, world_client: Any) -> None:
    api = Api(world_client)
    query = {"include_private": "true", "include_drafts": "true", "rows": "1000"}
    status, body = api.get("package_search", query)
    assert status == 200 and names(body["result"]["results"]) == PUBLIC
    status, body = api.get("package_search", query, token=world.tokens["health-admin"])
    assert names(body["result"]["results"]) == PUBLIC | OWN["health-admin"]
    status, body = api.get("package_search", query, token=world.tokens["edu-member"])
    assert names(body["result"]["results"]) == PUBLIC | OWN["edu-member"]
