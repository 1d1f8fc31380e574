"""Benchmark: package_search on the search index with 100,000 catalog entries.

1. Generates --entries catalog entries (default 100,000) straight into a fresh
   SQLite database (Alembic migrations, then SQLAlchemy Core bulk inserts into
   organization, dataset, resource, tag, group and their link tables). The
   entries are made from the demo county's templates (portal.demo): its 31
   organizations, titles such as "泗县2024年城乡居民最低生活保障对象名单", summaries of
   1-3 sentences, 2-5 tags, 1-3 resources with formats, and the data items of
   the demo's tables; names and phone numbers come from Faker zh_CN. A fixed
   seed gives the same catalog on every run.
2. Full reindex: `Portal.search.rebuild(workers=2)` (worker processes tokenise
   on both cores), timed --rebuilds times: seconds and documents/s.
3. A fixed mix of 20 queries (rows 20, facets on organization, tags and
   res_format over the whole match set), anonymous caller:
   - through the action layer, `Portal.call("package_search", ...)`, in-process;
   - over HTTP, `shuyuan serve` (waitress) in its own process, one client
     thread on a keep-alive connection (request sent to last byte received;
     the client's JSON parsing of the ~150 KB answer is not counted);
   - the baseline: the same queries as plain SQL on the same SQLite database:
     every word LIKE '%word%' in title, notes or a tag name, visible entries
     only, the match set put once in a temp table, the top 20 (title matches
     first, then newest) and the same three facets as GROUP BYs over it. (The
     tag test is the fastest of the plain forms tried: EXISTS on the link
     table's primary key with the matching tag ids; `id IN (links of matching
     tags)` makes SQLite build an automatic index on dataset_tag.tag_id per
     query, 5x slower; the tag facet is written so that it does not either.)
   Each is measured in --repeats passes of --rounds rounds of the 20 queries,
   warm; p50/p95 are given as the median over the passes and their range.
4. The same on an OpenSearch-compatible cluster (osmem-server) when the
   cluster backend (portal/search/cluster_index.py) exists: rebuild docs/s and
   action-layer p50/p95, no target.

Targets at 100,000 entries on the 2-core machine: action layer p95 <= 5 ms
and >= 30x faster than LIKE (p95 / p95), HTTP p95 <= 20 ms, full reindex
<= 60 s.

    .venv/bin/python bench/search.py [--entries 100000] [--quick] [--profile FILE]

--profile FILE writes cProfile listings (action layer, the app behind HTTP via
Flask's test client, the rebuild's main process, and tokenising in one
process) to FILE.
"""

from __future__ import annotations

import argparse
import cProfile
import http.client
import io
import json
import math
import os
import pstats
import random
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Connection, insert, text
from tqdm import tqdm

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from portal.db import make_engine, upgrade  # noqa: E402
from portal.demo.access import PROFILES  # noqa: E402
from portal.demo.catalog import PERIOD_WORDS, Spec  # noqa: E402
from portal.demo.files import FORMATS  # noqa: E402
from portal.demo.organizations import GROUPS, ORGS, ORGS_BY_NAME, OrgSpec, org_code  # noqa: E402
from portal.demo.places import (  # noqa: E402
    AREA_CODE,
    FIXED_DAY,
    SPATIAL,
    TOWNS,
    Town,
    seat_address,
    town_address,
)
from portal.models import Dataset, Group, Organization, Resource, Tag  # noqa: E402
from portal.models.catalog import dataset_group, dataset_tag  # noqa: E402
from portal.services import Portal  # noqa: E402
from portal.settings import instance_settings  # noqa: E402
from tests.support.pgcluster import free_port  # noqa: E402

SEED = 20260630
SHUYUAN = str(Path(sys.executable).parent / "shuyuan")
FACETS = ["organization", "tags", "res_format"]
ROWS = 20
FACET_LIMIT = 50  # package_search's default facet.limit

# The fixed query mix: (q, fq). Words people type at a county portal: single
# terms, two-word queries, synonyms (低保 = 最低生活保障), place names, broad
# words matching a large share of the catalog, and one organization filter.
QUERIES: list[tuple[str, str]] = [
    ("低保", ""),
    ("最低生活保障", ""),
    ("2024年 低保", ""),
    ("学校", ""),
    ("幼儿园 名录", ""),
    ("医疗机构", ""),
    ("公交线路", ""),
    ("空气质量", ""),
    ("企业登记", ""),
    ("食品安全 抽检", ""),
    ("停水", ""),
    ("交通事故", ""),
    ("家庭医生 签约", ""),
    ("农产品价格", ""),
    ("泗城镇", ""),
    ("养老", ""),
    ("充电桩", ""),
    ("名单", ""),
    ("统计", ""),
    ("社会救助", "organization:sx-mzj"),
]

TARGET_ACTION_P95_MS = 5.0
TARGET_RATIO = 30.0
TARGET_HTTP_P95_MS = 20.0
TARGET_REINDEX_S = 60.0
TARGET_ENTRIES = 100_000


# --- the catalog ------------------------------------------------------------

QUALIFIERS = ("城乡居民", "农村", "城区", "全县", "新增", "重点", "年度", "乡镇")
SUFFIXES = ("（第一批）", "（第二批）", "（更新）", "（汇总）", "（公示）", "（修订版）")
GENERIC_TAGS = ("公共数据", "民生服务", "统计数据", "年度数据", "名录", "名单", "基层治理",
                "便民", "信息公开", "数据开放")
