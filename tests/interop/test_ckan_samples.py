"""Real CKAN responses (/work/shared/interop/ckan-samples, see its README) against ours.

- Our package_show has every key CKAN's has, at the top level and in the
  resource, tag, group and organization dicts. The one exception is
  `revision_id`: CKAN 2.9 removed revisions, and we answer as CKAN 2.10.
- A package dict from a real CKAN loads with package_create once the national
  catalog elements we require are added (CKAN has no such fields) and owner_org
  names one of our organizations; what comes back keeps the CKAN fields. Top-level
  keys a CKAN extension added (data.gov.uk's `theme-primary`...) are not kept, as
  vanilla CKAN's schema does not keep them either; resource keys are (as extras).
- DKAN's CKAN-compatible answer is not CKAN's: `"state": "Active"` and a group
  named `group/...` are refused with a Validation Error naming the field.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from portal.core.context import SYSTEM
from portal.core.errors import ValidationError
from portal.services import Portal
from tests.conftest import org_params, package_params

SAMPLES = Path("/work/shared/interop/ckan-samples")
CKAN_SHOWS = ["demo.ckan.org_package_show_62513382.json",
              "demo.ckan.org_package_show_adur_district_spending.json",
              "data.gov.uk_package_show.json",
              "data.gov.uk_package_show_2015_ckanext-harvest-mock.json"]
DROPPED_BY_CKAN = {"revision_id"}  # gone since CKAN 2.9
# The keys of our resource dicts (a resource key outside these is kept as an extra).
OUR_RESOURCE_KEYS = {
    "id", "package_id", "name", "description", "url", "url_type", "format", "mimetype", "size",
    "hash", "created", "last_modified", "metadata_modified", "position", "state",
    "datastore_active", "cache_url", "cache_last_updated", "mimetype_inner", "resource_type",
}
CATALOG_ELEMENTS = {"classification": "department", "update_period": "irregular",
                    "share_type": "unconditional", "open_type": "unconditional"}

pytestmark = pytest.mark.skipif(not SAMPLES.is_dir(), reason="CKAN samples not available")


def sample(filename: str) -> dict[str, Any]:
    result = json.loads((SAMPLES / filename).read_text(encoding="utf-8"))["result"]
    return result[0] if isinstance(result, list) else result


@pytest.fixture
def ours(portal: Portal) -> dict[str, Any]:
    portal.call("organization_create", org_params("edu"), user=SYSTEM)
    portal.call("group_create", {"name": "theme", "title": "主题"}, user=SYSTEM)
    return portal.call("package_create", package_params(
        "schools", "edu", tags=["学校"], groups=[{"name": "theme"}],
        resources=[{"url": "http://example.cn/a.csv"}]), user=SYSTEM)


def _keys(items: list[dict[str, Any]], every: bool = False) -> set[str]:
    """Keys found in any item, or (every=True) in each of them."""
    sets = [set(i) for i in items] or [set()]
    return set.intersection(*sets) if every else set.union(*sets)


@pytest.mark.parametrize("filename", CKAN_SHOWS[:2])
def test_package_show_has_every_key_ckan_s_has(ours: dict[str, Any], filename: str) -> None:
    theirs = sample(filename)
    assert set(theirs) - DROPPED_BY_CKAN - set(ours) == set()
    # Keys every resource has are CKAN's; others (adur's openspending_hint) an extension's.
    core = _keys(theirs["resources"], every=True)
    assert core - DROPPED_BY_CKAN - _keys(ours["resources"]) == set()
    assert _keys(theirs["tags"]) - _keys(ours["tags"]) == set()
    assert _keys(theirs["groups"]) - _keys(ours["groups"]) == set()
    if theirs["organization"]:
        assert set(theirs["organization"]) - DROPPED_BY_CKAN - set(ours["organization"]) == set()


def test_the_search_result_shape_is_ckan_s(ours: dict[str, Any], portal: Portal) -> None:
    theirs = json.loads((SAMPLES / "demo.ckan.org_package_search_rows3.json").read_text())
    result = portal.call("package_search", {})
    assert set(theirs["result"]) <= set(result)
    facet, mine = theirs["result"]["search_facets"]["organization"], \
        result["search_facets"]["organization"]
    assert set(facet) == set(mine)
    assert _keys(facet["items"]) == _keys(mine["items"])
    assert set(theirs["result"]["results"][0]) - DROPPED_BY_CKAN <= set(result["results"][0])


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


@pytest.mark.parametrize("filename", CKAN_SHOWS)
def test_a_real_ckan_package_loads_once_our_catalog_elements_are_added(
        portal: Portal, filename: str) -> None:
    theirs = sample(filename)
    portal.call("organization_create", org_params("edu"), user=SYSTEM)
    for group in theirs["groups"]:
        # As `ckanapi load groups` would, but with a new id: the entry's group is then
        # found by its name.
        portal.call("group_create", {"name": group["name"],
                                     "title": group.get("title") or group["name"]}, user=SYSTEM)
    params = {**theirs, **CATALOG_ELEMENTS, "owner_org": "edu",
              "resource_code": f"imported-{theirs['name'][:40]}"}
    loaded = portal.call("package_create", params, user=SYSTEM)
    assert loaded == portal.call("package_show", {"id": theirs["id"]})
    assert loaded["id"] == theirs["id"]
    for key in ("name", "title", "notes", "url", "version", "author", "author_email",
                "maintainer", "maintainer_email"):
        assert loaded[key] == _text(theirs.get(key)), key
    assert loaded["license_id"] == (theirs["license_id"] or "notspecified")
    assert [t["name"] for t in loaded["tags"]] == sorted(
        t if isinstance(t, str) else t["name"] for t in theirs["tags"])
    assert [g["name"] for g in loaded["groups"]] == sorted(g["name"] for g in theirs["groups"])
    assert {e["key"]: e["value"] for e in loaded["extras"]} == \
        {e["key"]: e["value"] for e in theirs["extras"]}
    assert [r["id"] for r in loaded["resources"]] == [r["id"] for r in theirs["resources"]]
    for mine, res in zip(loaded["resources"], theirs["resources"], strict=True):
        for key in ("url", "name", "description"):
            assert mine[key] == _text(res.get(key)), key
        if res.get("format"):
            assert mine["format"] == res["format"]
        # Keys of an extension (data.gov.uk's resource_locator_*) are kept as extras.
        extension = {k: v for k, v in res.items() if k not in OUR_RESOURCE_KEYS
                     and k not in DROPPED_BY_CKAN and isinstance(v, str | int | float)}
        assert {k: mine.get(k) for k in extension} == extension


def test_a_dkan_answer_is_refused_naming_each_value_that_is_not_ckan_s(portal: Portal) -> None:
    theirs = sample("dkan_opendata.hautsdefrance.fr_package_show.json")
    portal.call("organization_create", org_params("edu"), user=SYSTEM)
    group = theirs["groups"][0]
    with pytest.raises(ValidationError) as refused:  # "group/region-hauts-de-france"
        portal.call("group_create", {"name": group["name"], "title": "x"}, user=SYSTEM)
    assert set(refused.value.errors) == {"name"}
    portal.call("group_create", {"id": group["id"], "name": "region-hdf",
                                 "title": group["title"]}, user=SYSTEM)
    params = {**theirs, **CATALOG_ELEMENTS, "owner_org": "edu", "resource_code": "dkan-1"}
    with pytest.raises(ValidationError) as refused:  # "state": "Active"
        portal.call("package_create", params, user=SYSTEM)
    assert set(refused.value.errors) == {"state"}
    params["state"] = "active"
    with pytest.raises(ValidationError) as refused:  # "size": "42 octets"
        portal.call("package_create", params, user=SYSTEM)
    assert set(refused.value.errors) == {"size"}
    assert portal.call("package_list") == []
    # With those values made CKAN's, the rest of the DKAN record loads.
    params["resources"] = [{**r, "size": None} for r in theirs["resources"]]
    loaded = portal.call("package_create", params, user=SYSTEM)
    assert [g["name"] for g in loaded["groups"]] == ["region-hdf"]
    assert [r["url"] for r in loaded["resources"]] == [r["url"] for r in theirs["resources"]]
