"""The SearchIndex contract, run against every backend (see conftest: embedded, and
ClusterIndex over HTTP through the opensearch and the elasticsearch clients).

Each test states what the portal expects; the backends must all give it. One test
also compares the backends with each other query by query.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from portal.search import backend as b
from portal.search.analysis import Analyzer
from portal.search.document import FACET_SEPARATOR, build, version_of
from portal.search.title_order import title_key
from tests.search.conftest import (
    BACKENDS,
    BY_NAME,
    CLUSTERS,
    ENTRIES,
    HIDDEN,
    INDEX,
    NAMES,
    ORGS,
    PACKAGES,
    PUBLIC,
    Searcher,
    member,
    open_backend,
)

FACETS = (("organization", "organization_facet", -1, 1), ("tags", "tags", -1, 1),
          ("res_format", "res_format", -1, 1), ("groups", "groups_facet", -1, 1),
          ("update_period", "update_period", -1, 1))


def expected_facets(names: set[str]) -> dict[str, list[tuple[str, int]]]:
    """Facet counts over these entries, computed from the catalog itself."""
    counts: dict[str, Counter[str]] = {f[0]: Counter() for f in FACETS}
    for entry in ENTRIES:
        if entry.name not in names:
            continue
        counts["organization"][f"{entry.org}{FACET_SEPARATOR}{ORGS[entry.org]}"] += 1
        counts["tags"].update(set(entry.tags))
        counts["res_format"].update({f.upper() for f in entry.formats})
        counts["groups"].update(f"{g}{FACET_SEPARATOR}{p['title']}"
                                for g in entry.groups
                                for p in BY_NAME[entry.name]["groups"] if p["name"] == g)
        counts["update_period"][entry.update_period] += 1
    return {name: sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))
            for name, c in counts.items()}


def modified_order(names: set[str]) -> list[str]:
    """Newest first: the catalog's order reversed (metadata_modified follows it)."""
    return [e.name for e in reversed(ENTRIES) if e.name in names]


# --- matching ----------------------------------------------------------------

@pytest.mark.parametrize(("q", "expected"), [
    ("", PUBLIC),
    ("*:*", PUBLIC),
    # A quoted phrase: its characters side by side, across jieba's cut of the title...
    ('"道路交通事故"', {"traffic-accidents"}),
    # ...never with other text between them (道路施工占道与交通事故).
    ('"道路 交通事故"', {"traffic-accidents"}),
    ('"事故交通"', set()),
    # A word finds its synonyms: 交通事故 = 道路交通事故.
    ("道路交通事故", {"traffic-accidents", "road-works"}),
    ("交通事故", {"traffic-accidents", "road-works"}),
    ("低保", {"dibao"}),  # 低保, 最低生活保障
    ("医院", {"hospitals"}),  # in the notes
    ("企业", {"taxi-companies", "market-entities", "license-cancellations"}),  # 公司, 市场主体
    ("gdp", {"gdp"}),  # GDP, 地区生产总值
    ("GDP", {"gdp"}),
    ("户口", {"household"}),  # 户籍
    ("疫苗", {"vaccination"}),
    # Pinyin and pinyin initials of titles.
    ("gongjiao", {"bus-lines", "bus-positions"}),
    ("gjxl", {"bus-lines"}),
    ("shigu", {"traffic-accidents", "road-works"}),
    ("xuexiao", set()),
    # Every word must match; stopwords (名录) need not, unless alone.
    ("交通 统计", {"traffic-accidents", "vehicles"}),
    ("名录", {"elderly-homes", "hospitals", "schools", "social-insurance-units",
             "taxi-companies"}),
    ("医疗机构的名录", {"hospitals"}),
    # OR, NOT, minus.
    ("公交 OR 低保", {"bus-lines", "bus-positions", "dibao"}),
    ("名录 -学校", {"elderly-homes", "hospitals", "social-insurance-units", "taxi-companies"}),
    ("公交 AND NOT 实时", {"bus-lines"}),
    ("(公交 OR 低保) -gjxl", {"bus-positions", "dibao"}),
    # Exact fields.
    ("tags:交通", {"traffic-accidents", "road-works", "bus-lines", "taxi-companies",
                 "driving-licences", "vehicles"}),
    ("tags:(公交 OR 救助)", {"bus-lines", "bus-positions", "dibao", "tekun"}),
    ("res_format:csv tags:公交", {"bus-lines"}),
    ("organization:sx-tjj", {"gdp", "yearbook", "census"}),
    ("name:parking", {"parking"}),
    ("title:公交", {"bus-lines", "bus-positions"}),
    ("nothing-like-this", set()),
])
def test_q_matches(searcher: Searcher, q: str, expected: set[str]) -> None:
    assert searcher.names(q) == expected