EXTRA_FORMATS = (("PDF", "application/pdf", "pdf"), ("DOCX", "application/msword", "docx"))


@dataclass
class Template:
    org: OrgSpec | None        # None: a town template, any town's government
    spec: Spec
    subject: str               # the title without place and year
    data_items: list[dict[str, Any]]


def _subject(title: str) -> str:
    for token in ("{year}年度", "{year}年末", "{year}年", "{town}"):
        title = title.replace(token, "")
    return title.removeprefix("泗县")


def _data_items(spec: Spec, cache: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    if spec.kind not in cache:
        from portal.demo.tables import generate
        try:
            table = generate(spec.kind, f"bench:{spec.kind}", rows=1, start=date(2025, 1, 1),
                             end=date(2025, 12, 31), town=TOWNS[0], extra=dict(spec.extra))
            cache[spec.kind] = [c.as_data_item() for c in table.columns]
        except Exception:  # a generator wanting other arguments: no data items
            cache[spec.kind] = []
    return cache[spec.kind]


def templates() -> list[Template]:
    from portal.demo.specs_departments import DEPARTMENT_SPECS
    from portal.demo.specs_local import LOCAL_SPECS, TOWN_SPECS

    cache: dict[str, list[dict[str, Any]]] = {}
    out = [Template(ORGS_BY_NAME[org], spec, _subject(spec.title), _data_items(spec, cache))
           for org, specs in (*DEPARTMENT_SPECS, *LOCAL_SPECS) for spec in specs]
    # Every town publishes its own: as many templates per town as the demo has.
    out += [Template(None, spec, _subject(spec.title), _data_items(spec, cache))
            for spec in TOWN_SPECS for _ in TOWNS]
    return out


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _moment(rng: random.Random, start: datetime, end: datetime) -> datetime:
    return start + timedelta(seconds=rng.randrange(int((end - start).total_seconds())))


@dataclass
class Catalog:
    entries: int = 0
    resources: int = 0
    tag_links: int = 0
    published_public: int = 0
    tags: dict[str, str] = field(default_factory=dict)  # name -> id
    seconds: float = 0.0


class Generator:
    """Deterministic catalog entries from the demo templates."""

    def __init__(self, seed: int) -> None:
        from faker import Faker

        self.rng = random.Random(seed)
        fake = Faker("zh_CN")
        fake.seed_instance(seed)
        # Pools: Faker is slow per call, and a county has a few hundred staff anyway.
        self.people = [fake.name() for _ in range(600)]
        self.phones = [fake.phone_number() for _ in range(600)]
        self.companies = [fake.company() for _ in range(300)]
        self.templates = templates()
        self.org_ids = {o.name: str(uuid.uuid5(uuid.NAMESPACE_URL, f"bench:org:{o.name}"))
                        for o in ORGS}
        self.group_ids = {g.name: str(uuid.uuid5(uuid.NAMESPACE_URL, f"bench:group:{g.name}"))
                          for g in GROUPS}
        self.group_titles = {g.name: g.title for g in GROUPS}
        self.codes: dict[str, int] = {}

    def org_rows(self) -> list[dict[str, Any]]:
        created = datetime(2015, 6, 1, tzinfo=UTC)
        return [{"id": self.org_ids[o.name], "name": o.name, "title": o.title, "type": o.type,
                 "code": org_code(o),
                 "parent_id": self.org_ids[o.parent] if o.parent else None,
                 "description": o.description, "image_url": "", "state": "active",
                 "extras": {}, "created": created} for o in ORGS]

    def group_rows(self) -> list[dict[str, Any]]:
        created = datetime(2015, 6, 1, tzinfo=UTC)
        return [{"id": self.group_ids[g.name], "name": g.name, "title": g.title,
                 "description": g.description, "image_url": "", "state": "active",
                 "created": created} for g in GROUPS]

    def title(self, tpl: Template, town: Town | None, year: int) -> tuple[str, str]:
        """(title, period label) of one entry."""
        rng = self.rng
        if town is not None:
            village = rng.choice(town.villages) if rng.random() < 0.3 else ""
            place = rng.choice(("泗县", "")) + town.title + village
        elif rng.random() < 0.2:
            place = "泗县" + rng.choice(TOWNS).title
        else:
            place = "" if tpl.spec.title.startswith(("国网", "{year}年国网")) else "泗县"
        roll = rng.random()
        if roll < 0.45:
            period = f"{year}年"
        elif roll < 0.6:
            period = f"{year}年第{rng.randint(1, 4)}季度"
        elif roll < 0.75:
            period = f"{year}年{rng.randint(1, 12)}月"
        elif roll < 0.82:
            period = f"{year}年度"
        elif roll < 0.87:
            period = f"{year}年{rng.choice(('上半年', '下半年'))}"
        else:
            period = ""
        qualifier = rng.choice(QUALIFIERS) if rng.random() < 0.15 else ""
        suffix = rng.choice(SUFFIXES) if rng.random() < 0.1 else ""
        return f"{place}{period}{qualifier}{tpl.subject}{suffix}", period

    def notes(self, tpl: Template, org: OrgSpec, town: Town | None, start: date,
              end: date) -> str:
        rng = self.rng
        spec = tpl.spec
        first = spec.notes.format(town=town.title if town else "")
        sentences = [first,
                     f"本数据由{org.title}提供，{PERIOD_WORDS[spec.period]}更新，"
                     f"数据时段为{start.year}年{start.month}月至{end.year}年{end.month}月。"]
        extra = rng.choice((
            f"数据联系人：{rng.choice(self.people)}，联系电话：{rng.choice(self.phones)}。",
            f"办公地址：{town_address(rng, town) if town else seat_address(rng)}。",
            f"部分数据由{rng.choice(self.companies)}协助采集，已经{org.short}审核。",
            "数据中涉及个人隐私的字段已作脱敏处理。",
        ))
        sentences.append(extra)
        return "".join(sentences[:rng.choice((1, 2, 2, 3, 3))])

    def tags(self, tpl: Template, town: Town | None, year: int) -> list[str]:
        rng = self.rng
        want = rng.randint(2, 5)
        tags = list(dict.fromkeys(tpl.spec.tags))[:want]
        extras = [f"{year}年", *(self.group_titles[g] for g in tpl.spec.groups),
                  *((town.title,) if town else ()), *rng.sample(GENERIC_TAGS, 3)]
        for tag in extras:
            if len(tags) >= want:
                break
            if tag not in tags:
                tags.append(tag)
        return tags

    def entries(self, n: int, batch: int = 5000) -> Iterator[dict[str, list[dict[str, Any]]]]:
        rng = self.rng
        first = datetime(2016, 1, 1, tzinfo=UTC)
        last = datetime(FIXED_DAY.year, FIXED_DAY.month, FIXED_DAY.day, tzinfo=UTC)
        rows: dict[str, list[dict[str, Any]]] = {"dataset": [], "resource": [], "tag": [],
                                                 "group": []}
        for i in range(n):
            tpl = rng.choice(self.templates)
            spec = tpl.spec
            town = rng.choice(TOWNS) if tpl.org is None else None
            org = ORGS_BY_NAME[f"sx-{town.slug}"] if town else tpl.org
            assert org is not None
            year = rng.randint(2016, FIXED_DAY.year)
            title, period = self.title(tpl, town, year)
            start = date(year, 1, 1)
            end = min(date(year, 12, 31), FIXED_DAY)
            created = _moment(rng, first, last)
            modified = min(created + timedelta(days=rng.randint(0, 400),
                                               seconds=rng.randrange(86400)), last)
            profile = PROFILES[spec.access]
            roll = rng.random()
            state = ("published" if roll < 0.94 else "draft" if roll < 0.97
                     else "pending" if roll < 0.985 else "withdrawn")
            private = rng.random() < 0.04
            dataset_id = _uuid(rng)
            self.codes[org.abbr] = self.codes.get(org.abbr, 0) + 1
            formats = [FORMATS[f] for f in dict.fromkeys(spec.formats)]
            n_res = rng.randint(1, 3)
            res_formats = [(f.label, f.mimetype, f.extension) for f in formats][:n_res]
            while len(res_formats) < n_res:
                res_formats.append(rng.choice(EXTRA_FORMATS))
            labels = sorted({label for label, _, _ in res_formats})
            rows["dataset"].append({
                "id": dataset_id, "name": f"{org.name.removeprefix('sx-')}-{spec.key}-{i:06d}",
                "title": title, "notes": self.notes(tpl, org, town, start, end), "url": "",
                "version": "", "author": org.title, "author_email": org.email,
                "maintainer": f"{rng.choice(self.people)}（{org.short}）",
                "maintainer_email": org.email,
                "license_id": rng.choice(("CC-BY-4.0", "gov-open-cn", "odc-by"))
                if profile.open_type != "none" else "other-closed",
                "owner_org": self.org_ids[org.name], "private": private, "state": state,
                "type": "dataset", "creator_user_id": None,
                "metadata_created": created, "metadata_modified": modified,
                "resource_code": f"{AREA_CODE}-{org.abbr}-{self.codes[org.abbr]:06d}",
                "classification": spec.classification, "category_path": spec.category,
                "data_items": tpl.data_items, "format": "/".join(labels),
                "update_period": spec.period, "share_type": profile.share_type,
                "share_condition": profile.share_condition, "share_method": profile.share_method,
                "legal_basis": "；".join(dict.fromkeys(profile.laws + spec.laws)),
                "open_type": profile.open_type, "open_condition": profile.open_condition,
                "use_requirements": profile.use_requirements,
                "required_materials": list(profile.required_materials),
                "grading": profile.grading, "issued": created.date(),
                "modified": modified.date(), "temporal_start": start, "temporal_end": end,
                "spatial": SPATIAL + (town.title if town else ""), "extras": {},
            })
            for pos, (label, mimetype, ext) in enumerate(res_formats):
                edition = f"{period}" if period else f"{year}年"
                rows["resource"].append({
                    "id": _uuid(rng), "package_id": dataset_id,
                    "name": f"{title}（{label}）",
                    "description": f"{title}：{edition}数据，{label}格式，"
                                   f"共{rng.randint(20, 5000)}条记录。",
                    "url": f"{spec.key}-{year}-{pos + 1}.{ext}", "url_type": "upload",
                    "format": label, "mimetype": mimetype, "size": rng.randint(2_000, 900_000),
                    "hash": "", "blob_sha256": None, "position": pos, "state": "active",
                    "extras": {}, "created": created, "last_modified": modified,
                })
            for tag in self.tags(tpl, town, year):
                rows["tag"].append({"dataset_id": dataset_id, "tag_name": tag})
            for group in spec.groups:
                rows["group"].append({"dataset_id": dataset_id,
                                      "group_id": self.group_ids[group]})
            if len(rows["dataset"]) >= batch:
                yield rows
                rows = {"dataset": [], "resource": [], "tag": [], "group": []}
        if rows["dataset"]:
            yield rows


def generate_catalog(database_url: str, entries: int, seed: int) -> Catalog:
    t0 = time.perf_counter()
    upgrade(database_url)
    gen = Generator(seed)
    out = Catalog()
    engine = make_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(insert(Organization.__table__), gen.org_rows())
            conn.execute(insert(Group.__table__), gen.group_rows())
            for rows in gen.entries(entries):
                _insert_batch(conn, rows, out)
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
            out.published_public = conn.scalar(text(
                "SELECT count(*) FROM dataset WHERE state = 'published' AND private = 0")) or 0
    finally:
        engine.dispose()
    out.seconds = time.perf_counter() - t0
    return out


def _insert_batch(conn: Connection, rows: dict[str, list[dict[str, Any]]], out: Catalog) -> None:
    new_tags = []
    for link in rows["tag"]:
        name = link["tag_name"]
        if name not in out.tags:
            out.tags[name] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"bench:tag:{name}"))
            new_tags.append({"id": out.tags[name], "name": name})
    if new_tags:
        conn.execute(insert(Tag.__table__), new_tags)
    conn.execute(insert(Dataset.__table__), rows["dataset"])
    conn.execute(insert(Resource.__table__), rows["resource"])
    conn.execute(insert(dataset_tag), [{"dataset_id": r["dataset_id"],
                                        "tag_id": out.tags[r["tag_name"]]} for r in rows["tag"]])
    conn.execute(insert(dataset_group), rows["group"])
    out.entries += len(rows["dataset"])
    out.resources += len(rows["resource"])
    out.tag_links += len(rows["tag"])


