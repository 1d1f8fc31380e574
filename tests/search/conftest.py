"""One catalog of Chinese entries, indexed by every backend the contract covers.

`index` is parametrized over:

- embedded: a TantivyIndex in tmp_path (a copy of one built per session);
- opensearch: ClusterIndex(kind="opensearch") over HTTP against an osmem-server clone;
- elasticsearch: ClusterIndex(kind="elasticsearch"), i.e. the elasticsearch client's
  transport with plain JSON media types, against an osmem-server clone.

osmem-server is started once per session and its base is filled with the catalog
before the first clone, so every test gets its own copy with the index in place.
Without osmem-server the cluster parameters are skipped, or fail when
SHUYUAN_REQUIRE_ALL=1.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from portal.core.context import Caller
from portal.search import backend as b
from portal.search.analysis import Analyzer, shared_analyzer
from portal.search.document import build
from portal.search.plan import Planner, visibility
from portal.search.query import parse, sort_spec
from portal.search.service import dictionaries
from portal.search.tantivy_index import TantivyIndex
from portal.settings import load_settings

INDEX = "contract"
# embedded-inline: tantivy counting facets on the searching thread (facet_threads = 0).
BACKENDS = ("embedded", "embedded-inline", "opensearch", "elasticsearch")
CLUSTERS = ("opensearch", "elasticsearch")
NOW = datetime(2024, 12, 31, 12, 0, tzinfo=UTC)

ORGS = {
    "sx-gaj": "泗县公安局",
    "sx-jtysj": "泗县交通运输局",
    "sx-mzj": "泗县民政局",
    "sx-jyj": "泗县教育局",
    "sx-wjw": "泗县卫生健康委员会",
    "sx-scjgj": "泗县市场监督管理局",
    "sx-tjj": "泗县统计局",
    "sx-rsj": "泗县人力资源和社会保障局",
    "sx-sjj": "泗县审计局",  # only private and draft entries
}
GROUPS = {
    "traffic": "交通出行", "livelihood": "民生保障", "education": "教育文化",
    "health": "医疗卫生", "economy": "经济发展",
}


@dataclass(frozen=True)
class Entry:
    name: str
    title: str
    org: str
    notes: str = ""
    tags: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    state: str = "published"
    private: bool = False
    classification: str = "department"
    update_period: str = "monthly"
    license_id: str = "CC-BY-4.0"


ENTRIES: tuple[Entry, ...] = (
    Entry("traffic-accidents", "道路交通事故统计", "sx-gaj",
          "按月统计全县道路交通事故起数、受伤与死亡人数。", ("交通", "安全"), ("CSV", "XLSX"),
          ("traffic",)),
    Entry("road-works", "道路施工占道与交通事故快报", "sx-jtysj",
          "施工路段的占道情况，以及施工期间发生的交通事故。", ("交通",), ("PDF",), ("traffic",),
          update_period="daily"),
    Entry("bus-lines", "县城公交线路及站点信息", "sx-jtysj",
          "全县公交线路走向、站点名称与首末班时间。", ("公交", "交通"), ("JSON", "csv"),
          ("traffic",), classification="base"),
    Entry("bus-positions", "公交车辆实时位置", "sx-jtysj",
          "每三十秒更新一次的车辆定位接口。", ("公交",), ("API",), ("traffic",),
          update_period="realtime"),
    Entry("taxi-companies", "出租汽车经营企业名录", "sx-jtysj",
          "取得经营许可的出租汽车企业及车辆数。", ("出租车", "交通"), ("XLSX",), ("traffic",)),
    Entry("parking", "城区停车场分布", "sx-jtysj",
          "公共停车场位置、泊位数与收费标准。", ("停车",), ("CSV", "JSON"), ("traffic",)),
    Entry("charging", "新能源汽车充电桩分布", "sx-jtysj",
          "公共充电设施的位置与接口类型。", ("新能源",), ("CSV",), ("traffic", "economy")),
    Entry("dibao", "最低生活保障对象名单", "sx-mzj",
          "城乡低保对象的乡镇分布与保障金额。", ("救助",), ("XLSX",), ("livelihood",),
          classification="thematic"),
    Entry("tekun", "特困人员救助供养情况", "sx-mzj",
          "分散供养与集中供养人数。", ("救助",), ("XLSX",), ("livelihood",)),
    Entry("elderly-homes", "养老机构名录", "sx-mzj",
          "养老院名称、床位数与联系电话。", ("养老",), ("CSV",), ("livelihood",)),
    Entry("marriage", "婚姻登记机关信息", "sx-mzj",
          "婚姻登记处地址与办公时间。", ("婚姻",), ("JSON",), ()),
    Entry("schools", "全县中小学名录", "sx-jyj",
          "学校名称、地址与联系电话。", ("学校", "教育"), ("CSV", "JSON"), ("education",),
          classification="base", update_period="yearly"),
    Entry("kindergartens", "幼儿园基本信息", "sx-jyj",
          "公办与民办幼儿园的班级数与在园人数。", ("教育",), ("CSV",), ("education",),
          update_period="yearly"),
    Entry("teachers", "教师资格认定结果", "sx-jyj",
          "年度认定通过人员名单。", ("教育",), ("XLSX",), ("education",), license_id="odc-by"),
    Entry("enrollment", "义务教育招生入学政策", "sx-jyj",
          "学区划分与报名材料。", ("教育", "学校"), ("PDF",), ("education",)),
    Entry("hospitals", "医疗机构名录", "sx-wjw",
          "县内医院、卫生院与诊所。", ("医疗",), ("CSV",), ("health",), classification="base"),
    Entry("vaccination", "预防接种门诊信息", "sx-wjw",
          "接种门诊地址、服务时间与可接种项目。", ("医疗", "疫苗"), ("JSON",), ("health",)),
    Entry("pharmacies", "医保定点零售药店名单", "sx-wjw",
          "可使用医保卡结算的药店。", ("医保", "医疗"), ("CSV",), ("health",)),
    Entry("medical-insurance", "城乡居民医疗保险参保情况", "sx-rsj",
          "按乡镇统计的参保人数。", ("医保",), ("XLSX",), ("health", "livelihood")),
    Entry("market-entities", "市场主体登记信息", "sx-scjgj",
          "新设立的公司、个体工商户与农民专业合作社。", ("企业",), ("CSV", "JSON"),
          ("economy",), update_period="daily"),
    Entry("food-safety", "食品安全抽检结果", "sx-scjgj",
          "抽检批次、不合格项目与处置情况。", ("食品",), ("PDF", "XLSX"), ("health",)),
    Entry("license-cancellations", "营业执照注销公告", "sx-scjgj",
          "简易注销公告期届满的名单。", ("企业",), ("PDF",), ("economy",)),
    Entry("gdp", "地区生产总值季度数据", "sx-tjj",
          "按三次产业分列的季度核算结果。", ("统计", "经济"), ("XLSX",), ("economy",),
          classification="thematic", update_period="quarterly"),
    Entry("yearbook", "泗县统计年鉴2023", "sx-tjj",
          "人口、经济与社会发展的年度资料。", ("统计",), ("PDF",), ("economy",),
          update_period="yearly"),
    Entry("census", "人口普查主要数据公报", "sx-tjj",
          "第七次全国人口普查泗县结果。", ("统计", "人口"), ("PDF",), (),
          update_period="yearly"),
    Entry("household", "户籍人口统计", "sx-gaj",
          "按乡镇统计的户籍人口与户数。", ("人口",), ("XLSX",), ()),
    Entry("id-cards", "居民身份证办理网点", "sx-gaj",
          "受理点地址与预约方式。", ("证件",), ("JSON",), ()),
    Entry("driving-licences", "驾驶证业务办理指南", "sx-gaj",
          "换证、补证所需材料。", ("证件", "交通"), ("PDF",), ("traffic",)),
    Entry("vehicles", "机动车保有量统计", "sx-gaj",
          "按车辆类型统计的保有量。", ("交通", "统计"), ("XLSX",), ("traffic",)),
    Entry("jobs", "招聘岗位信息", "sx-rsj",
          "用人单位发布的岗位与薪资范围。", ("就业",), ("JSON",), ("economy",),
          update_period="daily"),
    Entry("unemployment", "失业登记人员统计", "sx-rsj",
          "登记失业人数与再就业人数。", ("就业", "统计"), ("XLSX",), ("livelihood",)),
    Entry("pension", "城乡居民养老保险待遇发放", "sx-rsj",
          "月度发放人数与金额。", ("养老", "社保"), ("XLSX",), ("livelihood",)),
    Entry("social-insurance-units", "社会保险参保单位名录", "sx-rsj",
          "参保单位名称与险种。", ("社保",), ("CSV",), ("livelihood",)),
    # Not for everyone's eyes.
    Entry("accident-plan", "道路交通事故应急预案", "sx-gaj",
          "草稿，尚未发布。", ("交通", "内部"), ("DOCX",), ("traffic",), state="draft"),
    Entry("bus-drivers", "公交车辆驾驶员信息", "sx-jtysj",
          "驾驶员姓名与从业资格证号。", ("公交", "内部"), ("DOCX",), ("traffic",),
          private=True),
    Entry("dibao-payments", "低保资金发放明细", "sx-mzj",
          "逐户发放金额。", ("救助", "内部"), ("DOCX",), ("livelihood",), state="pending",
          private=True),
    Entry("fare-plan", "公交票价调整方案", "sx-jtysj",
          "征求意见稿。", ("公交",), ("DOCX",), ("traffic",), state="withdrawn"),
    Entry("audit-findings", "审计发现问题整改情况", "sx-sjj",
          "整改台账。", ("审计", "内部"), ("DOCX",), (), private=True),
    Entry("audit-plan", "年度审计项目计划", "sx-sjj",
          "计划草稿。", ("审计",), ("DOCX",), (), state="draft"),
)
NAMES = {e.name for e in ENTRIES}
PUBLIC = {e.name for e in ENTRIES if e.state == "published" and not e.private}
HIDDEN = NAMES - PUBLIC


def _stamp(i: int) -> str:
    return (datetime(2024, 1, 3, 8, 0) + timedelta(days=7 * i, minutes=13 * i)).isoformat()


def package(entry: Entry, i: int) -> dict[str, Any]:
    """A package dict shaped like portal.core.dictize.package_dict."""
    org_id = str(uuid.uuid5(uuid.NAMESPACE_DNS, entry.org))
    return {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, "dataset/" + entry.name)),
        "name": entry.name,
        "title": entry.title,
        "notes": entry.notes,
        "owner_org": org_id,
        "organization": {"id": org_id, "name": entry.org, "title": ORGS[entry.org]},
        "private": entry.private,
        "state": "active" if entry.state == "published" else "draft",
        "publication_state": entry.state,
        "type": "dataset",
        "license_id": entry.license_id,
        # Modified in catalog order; created in the reverse order.
        "metadata_modified": _stamp(i),
        "metadata_created": _stamp(len(ENTRIES) - i),
        "tags": [{"name": t, "display_name": t} for t in entry.tags],
        "groups": [{"name": g, "title": GROUPS[g]} for g in entry.groups],
        "resources": [{"name": f"{entry.title}（{f}）", "description": "", "format": f}
                      for f in entry.formats],
        "resource_code": f"341324-{i:04d}",
        "classification": entry.classification,
        "update_period": entry.update_period,
        "share_type": "unconditional",
        "open_type": "unconditional",
        "category_path": "",
        "data_items": [],
    }


PACKAGES = [package(e, i) for i, e in enumerate(ENTRIES)]
BY_NAME = {p["name"]: p for p in PACKAGES}
ORG_IDS = {p["organization"]["name"]: p["owner_org"] for p in PACKAGES}


@pytest.fixture(scope="session")
def analyzer() -> Analyzer:
    return shared_analyzer(dictionaries(load_settings(environ={})))


@pytest.fixture(scope="session")
def documents(analyzer: Analyzer) -> list[dict[str, Any]]:
    return [build(p, analyzer) for p in PACKAGES]


@pytest.fixture(scope="session")
def embedded_seed(tmp_path_factory: pytest.TempPathFactory,
                  documents: list[dict[str, Any]]) -> Path:
    root = tmp_path_factory.mktemp("embedded-seed")
    index = TantivyIndex(root)
    index.create(INDEX)
    index.write(INDEX, documents, [])
    index.close()
    return root


def _missing(reason: str) -> None:
    if os.environ.get("SHUYUAN_REQUIRE_ALL") == "1":
        pytest.fail(f"osmem-server is required (SHUYUAN_REQUIRE_ALL=1): {reason}")
    pytest.skip(f"osmem-server not available: {reason}")


@pytest.fixture(scope="session")
def osmem(documents: list[dict[str, Any]]) -> Iterator[Any]:
    """The osmem-server base, holding the catalog in INDEX; take clones of it."""
    try:
        from osmem_server import OsmemServer
    except ImportError as exc:
        _missing(str(exc))
    try:
        server = OsmemServer.start()
    except Exception as exc:  # no binary for this platform, or it did not start
        _missing(str(exc))
    try:
        from portal.search.cluster_index import ClusterIndex

        seed = ClusterIndex(server.url, "opensearch")
        seed.create(INDEX)
        seed.write(INDEX, documents, [])
        seed.close()
        yield server
    finally:
        server.close()


@pytest.fixture
def osmem_clone(osmem: Any) -> Iterator[Any]:
    clone = osmem.clone()
    yield clone
    clone.close()


def open_backend(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> b.SearchIndex:
    """A backend holding the catalog in INDEX, for this test only."""
    if kind not in CLUSTERS:
        root = tmp_path / f"search-{kind}"
        shutil.copytree(request.getfixturevalue("embedded_seed"), root)
        return TantivyIndex(root, facet_threads=0 if kind == "embedded-inline" else 1)
    from portal.search.cluster_index import ClusterIndex

    clone = request.getfixturevalue("osmem").clone()
    request.addfinalizer(clone.close)
    return ClusterIndex(clone.url, kind)


@pytest.fixture(params=BACKENDS)
def index(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[b.SearchIndex]:
    backend = open_backend(request.param, request, tmp_path)
    yield backend
    backend.close()


# --- searching the way package_search does ------------------------------------

ANONYMOUS = None


def member(*orgs: str, sysadmin: bool = False) -> Caller:
    return Caller(id="u-1", name="member", sysadmin=sysadmin,
                  roles={ORG_IDS[o]: "editor" for o in orgs})


class Searcher:
    def __init__(self, index: b.SearchIndex, analyzer: Analyzer) -> None:
        self.index = index
        self.planner = Planner(analyzer, now=NOW)

    def request(self, q: str = "", fq: str = "", *, sort: str = "score desc, name asc",
                user: Caller | None = ANONYMOUS, include_private: bool = False,
                include_drafts: bool = False, start: int = 0, rows: int = 1000,
                facets: tuple[tuple[str, str, int, int], ...] = ()) -> b.SearchRequest:
        q_expr, fq_expr = parse(q, fq)
        query = self.planner.plan(q_expr, fq_expr,
                                  visibility(user, include_private, include_drafts))
        return b.SearchRequest(
            query=query, sort=tuple(sort_spec(sort)), start=start, rows=rows,
            facets=tuple(b.FacetRequest(name, field, limit, mincount)
                         for name, field, limit, mincount in facets))

    def search(self, q: str = "", fq: str = "", **kwargs: Any) -> b.SearchResult:
        return self.index.search(INDEX, self.request(q, fq, **kwargs))

    def names(self, q: str = "", fq: str = "", **kwargs: Any) -> set[str]:
        found = self.search(q, fq, **kwargs)
        names = [d["name"] for d in found.docs]
        assert found.count == len(names) == len(set(names)), (found.count, names)
        return set(names)

    def order(self, q: str = "", fq: str = "", **kwargs: Any) -> list[str]:
        return [d["name"] for d in self.search(q, fq, **kwargs).docs]


@pytest.fixture
def searcher(index: b.SearchIndex, analyzer: Analyzer) -> Searcher:
    return Searcher(index, analyzer)