@pytest.mark.parametrize(("fq", "expected"), [
    ("res_format:PDF", {"road-works", "enrollment", "food-safety", "license-cancellations",
                        "yearbook", "census", "driving-licences"}),
    ("organization:sx-rsj tags:就业", {"jobs", "unemployment"}),
    ("groups:health -tags:医疗", {"medical-insurance", "food-safety"}),
    ("update_period:daily OR classification:base",
     {"road-works", "market-entities", "jobs", "bus-lines", "schools", "hospitals"}),
    ("license_id:odc-by", {"teachers"}),
    ("capacity:public organization:sx-sjj", set()),
])
def test_fq_filters(searcher: Searcher, fq: str, expected: set[str]) -> None:
    assert searcher.names("", fq) == expected


def test_fq_narrows_q(searcher: Searcher) -> None:
    assert searcher.names("交通", "organization:sx-gaj") == {
        "traffic-accidents", "driving-licences", "vehicles"}


@pytest.mark.parametrize(("q", "expected"), [
    # Modified weekly from 2024-01-03 in catalog order (see conftest._stamp).
    ("metadata_modified:[2024-03-01T00:00:00Z TO 2024-04-01T00:00:00Z]",
     {"elderly-homes", "marriage", "schools", "kindergartens"}),
    ("metadata_modified:[* TO 2024-01-10T08:00:00Z]", {"traffic-accidents"}),
    # Ends are exact to the microsecond: road-works was modified at 2024-01-10T08:13.
    ("metadata_modified:[* TO 2024-01-10T08:13:00Z]", {"traffic-accidents", "road-works"}),
    ("metadata_modified:[* TO 2024-01-10T08:13:00Z}", {"traffic-accidents"}),
    ("metadata_modified:{2024-07-31T14:30:00Z TO *]", {"pension", "social-insurance-units"}),
    ("metadata_modified:[NOW-30DAYS TO NOW]", set()),
    ("metadata_modified:[NOW-200DAYS TO NOW]",
     {"census", "household", "id-cards", "driving-licences", "vehicles", "jobs",
      "unemployment", "pension", "social-insurance-units"}),
    ("metadata_created:[2024-01-01T00:00:00Z TO 2024-02-28T09:44:00Z]",
     {"social-insurance-units", "pension"}),
    ("交通 metadata_modified:[2024-01-01T00:00:00Z TO 2024-03-01T00:00:00Z]",
     {"traffic-accidents", "road-works", "bus-lines", "bus-positions", "taxi-companies",
      "parking", "charging"}),
])
def test_ranges_on_time_fields(searcher: Searcher, q: str, expected: set[str]) -> None:
    assert searcher.names(q) == expected


def test_title_matches_rank_first(searcher: Searcher) -> None:
    assert searcher.order("道路交通事故")[0] == "traffic-accidents"
    assert searcher.order("低保")[0] == "dibao"
    assert searcher.order("gjxl 公交")[0] == "bus-lines"


# --- visibility ----------------------------------------------------------------

def test_anonymous_never_sees_drafts_or_private(searcher: Searcher) -> None:
    everything = searcher.search("", rows=1000, facets=FACETS)
    assert {d["name"] for d in everything.docs} == PUBLIC
    assert everything.count == len(PUBLIC)
    for q in ("内部", "公交", '"道路交通事故"', "审计", "低保", "tags:内部", "res_format:DOCX"):
        assert not searcher.names(q) & HIDDEN, q
    assert searcher.names("审计") == set()
    # Nor in facet counts: the auditors' organization, the 内部 tag, DOCX are absent.
    assert everything.facets == expected_facets(PUBLIC)
    flat = json.dumps(everything.facets, ensure_ascii=False)
    assert "sx-sjj" not in flat and "内部" not in flat and "DOCX" not in flat


