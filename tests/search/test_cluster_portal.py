"""A whole portal on the opensearch backend: entries made through the actions are
found by package_search through an OpenSearch-compatible server (osmem-server)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from portal.core.context import SYSTEM
from portal.core.errors import SearchError
from portal.services import Portal
from tests.conftest import empty_tables, make_settings, org_params, package_params

ENTRIES = {
    "bus-lines": ("sx-jtysj", {"title": "县城公交线路及站点信息", "tags": ["公交", "交通"],
                               "resources": [{"url": "http://example.cn/bus.csv",
                                              "format": "CSV"}]}),
    "road-works": ("sx-jtysj", {"title": "道路施工占道与交通事故快报", "tags": ["交通"],
                                "resources": [{"url": "http://example.cn/works.pdf",
                                               "format": "PDF"}]}),
    "traffic-accidents": ("sx-gaj", {"title": "道路交通事故统计", "tags": ["交通", "安全"],
                                     "resources": [{"url": "http://example.cn/acc.xlsx",
                                                    "format": "XLSX"}]}),
    "accident-plan": ("sx-gaj", {"title": "道路交通事故应急预案", "tags": ["内部"],
                                 "publication_state": "draft"}),
    "bus-drivers": ("sx-jtysj", {"title": "公交车辆驾驶员信息", "tags": ["内部"],
                                 "private": True}),
}


@pytest.fixture
def clone(osmem: Any) -> Iterator[Any]:
    clone = osmem.clone()
    yield clone
    clone.close()


@pytest.fixture
def portal(tmp_path: Path, database_url: str, clone: Any) -> Iterator[Portal]:
    empty_tables(database_url)
    settings = make_settings(tmp_path / "var", database_url, search={
        "backend": "opensearch", "url": clone.url, "index_prefix": "e2e"})
    p = Portal(settings)
    p.call("organization_create", org_params("sx-jtysj", title="泗县交通运输局"), user=SYSTEM)
    p.call("organization_create", org_params("sx-gaj", title="泗县公安局"), user=SYSTEM)
    for name, (org, fields) in ENTRIES.items():
        p.call("package_create", package_params(name, org, **fields), user=SYSTEM)
    yield p
    p.dispose()


def search(portal: Portal, **params: Any) -> dict[str, Any]:
    return portal.call("package_search", {"rows": 100, **params})


def names(portal: Portal, **params: Any) -> set[str]:
    found = search(portal, **params)
    assert found["count"] == len(found["results"])
    return {d["name"] for d in found["results"]}


def test_the_portal_searches_the_cluster(portal: Portal, clone: Any) -> None:
    from opensearchpy import OpenSearch

    assert portal.search.backend.kind == "opensearch"
    live = portal.search.live_index()
    assert live.startswith("e2e-")
    client = OpenSearch(hosts=[clone.url])
    assert client.indices.exists(index=live)
    assert client.count(index=live)["count"] == len(ENTRIES)
    client.close()


def test_package_search_results_and_facets(portal: Portal) -> None:
    found = search(portal, **{"facet.field": '["organization", "tags", "res_format"]'})
    assert found["count"] == 3
    assert {d["name"] for d in found["results"]} == {"bus-lines", "road-works",
                                                     "traffic-accidents"}
    assert found["facets"] == {
        "organization": {"sx-jtysj": 2, "sx-gaj": 1},
        "tags": {"交通": 3, "公交": 1, "安全": 1},
        "res_format": {"CSV": 1, "PDF": 1, "XLSX": 1},
    }
    items = found["search_facets"]["organization"]["items"]
    assert items[0] == {"name": "sx-jtysj", "display_name": "泗县交通运输局", "count": 2}
    assert names(portal, q='"道路交通事故"') == {"traffic-accidents"}
    assert names(portal, q="交通事故") == {"traffic-accidents", "road-works"}
    assert names(portal, q="gjxl") == {"bus-lines"}
    assert names(portal, q="gongjiao") == {"bus-lines"}
    assert names(portal, fq="res_format:PDF") == {"road-works"}
    assert names(portal, q="交通 -公交", fq="organization:sx-jtysj") == {"road-works"}
    by_name = search(portal, sort="name asc", rows=2)
    assert [d["name"] for d in by_name["results"]] == ["bus-lines", "road-works"]
    assert by_name["count"] == 3
    # The sysadmin asks for drafts and private entries too.
    admin = {"include_private": True, "include_drafts": True}
    assert names(portal, q="内部") == set()
    assert portal.call("package_search", {"q": "内部", **admin}, user=SYSTEM)["count"] == 2


def test_changes_are_searchable_at_once(portal: Portal) -> None:
    portal.call("package_delete", {"id": "bus-lines"}, user=SYSTEM)
    assert names(portal, q="gjxl") == set()
    found = search(portal, **{"facet.field": '["organization"]'})
    assert found["count"] == 2
    assert found["facets"]["organization"] == {"sx-jtysj": 1, "sx-gaj": 1}

    portal.call("package_patch", {"id": "road-works", "title": "城区道路施工计划"}, user=SYSTEM)
    assert names(portal, q="交通事故") == {"traffic-accidents"}
    assert names(portal, q="施工计划") == {"road-works"}

    portal.call("package_patch", {"id": "accident-plan", "publication_state": "published"},
                user=SYSTEM)
    assert names(portal, q='"道路交通事故"') == {"traffic-accidents", "accident-plan"}
    assert portal.search.pending() == 0
    assert portal.search.check().consistent


def test_rebuild_swaps_in_a_new_cluster_index(portal: Portal, clone: Any) -> None:
    from opensearchpy import OpenSearch

    old = portal.search.live_index()
    assert portal.search.rebuild(workers=1) == len(ENTRIES)
    new = portal.search.live_index()
    assert new != old and new.startswith("e2e-")
    client = OpenSearch(hosts=[clone.url])
    assert not client.indices.exists(index=old)
    client.close()
    assert names(portal, q="gjxl") == {"bus-lines"}
    assert portal.search.check().consistent


def test_an_unreachable_cluster_is_a_search_error(portal: Portal, clone: Any) -> None:
    assert names(portal, q="gjxl") == {"bus-lines"}
    clone.close()
    # Writes still commit; their index changes wait in the outbox.
    portal.call("package_patch", {"id": "bus-lines", "title": "公交线路"}, user=SYSTEM)
    assert portal.search.pending() == 1
    with pytest.raises(SearchError, match="Search is unavailable"):
        search(portal, q="gjxl")


def test_a_portal_starting_while_the_cluster_is_down_serves_the_catalog(
        tmp_path: Path, database_url: str, clone: Any) -> None:
    empty_tables(database_url)
    clone.close()
    settings = make_settings(tmp_path / "var2", database_url, search={
        "backend": "opensearch", "url": clone.url, "index_prefix": "down"})
    p = Portal(settings)
    try:
        p.call("organization_create", org_params("sx-gaj", title="泗县公安局"), user=SYSTEM)
        p.call("package_create", package_params("accidents", "sx-gaj"), user=SYSTEM)
        assert p.call("package_list", {}) == ["accidents"]
        with pytest.raises(SearchError, match="Search is unavailable"):
            search(p, q="accidents")
    finally:
        p.dispose()