# --- measuring --------------------------------------------------------------

def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


@dataclass
class Figures:
    """Latencies (ms) of several passes over the query mix."""
    label: str
    passes: list[list[float]] = field(default_factory=list)
    per_query: dict[int, list[float]] = field(default_factory=dict)
    counts: dict[int, int] = field(default_factory=dict)

    def add_pass(self, samples: list[tuple[int, float]]) -> None:
        self.passes.append([ms for _, ms in samples])
        for i, ms in samples:
            self.per_query.setdefault(i, []).append(ms)

    def stat(self, p: float) -> tuple[float, float, float]:
        """(median over passes, lowest, highest) of the passes' p-th percentile."""
        each = [percentile(ms, p) for ms in self.passes]
        return statistics.median(each), min(each), max(each)

    @property
    def p50(self) -> float:
        return self.stat(50)[0]

    @property
    def p95(self) -> float:
        return self.stat(95)[0]

    def line(self) -> str:
        m50, lo50, hi50 = self.stat(50)
        m95, lo95, hi95 = self.stat(95)
        n = sum(len(p) for p in self.passes)
        return (f"{self.label:<28} p50 {m50:8.2f} ms ({lo50:.2f}-{hi50:.2f})   "
                f"p95 {m95:8.2f} ms ({lo95:.2f}-{hi95:.2f})   "
                f"{len(self.passes)} passes, {n} requests")