def test_flags_without_membership_change_nothing(searcher: Searcher) -> None:
    assert searcher.names("", include_private=True, include_drafts=True) == PUBLIC
    assert searcher.names("", user=member(), include_private=True,
                          include_drafts=True) == PUBLIC
    assert searcher.names("", user=member("sx-jtysj")) == PUBLIC


@pytest.mark.parametrize(("private", "drafts", "extra"), [
    (True, False, {"bus-drivers"}),
    (False, True, {"fare-plan"}),
    (True, True, {"bus-drivers", "fare-plan"}),
])
def test_members_see_their_organizations_entries(searcher: Searcher, private: bool,
                                                 drafts: bool, extra: set[str]) -> None:
    user = member("sx-jtysj")
    assert searcher.names("", user=user, include_private=private,
                          include_drafts=drafts) == PUBLIC | extra
    found = searcher.search("公交", user=user, include_private=private, include_drafts=drafts,
                            facets=FACETS)
    assert {d["name"] for d in found.docs} == {"bus-lines", "bus-positions"} | extra
    assert found.facets == expected_facets({"bus-lines", "bus-positions"} | extra)


def test_sysadmins_see_everything_they_ask_for(searcher: Searcher) -> None:
    admin = member(sysadmin=True)
    assert searcher.names("", user=admin, include_private=True, include_drafts=True) == NAMES
    assert searcher.names("", user=admin, include_drafts=True) == NAMES - {
        "bus-drivers", "dibao-payments", "audit-findings"}
    assert searcher.names('"道路交通事故"', user=admin, include_drafts=True) == {
        "traffic-accidents", "accident-plan"}
    found = searcher.search("", user=admin, include_private=True, include_drafts=True,
                            facets=FACETS, rows=0)
    assert found.count == len(NAMES) and found.docs == []
    assert found.facets == expected_facets(NAMES)


# --- facets ----------------------------------------------------------------------

def test_facets_count_the_match_set(searcher: Searcher) -> None:
    found = searcher.search("交通", facets=FACETS)
    names = {"traffic-accidents", "road-works", "bus-lines", "bus-positions", "taxi-companies",
             "parking", "charging", "driving-licences", "vehicles"}
    assert {d["name"] for d in found.docs} == names
    assert found.facets == expected_facets(names)


def test_facet_limit_and_mincount(searcher: Searcher) -> None:
    full = expected_facets(PUBLIC)
    found = searcher.search("", rows=0, facets=(
        ("tags", "tags", 5, 1), ("res_format", "res_format", 2, 1),
        ("organization", "organization_facet", 50, 5), ("update_period", "update_period", 0, 1),
    ))
    assert found.facets["tags"] == full["tags"][:5]
    assert found.facets["res_format"] == full["res_format"][:2]
    assert found.facets["organization"] == [kv for kv in full["organization"] if kv[1] >= 5]
    assert found.facets["update_period"] == []
    # Equal counts are ordered by value, so a cut through a tie is the same everywhere.
    assert full["tags"][4][1] == full["tags"][5][1] == 2


def test_mincount_zero_counts_as_one(searcher: Searcher) -> None:
    found = searcher.search("低保", facets=(("tags", "tags", -1, 0),))
    assert found.facets["tags"] == [("救助", 1)]


# --- sorting and paging ----------------------------------------------------------

@pytest.mark.parametrize(("sort", "key"), [
    ("metadata_modified desc", lambda p: p["metadata_modified"]),
    ("metadata_modified asc", lambda p: p["metadata_modified"]),
    ("metadata_created desc", lambda p: p["metadata_created"]),
    ("metadata_created asc", lambda p: p["metadata_created"]),
    ("title_string asc", lambda p: f"{title_key(p['title'])}{FACET_SEPARATOR}{p['name']}"),
    ("title_string desc", lambda p: f"{title_key(p['title'])}{FACET_SEPARATOR}{p['name']}"),
    ("name asc", lambda p: p["name"]),
    ("name desc", lambda p: p["name"]),
])
def test_field_sorts(searcher: Searcher, sort: str, key: Any) -> None:
    expected = [p["name"] for p in sorted((p for p in PACKAGES if p["name"] in PUBLIC),
                                          key=key, reverse=sort.endswith("desc"))]
    assert searcher.order("", sort=sort) == expected
    subset = searcher.order("交通", sort=sort)
    assert subset == [n for n in expected if n in set(subset)]


