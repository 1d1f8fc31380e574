"""package_search as CKAN clients use it: q terms, fq filters on every supported field,
facets in both of CKAN's shapes, sort, paging. One small catalog serves the module
(every test only reads); expectations are computed from the catalog's own table."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from portal.core.context import SYSTEM
from portal.search.query import FACET_FIELDS, FILTER_FIELDS
from tests.api.conftest import Site
from tests.conftest import org_params, package_params

# name -> (organization, fields). Made in this order, so metadata_created follows it.
CATALOG: dict[str, tuple[str, dict[str, Any]]] = {
    "schools": ("edu", {
        "title": "全县中小学名录", "notes": "学校名称、地址与联系电话。",
        "tags": ["学校", "教育"], "groups": [{"name": "theme"}], "classification": "base",
        "update_period": "yearly", "license_id": "CC-BY-4.0",
        "resources": [{"url": "http://example.cn/schools.csv", "format": "CSV"},
                      {"url": "http://example.cn/schools.json", "format": "JSON"}]}),
    "teachers": ("edu", {
        "title": "教育系统教师资格认定", "notes": "认定结果。", "tags": ["教育"],
        "classification": "department", "update_period": "monthly", "license_id": "odc-by",
        "share_type": "conditional", "share_condition": "仅限人事部门",
        "legal_basis": "《教师资格条例》", "open_type": "conditional",
        "open_condition": "实名申请", "grading": "important",
        "resources": [{"url": "http://example.cn/teachers.xlsx", "format": "XLSX"}]}),
    "clinics": ("health", {
        "title": "医疗机构名录", "notes": "诊所与医院。", "tags": ["医疗"],
        "groups": [{"name": "theme"}], "classification": "thematic",
        "update_period": "quarterly", "license_id": "odc-odbl", "share_type": "none",
        "legal_basis": "《医疗机构管理条例》", "open_type": "none", "grading": "core",
        "resources": [{"url": "http://example.cn/clinics.csv", "format": "csv"}]}),
    "road_works": ("health", {
        "title": "道路施工 road works", "notes": "施工路段 100% 覆盖。", "tags": ["交通"],
        "classification": "department", "update_period": "daily", "license_id": "odc-pddl",
        "resources": [{"url": "http://example.cn/works.pdf", "format": "PDF"}]}),
}
ALL = set(CATALOG)


@pytest.fixture(scope="module")
def site(shared_site: Site) -> Iterator[Site]:
    portal = shared_site.portal
    portal.call("organization_create", org_params("health"), user=SYSTEM)
    for name, (org, fields) in CATALOG.items():
        portal.call("package_create", package_params(name, org, **fields), user=SYSTEM)
    yield shared_site


def search(site: Site, **params: Any) -> dict[str, Any]:
    status, body = site.api.post("package_search", params)
    assert status == 200, body
    return body["result"]


def found(site: Site, **params: Any) -> set[str]:
    result = search(site, rows=1000, **params)
    names = {d["name"] for d in result["results"]}
    assert result["count"] == len(names)
    return names


@pytest.mark.parametrize("q, expected", [
    ("", ALL),
    ("*:*", ALL),
    ("名录", {"schools", "clinics"}),  # in the title
    ("联系电话", {"schools"}),  # in the notes
    ("交通", {"road_works"}),  # a tag
    ("测试单位 edu", {"schools", "teachers"}),  # the organization's title
    ("名录 医疗", {"clinics"}),  # every term must match
    ("名录 -医疗", {"schools"}),  # minus excludes
    ('"road works"', {"road_works"}),  # a phrase
    ("ROAD", {"road_works"}),  # case does not matter
    ("road_works", {"road_works"}),  # '_' is a character, not a LIKE wildcard
    ("100%", {"road_works"}),  # '%' likewise
    ("tags:医疗", {"clinics"}),  # field:value inside q
    ("http://example.cn/none", set()),  # an unknown "field" in q is text, not an error
    ("覆盖 colour:blue", set()),
    ("找不到的词", set()),
])
def test_q_terms(site: Site, q: str, expected: set[str]) -> None:
    assert found(site, q=q) == expected


def _by_field(field: str) -> dict[str, set[str]]:
    """value -> entries, read from CATALOG the way the search should."""
    out: dict[str, set[str]] = {}
    for name, (org, extra) in CATALOG.items():
        params = package_params(name, org, **extra)
        derived: dict[str, list[str]] = {
            "organization": [org], "tags": params.get("tags", []),
            "res_format": [r["format"].upper() for r in params.get("resources", [])],
            "groups": [g["name"] for g in params.get("groups", [])],
            "name": [name], "dataset_type": ["dataset"], "publication_state": ["published"],
            "grading": [params.get("grading", "general")],
        }
        values = derived[field] if field in derived else [params[field]]
        for value in values:
            out.setdefault(value, set()).add(name)
    return out


FQ_FIELDS = sorted(set(FILTER_FIELDS) - {"owner_org", "id", "capacity"})


@pytest.mark.parametrize("field", FQ_FIELDS)
def test_fq_filters_on_every_supported_field(site: Site, field: str) -> None:
    expected = _by_field(field)
    assert expected, field
    for value, names in expected.items():
        assert found(site, fq=f'{field}:"{value}"') == names, value
        assert found(site, fq=f"-{field}:\"{value}\"") == ALL - names, value
    assert found(site, fq=f"{field}:no-such-value") == set()


def test_fq_on_owner_org_takes_the_organization_s_id(site: Site) -> None:
    edu = site.portal.call("organization_show", {"id": "edu"})["id"]
    assert found(site, fq=f"owner_org:{edu}") == {"schools", "teachers"}
    assert found(site, fq=f"organization:{edu}") == {"schools", "teachers"}


def test_fq_filters_combine_with_each_other_and_with_q(site: Site) -> None:
    assert found(site, fq="organization:edu tags:学校") == {"schools"}
    assert found(site, q="名录", fq="organization:health") == {"clinics"}
    assert found(site, fq="res_format:csv") == {"schools", "clinics"}  # any case


def test_fq_on_id_and_capacity(site: Site) -> None:
    schools = site.portal.call("package_show", {"id": "schools"})["id"]
    assert found(site, fq=f"id:{schools}") == {"schools"}
    assert found(site, fq="capacity:public") == ALL
    assert found(site, fq="capacity:private") == set()
    status, body = site.api.post("package_search", {"fq": "capacity:secret"})
    assert status == 400 and body["error"]["__type"] == "Search Query Error"


def test_every_filter_field_is_tested() -> None:
    assert set(FQ_FIELDS) | {"owner_org", "id", "capacity"} == set(FILTER_FIELDS)


# --- facets ------------------------------------------------------------------------------------

def test_facets_come_in_both_of_ckan_s_shapes(site: Site) -> None:
    result = search(site)
    assert set(result) >= {"count", "sort", "results", "facets", "search_facets"}
    assert set(result["facets"]) == {"organization", "groups", "tags", "res_format", "license_id"}
    for field, counts in result["facets"].items():
        expected = {v: len(n) for v, n in _by_field(field).items()}
        assert counts == expected, field
        shaped = result["search_facets"][field]
        assert shaped["title"] == field
        assert {i["name"]: i["count"] for i in shaped["items"]} == counts
        assert [i["count"] for i in shaped["items"]] == sorted(counts.values(), reverse=True)
    orgs = {i["name"]: i["display_name"] for i in result["search_facets"]["organization"]["items"]}
    assert orgs == {"edu": "测试单位 edu", "health": "测试单位 health"}


@pytest.mark.parametrize("field", FACET_FIELDS)
def test_every_facet_field_counts_the_matching_entries(site: Site, field: str) -> None:
    result = search(site, fq="-organization:edu", **{"facet.field": [field]})
    expected: dict[str, int] = {}
    for value, names in _by_field(field).items():
        if names - {"schools", "teachers"}:
            expected[value] = len(names - {"schools", "teachers"})
    assert result["facets"] == {field: expected}


def test_facet_limit_mincount_and_off(site: Site) -> None:
    tags = search(site, **{"facet.field": '["tags"]', "facet.limit": 1})["facets"]["tags"]
    assert tags == {"教育": 2}
    tags = search(site, **{"facet.field": ["tags"], "facet.mincount": 2})["facets"]["tags"]
    assert tags == {"教育": 2}
    result = search(site, facet="false")
    assert (result["facets"], result["search_facets"]) == ({}, {})


# --- sort and paging -----------------------------------------------------------------------------

def _names(site: Site, **params: Any) -> list[str]:
    return [d["name"] for d in search(site, rows=1000, **params)["results"]]


def test_sort_options(site: Site) -> None:
    assert _names(site, sort="name asc") == sorted(CATALOG)
    assert _names(site, sort="name desc") == sorted(CATALOG, reverse=True)
    # Titles in pinyin order: 道路 dao, 教育 jiao, 全县 quan, 医疗 yi (not code points).
    assert _names(site, sort="title_string asc") == ["road_works", "teachers", "schools",
                                                     "clinics"]
    assert _names(site, sort="metadata_created asc") == list(CATALOG)
    assert _names(site, sort="metadata_created desc") == list(reversed(CATALOG))
    # A title match ranks above a tag match ("schools" < "teachers" by name).
    assert _names(site, q="教育", sort="score desc, name asc") == ["teachers", "schools"]
    assert search(site, sort="name desc")["sort"] == "name desc"


def test_start_and_rows_page_through_every_result_once(site: Site) -> None:
    pages = [_page for start in range(0, 6, 2)
             for _page in [d["name"] for d in search(site, rows=2, start=start,
                                                      sort="name asc")["results"]]]
    assert pages == sorted(CATALOG)
    beyond = search(site, rows=2, start=10)
    assert (beyond["count"], beyond["results"]) == (len(CATALOG), [])
    counted = search(site, rows=0)
    assert (counted["count"], counted["results"]) == (len(CATALOG), [])


def test_results_are_full_package_dicts(site: Site) -> None:
    result = search(site, q="clinics")["results"][0]
    shown = site.portal.call("package_show", {"id": "clinics"})
    assert result == shown