def measure(label: str, run: Callable[[int], int | tuple[int, float]], repeats: int,
            rounds: int, warmup: int = 1) -> Figures:
    """run(i) answers query i and returns its count, timed per call, or (count, ms) when it
    times itself."""
    figures = Figures(label)
    order = list(range(len(QUERIES)))
    for _ in range(warmup):
        for i in order:
            got = run(i)
            figures.counts[i] = got[0] if isinstance(got, tuple) else got
    rng = random.Random(SEED)
    for _ in range(repeats):
        samples = []
        for _ in range(rounds):
            rng.shuffle(order)
            for i in order:
                t0 = time.perf_counter()
                got = run(i)
                ms = got[1] if isinstance(got, tuple) else (time.perf_counter() - t0) * 1000
                samples.append((i, ms))
        figures.add_pass(samples)
    return figures


def action_params(i: int) -> dict[str, Any]:
    q, fq = QUERIES[i]
    params: dict[str, Any] = {"q": q, "rows": ROWS, "facet.field": json.dumps(FACETS)}
    if fq:
        params["fq"] = fq
    return params


def action_runner(portal: Portal) -> Callable[[int], int]:
    def run(i: int) -> int:
        return int(portal.call("package_search", action_params(i))["count"])
    return run


class HttpClient:
    """One keep-alive connection to the server."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.paths = ["/api/3/action/package_search?" + urlencode(action_params(i))
                      for i in range(len(QUERIES))]

    def get(self, path: str) -> tuple[dict[str, Any], float]:
        """The response and the ms from sending the request to the last byte received
        (parsing the ~150 KB of JSON is the client's cost, not the server's)."""
        t0 = time.perf_counter()
        try:
            self.conn.request("GET", path)
            resp = self.conn.getresponse()
        except (http.client.HTTPException, OSError):
            self.conn.close()  # the server closed the idle connection: reconnect once
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            self.conn.request("GET", path)
            resp = self.conn.getresponse()
        body = resp.read()
        ms = (time.perf_counter() - t0) * 1000
        if resp.status != 200:
            raise RuntimeError(f"HTTP {resp.status} for {path}: {body[:200]!r}")
        return json.loads(body), ms

    def run(self, i: int) -> tuple[int, float]:
        found, ms = self.get(self.paths[i])
        if not found.get("success"):
            raise RuntimeError(f"package_search failed: {found.get('error')}")
        return int(found["result"]["count"]), ms

    def close(self) -> None:
        self.conn.close()


# --- the SQL LIKE baseline ----------------------------------------------------

class LikeBaseline:
    """The query mix as plain SQL on the catalog tables (what a portal without an index does)."""

    VISIBLE = "d.state = 'published' AND d.private = 0"

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def where(self, q: str, fq: str) -> tuple[str, str, dict[str, Any]]:
        words = q.split()
        params: dict[str, Any] = {}
        clauses = [self.VISIBLE]
        for n, word in enumerate(words):
            params[f"w{n}"] = f"%{word}%"
            clauses.append(
                f"(d.title LIKE :w{n} OR d.notes LIKE :w{n} OR EXISTS ("
                f"SELECT 1 FROM dataset_tag dt WHERE dt.dataset_id = d.id AND dt.tag_id IN ("
                f"SELECT id FROM tag WHERE name LIKE :w{n})))")
        if fq:
            field_name, _, value = fq.partition(":")
            assert field_name == "organization", fq
            params["org"] = value
            clauses.append("d.owner_org = (SELECT id FROM organization WHERE name = :org)")
        title_hit = " AND ".join(f"d.title LIKE :w{n}" for n in range(len(words))) or "1"
        return " AND ".join(clauses), title_hit, params

    def search(self, q: str, fq: str) -> dict[str, Any]:
        where, title_hit, params = self.where(q, fq)
        c = self.conn
        c.execute(text("DROP TABLE IF EXISTS temp.m"))
        c.execute(text(
            f"CREATE TEMP TABLE m AS SELECT d.id AS id, d.owner_org AS owner_org, "
            f"d.metadata_modified AS modified, ({title_hit}) AS title_hit "
            f"FROM dataset d WHERE {where}"), params)
        count = c.scalar(text("SELECT count(*) FROM m"))
        top = c.execute(text(
            "SELECT d.id, d.name, d.title, d.notes, d.metadata_modified FROM m "
            "JOIN dataset d ON d.id = m.id ORDER BY m.title_hit DESC, m.modified DESC "
            f"LIMIT {ROWS}")).all()
        orgs = c.execute(text(
            "SELECT o.name, o.title, count(*) AS n FROM m JOIN organization o ON o.id = m.owner_org "
            f"GROUP BY o.id ORDER BY n DESC, o.name LIMIT {FACET_LIMIT}")).all()
        # CROSS JOIN keeps SQLite's join order (match set first, then the link table's
        # primary key): left to itself it builds an index on dataset_tag.tag_id per query.
        tags = c.execute(text(
            "SELECT t.name, x.n FROM (SELECT dt.tag_id AS tag_id, count(*) AS n FROM m "
            "CROSS JOIN dataset_tag dt ON dt.dataset_id = m.id GROUP BY dt.tag_id) x "
            f"JOIN tag t ON t.id = x.tag_id ORDER BY x.n DESC, t.name LIMIT {FACET_LIMIT}")).all()
        formats = c.execute(text(
            "SELECT upper(r.format) AS f, count(DISTINCT r.package_id) AS n FROM m "
            "JOIN resource r ON r.package_id = m.id WHERE r.state = 'active' AND r.format != '' "
            f"GROUP BY f ORDER BY n DESC, f LIMIT {FACET_LIMIT}")).all()
        c.execute(text("DROP TABLE temp.m"))
        return {"count": count, "results": top, "organization": orgs, "tags": tags,
                "res_format": formats}

    def run(self, i: int) -> int:
        return int(self.search(*QUERIES[i])["count"])


# --- the portal, the server, osmem --------------------------------------------

@dataclass
class Rebuild:
    docs: int
    seconds: float
    cpu_main: float      # user + system seconds of this process
    cpu_workers: float   # of the tokenising processes (reaped when the rebuild ends)

    @property
    def rate(self) -> float:
        return self.docs / self.seconds

    def line(self, label: str) -> str:
        return (f"{label}: {self.docs:,} docs in {self.seconds:.1f} s = {self.rate:,.0f} docs/s; "
                f"CPU {self.cpu_main + self.cpu_workers:.0f} s (main {self.cpu_main:.0f}, "
                f"workers {self.cpu_workers:.0f})")


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def rebuild(portal: Portal, workers: int, label: str) -> Rebuild:
    bar = tqdm(desc=label, unit="doc", file=sys.stderr, dynamic_ncols=True, mininterval=0.5)

    def progress(done: int, total: int) -> None:
        if bar.total != total:
            bar.total = total
        bar.update(done - bar.n)

    t0 = time.perf_counter()
    main0, children0 = _cpu(resource.RUSAGE_SELF), _cpu(resource.RUSAGE_CHILDREN)
    try:
        done = portal.search.rebuild(progress=progress, workers=workers)
    finally:
        bar.close()
    return Rebuild(done, time.perf_counter() - t0, _cpu(resource.RUSAGE_SELF) - main0,
                   _cpu(resource.RUSAGE_CHILDREN) - children0)


def start_server(var_dir: Path, database_url: str, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "SHUYUAN_STORAGE_VAR_DIR": str(var_dir),
           "SHUYUAN_DATABASE_URL": database_url,
           "SHUYUAN_SITE_URL": f"http://127.0.0.1:{port}"}
    server = subprocess.Popen([SHUYUAN, "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"shuyuan serve exited with {server.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/3/action/status_show")
            if conn.getresponse().status == 200:
                conn.close()
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("shuyuan serve did not answer within 60 s")


def cluster_backend_available() -> bool:
    try:
        import portal.search.cluster_index  # noqa: F401
    except ImportError:
        return False
    return True


# --- profiling ----------------------------------------------------------------

class Profiles:
    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.out = io.StringIO()

    @property
    def on(self) -> bool:
        return self.path is not None

    def run(self, label: str, fn: Callable[[], Any]) -> Any:
        prof = cProfile.Profile()
        t0 = time.perf_counter()
        try:
            result = prof.runcall(fn)
        except Exception as exc:  # the tree may be mid-edit: report and go on
            self.out.write(f"\n===== {label}: FAILED: {exc!r} =====\n")
            print(f"profile {label!r} failed: {exc!r}", flush=True)
            return None
        wall = time.perf_counter() - t0
        for key in ("tottime", "cumulative"):
            buf = io.StringIO()
            stats = pstats.Stats(prof, stream=buf)
            stats.sort_stats(key).print_stats(35)
            self.out.write(f"\n===== {label}: wall {wall:.2f} s, sorted by {key} =====\n")
            self.out.write(buf.getvalue())
        return result

    def save(self) -> None:
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(self.out.getvalue(), encoding="utf-8")


def profile_all(profiles: Profiles, portal: Portal, rounds: int) -> None:
    from sqlalchemy import select

    run = action_runner(portal)

    def action_pass() -> None:
        for _ in range(rounds):
            for i in range(len(QUERIES)):
                run(i)

    profiles.run(f"action layer: {rounds} rounds x {len(QUERIES)} queries", action_pass)

    paths = ["/api/3/action/package_search?" + urlencode(action_params(i))
             for i in range(len(QUERIES))]
    clients: list[Any] = []

    def wsgi_pass() -> None:
        if not clients:
            from portal.app import create_app
            clients.append(create_app(portal).test_client())
        for _ in range(rounds):
            for path in paths:
                resp = clients[0].get(path)
                assert resp.status_code == 200, resp.status_code

    try:
        wsgi_pass()  # warm
    except Exception as exc:  # noqa: BLE001 - reported by the profile below
        print(f"Flask app: {exc!r}", flush=True)
    profiles.run(f"HTTP app behind waitress (Flask test client): {rounds} rounds", wsgi_pass)

    # The rebuild's stages, each alone: a worker reads, dictizes and segments a batch
    # of entries; the main process writes the documents to the index.
    from portal.search.rebuild import documents_for

    service = portal.search
    with portal.session_factory() as session:
        ids = list(session.scalars(select(Dataset.id).where(Dataset.state != "deleted")
                                   .order_by(Dataset.id).limit(2000)))
    docs: list[dict[str, Any]] = []

    def worker_stage() -> None:
        for i in range(0, len(ids), 500):
            with portal.session_factory() as session:
                docs.extend(documents_for(session, ids[i:i + 500], service.analyzer,
                                          portal.site_url)[0])

    profiles.run(f"rebuild, each worker's part: reading, dictizing and segmenting "
                 f"{len(ids):,} entries in one process (rebuild.documents_for)", worker_stage)
    scratch = "bench-profile-scratch"
    service.backend.create(scratch)
    try:
        profiles.run(f"rebuild, main process's part: writing {len(docs):,} documents to "
                     "the index in batches of 500",
                     lambda: [service.backend.write(scratch, docs[i:i + 500], [])
                              for i in range(0, len(docs), 500)])
    finally:
        service.backend.drop(scratch)


# --- the run ----------------------------------------------------------------------

def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=TARGET_ENTRIES)
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: 2,000 entries, fewer passes (under a minute)")
    parser.add_argument("--workers", type=int, default=2, help="tokenising processes")
    parser.add_argument("--rebuilds", type=int, default=None,
                        help="full reindexes timed (0: reuse the index of a --keep dir)")
    parser.add_argument("--repeats", type=int, default=None, help="passes per measurement")
    parser.add_argument("--rounds", type=int, default=None,
                        help="rounds of the 20 queries per pass (index)")
    parser.add_argument("--like-rounds", type=int, default=None,
                        help="rounds of the 20 queries per pass (LIKE baseline)")
    parser.add_argument("--no-osmem", action="store_true", help="skip the cluster figures")
    parser.add_argument("--profile", type=Path, default=None, metavar="FILE",
                        help="write cProfile listings of the hot paths to FILE")
    parser.add_argument("--keep", type=Path, default=None, metavar="DIR",
                        help="build in DIR and keep it, or reuse the catalog it holds "
                             "(default: a temporary directory)")
    args = parser.parse_args()
    if args.quick and args.entries == TARGET_ENTRIES:
        args.entries = 2000
    rebuilds = args.rebuilds if args.rebuilds is not None else (1 if args.quick else 2)
    repeats = args.repeats or (2 if args.quick else 5)
    rounds = args.rounds or (2 if args.quick else 5)
    like_rounds = args.like_rounds or 1
    command = " ".join([".venv/bin/python bench/search.py", *map(shlex.quote, sys.argv[1:])])
    print(f"$ {command}", flush=True)

    profiles = Profiles(args.profile)
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        tmp_ctx: Any = None
        work = args.keep
    else:
        tmp_ctx = tempfile.TemporaryDirectory(prefix="shuyuan-bench-search-")
        work = Path(tmp_ctx.name)
    summary: list[str] = []
    try:
        run_bench(args, work, rebuilds, repeats, rounds, like_rounds, profiles, summary,
                  command)
    finally:
        profiles.save()
        if tmp_ctx is not None:
            tmp_ctx.cleanup()
    print("\n" + "\n".join(summary))


def load_catalog(work: Path, database_url: str, entries: int) -> tuple[Catalog, bool]:
    """Generate the catalog, or reuse the one a --keep directory holds (same entries, seed)."""
    marker = work / "catalog.json"
    if marker.is_file() and (work / "shuyuan.db").is_file():
        saved = json.loads(marker.read_text(encoding="utf-8"))
        if saved.get("entries") == entries and saved.get("seed") == SEED:
            return Catalog(entries=saved["entries"], resources=saved["resources"],
                           tag_links=saved["tag_links"],
                           published_public=saved["published_public"],
                           tags=dict.fromkeys(range(saved["tags"]), "")), True
        raise SystemExit(f"{work} holds another catalog ({saved}); use another --keep dir")
    catalog = generate_catalog(database_url, entries, SEED)
    marker.write_text(json.dumps({
        "entries": catalog.entries, "seed": SEED, "resources": catalog.resources,
        "tag_links": catalog.tag_links, "published_public": catalog.published_public,
        "tags": len(catalog.tags)}), encoding="utf-8")
    return catalog, False


def code_version() -> str:
    """The commit measured, and whether portal/ differs from it (the tree may be mid-edit)."""
    def git(*argv: str) -> str:
        try:
            return subprocess.run(["git", *argv], cwd=ROOT, capture_output=True, text=True,
                                  timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""
    head = git("rev-parse", "--short", "HEAD") or "unknown"
    last = git("log", "-1", "--format=%h %s", "--", "portal", "config", "pyproject.toml")
    changed = git("status", "--porcelain", "--", "portal", "config")
    return (head + (f" (portal/ last changed by {last[:90]})" if last else "")
            + (f" + {len(changed.splitlines())} uncommitted file(s) in portal/ config/"
               if changed else ""))


def load_average() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def run_bench(args: argparse.Namespace, work: Path, rebuilds: int, repeats: int, rounds: int,
              like_rounds: int, profiles: Profiles, summary: list[str], command: str) -> None:
    database_url = f"sqlite:///{work / 'shuyuan.db'}"
    var_dir = work / "var"
    port = free_port()
    site_url = f"http://127.0.0.1:{port}"
    cores = os.cpu_count()
    load_before = load_average()
    version = code_version()
    print(f"portal at commit {version}", flush=True)
    print(f"load average (1/5/15 min) at start: {load_before}; the machine is shared, so "
          "figures vary from run to run", flush=True)

    catalog, reused = load_catalog(work, database_url, args.entries)
    size_mb = (work / "shuyuan.db").stat().st_size / 1e6
    print(f"catalog: {catalog.entries:,} entries ({catalog.published_public:,} published and "
          f"public), {catalog.resources:,} resources, {len(catalog.tags):,} tags "
          f"({catalog.tag_links:,} links), {len(ORGS)} organizations; "
          + (f"reused from {work}" if reused else f"generated in {catalog.seconds:.1f} s")
          + f"; SQLite {size_mb:.0f} MB; {cores} cores", flush=True)

    # -- full reindex, embedded ----------------------------------------------------
    portal = Portal(instance_settings(var_dir, database_url, site_url))
    builds: list[Rebuild] = []
    for n in range(rebuilds):
        built = rebuild(portal, args.workers, f"reindex {n + 1}/{rebuilds}")
        builds.append(built)
        print(built.line(f"full reindex {n + 1}/{rebuilds} (workers={args.workers})"),
              flush=True)
    if not builds:
        with portal.engine.connect() as conn:
            live = conn.scalar(text("SELECT index_name FROM search_state WHERE id = 1"))
        if not live or not (var_dir / "search" / live).is_dir():
            raise SystemExit("--rebuilds 0 needs an index built by an earlier --keep run")
        print(f"full reindex: not measured (--rebuilds 0), using index {live}", flush=True)
    with portal.engine.connect() as conn:
        live = conn.scalar(text("SELECT index_name FROM search_state WHERE id = 1")) or ""
    index_mb = sum(f.stat().st_size for f in (var_dir / "search" / live).rglob("*")
                   if f.is_file()) / 1e6
    print(f"index on disk: {index_mb:.0f} MB", flush=True)

    # -- the query mix -------------------------------------------------------------
    action = measure("action layer (embedded)", action_runner(portal), repeats, rounds)
    print(action.line(), flush=True)
    # The same with facets counted on the searching thread ([search] facet_threads = 0):
    # what one request costs when no second core is free for it.
    inline_portal = Portal(instance_settings(var_dir, database_url, site_url,
                                             search={"facet_threads": 0}))
    inline = measure("action layer, facets in line", action_runner(inline_portal), repeats,
                     rounds)
    inline_portal.dispose()
    print(inline.line(), flush=True)

    over_http: Figures | None = None
    try:
        server = start_server(var_dir, database_url, port)
        try:
            client = HttpClient(port)
            try:
                over_http = measure("HTTP (waitress, 1 client)", client.run, repeats, rounds)
            finally:
                client.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
        print(over_http.line(), flush=True)
    except Exception as exc:  # noqa: BLE001 - e.g. a tree mid-edit that does not import
        print(f"HTTP: failed: {exc!r}", flush=True)

    with portal.engine.connect() as conn:
        like = measure("SQL LIKE baseline", LikeBaseline(conn).run, max(2, repeats // 2 + 1),
                       like_rounds)
    print(like.line(), flush=True)

    print(f"\n{'#':>2} {'q':<16}{'fq':<22}{'index hits':>11}{'LIKE hits':>10}"
          f"{'action ms':>10}{'HTTP ms':>9}{'LIKE ms':>9}")
    for i, (q, fq) in enumerate(QUERIES):
        http_ms = statistics.median(over_http.per_query[i]) if over_http else math.nan
        print(f"{i + 1:>2} {q:<{16 - _wide(q)}}{fq:<22}{action.counts[i]:>11,}"
              f"{like.counts[i]:>10,}{statistics.median(action.per_query[i]):>10.2f}"
              f"{http_ms:>9.2f}{statistics.median(like.per_query[i]):>9.1f}")
    print("(medians per query; the index also matches synonyms, organization and resource "
          "names, data items and pinyin, so its counts differ from LIKE's)", flush=True)

    if profiles.on:
        profile_all(profiles, portal, rounds)
        print(f"\nprofiles written to {profiles.path}", flush=True)
    portal.dispose()

    # -- osmem -----------------------------------------------------------------------
    osmem_lines: list[str] = []
    if args.no_osmem:
        osmem_lines.append("osmem: skipped (--no-osmem)")
    elif not cluster_backend_available():
        osmem_lines.append("osmem: backend not available")
    else:
        try:
            osmem_lines += run_osmem(work, database_url, site_url, args.workers, repeats,
                                     rounds)
        except Exception as exc:  # noqa: BLE001 - no target: report and finish
            osmem_lines.append(f"osmem: failed: {exc!r}")
    if not osmem_lines[0].startswith("osmem full"):
        print("\n" + osmem_lines[0], flush=True)

    # -- summary ---------------------------------------------------------------------
    ratio = like.p95 / action.p95
    at_target = args.entries >= TARGET_ENTRIES
    scale = "" if at_target else f" (targets are for {TARGET_ENTRIES:,} entries: indicative only)"
    summary += [
        f"== bench/search.py summary: {catalog.entries:,} entries, {cores} cores, load average "
        f"{load_before} at start, {load_average()} at end{scale}",
        f"command: {command}",
        f"portal at commit {version}",
    ]
    if builds:
        reindex_s = statistics.median(b.seconds for b in builds)
        cpu = statistics.median(b.cpu_main + b.cpu_workers for b in builds)
        summary.append(
            f"full reindex (workers={args.workers}): {reindex_s:.1f} s median of {len(builds)} "
            f"({', '.join(f'{b.seconds:.1f}' for b in builds)} s) = "
            f"{catalog.entries / reindex_s:,.0f} docs/s; CPU {cpu:.0f} s (so >= {cpu / 2:.0f} s "
            f"on 2 idle cores)   target <= {TARGET_REINDEX_S:.0f} s: "
            f"{verdict(reindex_s <= TARGET_REINDEX_S)}")
    else:
        summary.append("full reindex: not measured (--rebuilds 0)")
    summary.append(
        f"action layer: p50 {action.p50:.2f} ms, p95 {action.p95:.2f} ms "
        f"(p95 range {action.stat(95)[1]:.2f}-{action.stat(95)[2]:.2f})"
        f"   target p95 <= {TARGET_ACTION_P95_MS:.0f} ms: "
        f"{verdict(action.p95 <= TARGET_ACTION_P95_MS)}")
    summary.append(
        f"  facets in line (facet_threads = 0, one core per request): p50 {inline.p50:.2f} ms, "
        f"p95 {inline.p95:.2f} ms (no target)")
    if over_http:
        summary.append(
            f"HTTP: p50 {over_http.p50:.2f} ms, p95 {over_http.p95:.2f} ms "
            f"(p95 range {over_http.stat(95)[1]:.2f}-{over_http.stat(95)[2]:.2f})"
            f"   target p95 <= {TARGET_HTTP_P95_MS:.0f} ms: "
            f"{verdict(over_http.p95 <= TARGET_HTTP_P95_MS)}")
    else:
        summary.append("HTTP: failed (see above)   target p95 <= 20 ms: not measured")
    summary += [
        f"SQL LIKE baseline: p50 {like.p50:.1f} ms, p95 {like.p95:.1f} ms; "
        f"LIKE p95 / action p95 = {ratio:.0f}x   target >= {TARGET_RATIO:.0f}x: "
        f"{verdict(ratio >= TARGET_RATIO)}",
        *osmem_lines,
    ]


def _wide(s: str) -> int:
    """Extra columns CJK characters take in a terminal."""
    return sum(1 for ch in s if ord(ch) > 0x2E80)


def run_osmem(work: Path, database_url: str, site_url: str, workers: int, repeats: int,
              rounds: int) -> list[str]:
    from osmem_server import OsmemServer

    cluster = OsmemServer.start(japanese=False)
    portal = None
    try:
        # Same database, so this portal's rebuild takes over search_state: it runs last.
        settings = instance_settings(work / "var-osmem", database_url, site_url,
                                   search={"backend": "opensearch", "url": cluster.url,
                                           "index_prefix": "bench"})
        portal = Portal(settings)
        built = rebuild(portal, workers, "reindex osmem")
        lines = [built.line(f"osmem full reindex (workers={workers})") + " (no target)"]
        print("\n" + lines[0], flush=True)
        figures = measure("action layer (osmem)", action_runner(portal), repeats, rounds)
        lines.append(f"osmem action layer: p50 {figures.p50:.2f} ms, p95 {figures.p95:.2f} ms "
                     f"(p95 range {figures.stat(95)[1]:.2f}-{figures.stat(95)[2]:.2f}; "
                     "no target)")
        print(figures.line(), flush=True)
        return lines
    finally:
        if portal is not None:
            portal.dispose()
        cluster.close()


if __name__ == "__main__":
    main()