def test_pages_follow_one_another(searcher: Searcher) -> None:
    whole = searcher.order("", sort="metadata_modified desc")
    assert whole == modified_order(PUBLIC)
    pages: list[str] = []
    for start in range(0, len(whole) + 7, 7):
        found = searcher.search("", sort="metadata_modified desc", start=start, rows=7)
        assert found.count == len(PUBLIC)
        pages += [d["name"] for d in found.docs]
    assert pages == whole
    beyond = searcher.search("", sort="metadata_modified desc", start=500, rows=10)
    assert beyond.count == len(PUBLIC) and beyond.docs == []
    counted = searcher.search("", rows=0)
    assert counted.count == len(PUBLIC) and counted.docs == []


def test_score_pages_cover_the_match_set(searcher: Searcher) -> None:
    expected = searcher.names("交通 OR 公交 OR 医疗")
    pages: list[str] = []
    for start in range(0, 30, 4):
        pages += [d["name"] for d in searcher.search("交通 OR 公交 OR 医疗", sort="score desc",
                                                     start=start, rows=4).docs]
    assert len(pages) == len(set(pages)) and set(pages) == expected


def test_results_are_the_stored_package_dicts(searcher: Searcher) -> None:
    found = searcher.search("gjxl")
    assert found.docs == [BY_NAME["bus-lines"]]


# --- writing ----------------------------------------------------------------------

def test_versions_list_every_document(index: b.SearchIndex, documents: list[dict[str, Any]]) -> None:
    assert index.versions(INDEX) == {d["id"][0]: d["version"][0] for d in documents}


def test_upsert_replaces_and_delete_removes(index: b.SearchIndex, searcher: Searcher,
                                            analyzer: Analyzer) -> None:
    parking = dict(BY_NAME["parking"], title="城区停车泊位实时余量",
                   notes="各停车点剩余泊位。", metadata_modified="2025-01-01T00:00:00")
    schools_id = BY_NAME["schools"]["id"]
    index.write(INDEX, [build(parking, analyzer)], [schools_id, "no-such-id"])
    index.refresh(INDEX)
    assert searcher.names("泊位余量") == {"parking"}
    assert searcher.names("收费标准") == set()  # the old notes
    assert searcher.order("", sort="metadata_modified desc")[0] == "parking"
    assert "schools" not in searcher.names("")
    assert searcher.names('"中小学名录"') == set()
    assert searcher.search("gjxl").count == 1
    versions = index.versions(INDEX)
    assert schools_id not in versions and len(versions) == len(PACKAGES) - 1
    assert versions[parking["id"]] == version_of(parking)
    # One document per id, whatever was written before.
    assert searcher.search("name:parking").count == 1
    assert searcher.search("", rows=0).count == len(PUBLIC) - 1


def test_upsert_changes_visibility(index: b.SearchIndex, searcher: Searcher,
                                   analyzer: Analyzer) -> None:
    published = dict(BY_NAME["accident-plan"], publication_state="published")
    hidden = dict(BY_NAME["bus-lines"], private=True)
    index.write(INDEX, [build(published, analyzer), build(hidden, analyzer)], [])
    assert searcher.names('"道路交通事故"') == {"traffic-accidents", "accident-plan"}
    assert searcher.names("gjxl") == set()
    found = searcher.search("tags:公交", facets=(("tags", "tags", -1, 1),))
    assert {d["name"] for d in found.docs} == {"bus-positions"}
    assert dict(found.facets["tags"]) == {"公交": 1}
    assert searcher.names("gjxl", user=member("sx-jtysj"), include_private=True) == {"bus-lines"}


def test_write_nothing_and_delete_everything(index: b.SearchIndex) -> None:
    index.write(INDEX, [], [])
    index.write(INDEX, [], [p["id"] for p in PACKAGES])
    assert index.versions(INDEX) == {}
    assert index.search(INDEX, b.SearchRequest(query=b.MatchAll())).count == 0


def test_create_replaces_and_drop_removes(index: b.SearchIndex,
                                          documents: list[dict[str, Any]]) -> None:
    assert index.exists(INDEX)
    index.create(INDEX)
    assert index.exists(INDEX) and index.versions(INDEX) == {}
    index.write(INDEX, documents[:3], [])
    assert len(index.versions(INDEX)) == 3
    index.create("contract-next")
    index.write("contract-next", documents, [])
    assert len(index.versions("contract-next")) == len(documents)
    assert len(index.versions(INDEX)) == 3
    index.drop(INDEX)
    assert not index.exists(INDEX)
    index.drop(INDEX)  # no error
    with pytest.raises(b.SearchBackendError):
        index.search(INDEX, b.SearchRequest(query=b.MatchAll()))
    with pytest.raises(b.SearchBackendError):
        index.write(INDEX, documents[:1], [])
    assert not index.exists(INDEX)  # the write did not create it


# --- the query tree itself ---------------------------------------------------------

def _names(index: b.SearchIndex, node: b.Node) -> set[str]:
    found = index.search(INDEX, b.SearchRequest(query=node, rows=1000))
    assert found.count == len(found.docs)
    return {d["name"] for d in found.docs}


def test_bool_semantics(index: b.SearchIndex) -> None:
    bus, pdf = b.Term("tags", "公交"), b.Term("res_format", "PDF")
    every = NAMES
    with_bus = {e.name for e in ENTRIES if "公交" in e.tags}
    with_pdf = {e.name for e in ENTRIES if "PDF" in e.formats}
    assert _names(index, b.MatchAll()) == every
    assert _names(index, b.MatchNone()) == set()
    assert _names(index, b.Bool()) == every
    assert _names(index, b.Bool(must_not=(bus,))) == every - with_bus
    # Should alone: one is required; beside must/filter: optional unless min_should.
    assert _names(index, b.Bool(should=(bus, pdf))) == with_bus | with_pdf
    assert _names(index, b.Bool(filter=(b.MatchAll(),), should=(bus,))) == every
    assert _names(index, b.Bool(filter=(b.MatchAll(),), should=(bus,), min_should=1)) == with_bus
    assert _names(index, b.Bool(must=(bus,), filter=(b.Term("private", "false"),))) == \
        with_bus - {"bus-drivers"}
    assert _names(index, b.Bool(should=(b.MatchNone(),), must_not=(bus,))) == set()
    # Terms are exact: keyword values keep their case, text tokens are lowercase.
    assert _names(index, b.Term("res_format", "pdf")) == set()
    assert _names(index, b.Term("chars", "gdp")) == {"gdp"}
    assert _names(index, b.Term("chars", "GDP")) == set()
    assert _names(index, b.Phrase("bigrams", ("交通", "通事", "事故"))) == {
        "traffic-accidents", "road-works", "accident-plan"}
    assert _names(index, b.Phrase("bigrams", ("事故", "交通"))) == set()
    assert _names(index, b.Phrase("bigrams", ("事故",))) == {
        "traffic-accidents", "road-works", "accident-plan"}


# --- the backends against each other ------------------------------------------------

COMPARED = [
    ("", ""), ("交通", ""), ("公交 OR 低保", ""), ('"道路交通事故"', ""), ("道路交通事故", ""),
    ("gongjiao", ""), ("gjxl", ""), ("名录 -学校", ""), ("NOT 交通", ""), ("医院", ""),
    ("统计", "organization:sx-tjj"), ("", "res_format:CSV"), ("就业 OR 社保", ""),
    ("企业", ""), ("", "groups:traffic -tags:公交"), ("教育 学校", ""),
    ("metadata_modified:[2024-03-01T00:00:00Z TO 2024-06-30T23:59:59Z]", ""),
    ("人口", "update_period:yearly"), ("驾照 OR 车辆", ""), ("养老", ""), ("dibao", ""),
    ("审计", ""),
]


@pytest.fixture
def all_backends(request: pytest.FixtureRequest, tmp_path: Path,
                 analyzer: Analyzer) -> dict[str, Searcher]:
    out = {}
    for kind in BACKENDS:
        backend = open_backend(kind, request, tmp_path)
        request.addfinalizer(backend.close)
        out[kind] = Searcher(backend, analyzer)
    return out


def test_backends_agree(all_backends: dict[str, Searcher]) -> None:
    admin = member(sysadmin=True)
    for q, fq in COMPARED:
        for who in ({}, {"user": admin, "include_private": True, "include_drafts": True}):
            answers = {}
            for kind, searcher in all_backends.items():
                scored = searcher.search(q, fq, facets=FACETS, **who)
                by_time = searcher.search(q, fq, sort="metadata_modified desc", rows=5, **who)
                answers[kind] = (scored.count, sorted(d["name"] for d in scored.docs),
                                 scored.facets, by_time.count,
                                 [d["name"] for d in by_time.docs])
            embedded = answers.pop("embedded")
            for kind, answer in answers.items():
                assert answer == embedded, (kind, q, fq, who)


# --- cluster specifics ---------------------------------------------------------------

@pytest.fixture(params=CLUSTERS)
def cluster(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    backend = open_backend(request.param, request, tmp_path)
    yield backend
    backend.close()


def test_versions_page_through_everything(cluster: Any, monkeypatch: pytest.MonkeyPatch,
                                          documents: list[dict[str, Any]]) -> None:
    from portal.search import cluster_index

    monkeypatch.setattr(cluster_index, "VERSIONS_PAGE", 4)
    assert cluster.versions(INDEX) == {d["id"][0]: d["version"][0] for d in documents}


def test_bulk_is_split_into_requests(cluster: Any, monkeypatch: pytest.MonkeyPatch,
                                     documents: list[dict[str, Any]]) -> None:
    from portal.search import cluster_index

    monkeypatch.setattr(cluster_index, "BULK_BYTES", 20_000)
    cluster.create(INDEX)
    cluster.write(INDEX, documents, [documents[0]["id"][0]])
    versions = cluster.versions(INDEX)
    assert len(versions) == len(documents) - 1 and documents[0]["id"][0] not in versions


def test_rejected_documents_raise(cluster: Any, documents: list[dict[str, Any]]) -> None:
    bad = dict(documents[0], tags=[{"not": "a keyword"}])
    with pytest.raises(b.SearchBackendError, match="rejected documents"):
        cluster.write(INDEX, [documents[1], bad], [])


def test_bad_index_names_are_refused(cluster: Any) -> None:
    for name in ("Shuyuan", "a/b", "*", "", "-x", "a b"):
        with pytest.raises(b.SearchBackendError, match="bad index name"):
            cluster.exists(name)


@pytest.mark.parametrize("kind", ["opensearch", "elasticsearch"])
def test_unreachable_cluster_is_a_backend_error(kind: str) -> None:
    from portal.search.cluster_index import ClusterIndex
    from tests.support.pgcluster import free_port

    index = ClusterIndex(f"http://user:secret@127.0.0.1:{free_port()}", kind, timeout=2)
    with pytest.raises(b.SearchBackendError, match="cannot reach") as raised:
        index.search(INDEX, b.SearchRequest(query=b.MatchAll()))
    assert "secret" not in str(raised.value)
    index.close()


def test_from_settings_picks_the_client() -> None:
    from portal.search.cluster_index import ClusterIndex
    from portal.settings import load_settings

    for kind in ("opensearch", "elasticsearch"):
        settings = load_settings(environ={}, overrides={"search": {
            "backend": kind, "url": "http://127.0.0.1:9200"}})
        index = ClusterIndex.from_settings(settings)
        assert index.kind == kind
        index.close()
    with pytest.raises(ValueError, match="url"):
        ClusterIndex.from_settings(load_settings(environ={}, overrides={"search": {
            "backend": "opensearch", "url": ""}}))
    with pytest.raises(ValueError, match="scheme"):  # the elasticsearch client wants one
        ClusterIndex("localhost:9200", "elasticsearch")
    several = ClusterIndex("http://a:9200, https://u:p@b:9200", "elasticsearch")
    assert several._where == "elasticsearch at http://a:9200, https://b:9200"
    several.close()
