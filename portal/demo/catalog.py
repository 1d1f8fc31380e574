"""Dataset templates (`Spec`) and their expansion into concrete catalog entries.

A spec describes one kind of catalog entry: its table generator, category,
themes, update period and access profile. `build_plan()` expands the specs
(per year, per town) into `DatasetPlan`s with fixed names, codes, dates and
resources. Everything is derived from fixed seeds and FIXED_DAY.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from faker import Faker

from portal.demo import files
from portal.demo.access import PROFILES, Profile
from portal.demo.organizations import ORGS_BY_NAME, OrgSpec, town_org
from portal.demo.places import API_BASE, AREA_CODE, FIXED_DAY, SPATIAL, TOWNS, Town
from portal.demo.tables import Table, generate

PERIOD_WORDS = {"realtime": "实时", "daily": "每日", "weekly": "每周", "monthly": "每月",
                "quarterly": "每季度", "yearly": "每年", "irregular": "不定期"}
LICENSES = ("CC-BY-4.0", "gov-open-cn", "odc-by", "CC-BY-4.0", "gov-open-cn")


@dataclass(frozen=True)
class Spec:
    """A template for catalog entries of one organization (or of every town)."""

    key: str                       # slug part, e.g. "school-directory"
    title: str                     # may use {year} and {town}
    kind: str                      # table generator
    category: str                  # category_path 类/项/目
    groups: tuple[str, ...]
    tags: tuple[str, ...]
    period: str                    # update_period
    notes: str                     # the summary's first sentence
    access: str = "open"
    classification: str = "department"
    rows: tuple[int, int] = (40, 200)
    formats: tuple[str, ...] = ("csv", "xlsx")
    editions: str = "single"       # single, monthly, quarterly, yearly
    count: int = 1                 # editions (for yearly: years back from the last one)
    years: tuple[int, ...] = ()    # one entry per year
    span: int = 3                  # years covered by a "single" table
    api: bool = False
    laws: tuple[str, ...] = ()     # extra legal basis
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ResourcePlan:
    name: str
    description: str
    kind: str
    key: str                       # seed of the table
    rows: int
    start: date
    end: date
    fmt: str = ""                  # files.FORMATS key; empty for a link
    filename: str = ""
    url: str = ""
    town: Town | None = None
    extra: tuple[tuple[str, Any], ...] = ()

    @property
    def is_upload(self) -> bool:
        return not self.url

    def table(self) -> Table:
        return generate(self.kind, self.key, rows=self.rows, start=self.start, end=self.end,
                        town=self.town, extra=dict(self.extra))

    def describe(self, table: Table) -> str:
        return self.description.replace("{records}", str(len(table.rows)))

    def content(self, table: Table | None = None) -> bytes:
        return files.render(table or self.table(), self.fmt)


@dataclass(frozen=True)
class DatasetPlan:
    name: str
    title: str
    org: OrgSpec
    spec: Spec
    profile: Profile
    resource_code: str
    notes: str
    issued: date
    modified: date
    temporal_start: date
    temporal_end: date
    license_id: str
    maintainer: str
    spatial: str
    resources: tuple[ResourcePlan, ...]

    @property
    def personal(self) -> bool:
        return self.profile.personal

    def package_params(self, table: Table) -> dict[str, Any]:
        """package_create parameters; the data items come from the first table."""
        formats = sorted({files.FORMATS[r.fmt].label for r in self.resources if r.fmt})
        p = self.profile
        params: dict[str, Any] = {
            "name": self.name, "title": self.title, "notes": self.notes,
            "owner_org": self.org.name, "author": self.org.title,
            "author_email": self.org.email, "maintainer": self.maintainer,
            "maintainer_email": self.org.email, "license_id": self.license_id,
            "tags": list(self.spec.tags), "groups": list(self.spec.groups),
            "resource_code": self.resource_code, "classification": self.spec.classification,
            "category_path": self.spec.category,
            "data_items": [c.as_data_item() for c in table.columns],
            "format": "/".join(("电子表格" if f == "XLSX" else f) for f in formats)
            + ("/接口" if self.spec.api else ""),
            "update_period": self.spec.period, "share_type": p.share_type,
            "share_condition": p.share_condition, "share_method": p.share_method,
            "legal_basis": "；".join(dict.fromkeys(p.laws + self.spec.laws)),
            "open_type": p.open_type, "open_condition": p.open_condition,
            "use_requirements": p.use_requirements,
            "required_materials": list(p.required_materials), "grading": p.grading,
            "issued": self.issued.isoformat(), "modified": self.modified.isoformat(),
            "spatial": self.spatial,
            "temporal_start": self.temporal_start.isoformat(),
            "temporal_end": self.temporal_end.isoformat(),
        }
        if p.personal:
            params["publication_state"] = "draft"
        return params


def _month_start(day: date, back: int) -> date:
    month = day.year * 12 + day.month - 1 - back
    return date(month // 12, month % 12 + 1, 1)


def _month_end(day: date) -> date:
    return _month_start(day, -1) - timedelta(days=1)


def _editions(spec: Spec, last: date, span: int) -> list[tuple[str, str, date, date]]:
    """(label, slug, start, end) for each file of an entry whose data ends at `last`."""
    if spec.editions == "monthly":
        out = []
        for back in range(spec.count - 1, -1, -1):
            start = _month_start(last, back)
            out.append((f"{start.year}年{start.month}月", f"{start:%Y%m}", start,
                        min(_month_end(start), last)))
        return out
    if spec.editions == "quarterly":
        out = []
        quarter_start = _month_start(last, (last.month - 1) % 3)
        for back in range(spec.count - 1, -1, -1):
            start = _month_start(quarter_start, back * 3)
            q = (start.month - 1) // 3 + 1
            end = min(_month_end(_month_start(start, -2)), last)
            out.append((f"{start.year}年第{q}季度", f"{start.year}q{q}", start, end))
        return out
    if spec.editions == "yearly":
        return [(f"{y}年", str(y), date(y, 1, 1), min(date(y, 12, 31), last))
                for y in range(last.year - spec.count + 1, last.year + 1)]
    start = date(last.year - span + 1, 1, 1)
    return [("", "", start, last)]


@dataclass
class _Builder:
    seed: int
    fake: Faker = field(default_factory=lambda: Faker("zh_CN"))
    counters: dict[str, int] = field(default_factory=dict)
    plans: list[DatasetPlan] = field(default_factory=list)

    def maintainer(self, org: OrgSpec) -> str:
        self.fake.seed_instance(f"{self.seed}:maintainer:{org.name}")
        return f"{self.fake.last_name()}{self.fake.first_name()}（{org.short}）"

    def code(self, org: OrgSpec) -> str:
        self.counters[org.name] = self.counters.get(org.name, 0) + 1
        return f"{AREA_CODE}-{org.abbr}-{self.counters[org.name]:04d}"

    def add(self, spec: Spec, org: OrgSpec, year: int | None, town: Town | None) -> None:
        slug = org.name.removeprefix("sx-")
        name = f"{slug}-{spec.key}" + (f"-{year}" if year else "")
        title = spec.title.format(year=year or "", town=town.title if town else "")
        rng = random.Random(f"{self.seed}:plan:{name}")
        last = FIXED_DAY if not year or year >= FIXED_DAY.year else date(year, 12, 31)
        if spec.editions == "yearly" and not year:
            last = date(FIXED_DAY.year - 1, 12, 31)  # yearly figures: last complete year
        profile = PROFILES[spec.access]
        rows = rng.randint(*spec.rows)
        resources: list[ResourcePlan] = []
        editions = _editions(spec, last, 1 if year else spec.span)
        for i, (label, edition, start, end) in enumerate(editions):
            fmts = spec.formats if len(editions) == 1 else (spec.formats[i % len(spec.formats)],)
            key = f"{self.seed}:{name}:{edition or 'all'}"
            for fmt in fmts:
                info = files.FORMATS[fmt]
                gbk = fmt == "csv-gbk"
                suffix = f"（{label}）" if label else f"（{info.label}{'，GBK编码' if gbk else ''}）"
                stem = name + (f"-{edition}" if edition else "") + ("-gbk" if gbk else "")
                filename = f"{stem}.{info.extension}"
                desc = (f"{title}：" + (f"{label}数据，" if label else "") + f"{info.label}格式"
                        + (f"，字符编码{info.encoding}" if info.encoding else "")
                        + (f"，时段{start.isoformat()}至{end.isoformat()}" if label else "")
                        + "，共{records}条记录。")  # filled in by describe()
                resources.append(ResourcePlan(
                    name=f"{title}{suffix}", description=desc, kind=spec.kind, key=key,
                    rows=rows, start=start, end=end, fmt=fmt, filename=filename, town=town,
                    extra=tuple(sorted(spec.extra.items()))))
        if spec.api:
            resources.append(ResourcePlan(
                name=f"{title}数据接口", kind=spec.kind, key="", rows=0, start=last, end=last,
                url=f"{API_BASE}/datasets/{name}/records?page=1&size=100",
                description="RESTful 数据接口，返回 JSON；需在平台申请应用密钥（AppKey）后调用，"
                            "单个密钥每日调用上限1万次。"))
        first_start, last_end = editions[0][2], editions[-1][3]
        issued = min(first_start + timedelta(days=rng.randint(15, 60)),
                     FIXED_DAY - timedelta(days=30))
        modified = min(last_end + timedelta(days=rng.randint(1, 10)), FIXED_DAY)
        modified = max(modified, issued)
        self.plans.append(DatasetPlan(
            name=name, title=title, org=org, spec=spec, profile=profile,
            resource_code=self.code(org),
            notes=_notes(spec, org, profile, town.title if town else ""),
            issued=issued, modified=modified, temporal_start=first_start, temporal_end=last_end,
            license_id=LICENSES[rng.randrange(len(LICENSES))] if profile.open_type != "none"
            else "other-closed",
            maintainer=self.maintainer(org),
            spatial=f"{SPATIAL}{town.title}" if town else SPATIAL, resources=tuple(resources)))


def _notes(spec: Spec, org: OrgSpec, profile: Profile, town: str) -> str:
    kind = {"base": "基础", "thematic": "主题", "department": "部门"}[spec.classification]
    text = (f"{spec.notes.format(town=town)}本数据由{org.title}提供，{PERIOD_WORDS[spec.period]}更新，"
            f"资源分类为{kind}信息资源。")
    if profile.personal and profile.share_type == "none":
        text += "数据含公民身份号码等敏感个人信息，不予共享和开放；确需使用的，由提供部门依法以核验比对方式提供。"
    elif profile.personal:
        text += "数据含公民身份号码、联系电话等个人信息，仅在政务部门间依法有条件共享，不向社会开放。"
    elif profile.open_type == "conditional":
        text += "社会公众和企业可在平台提出开放申请，经审核后使用。"
    return text


def build_plan(seed: int = 2026) -> list[DatasetPlan]:
    """Every demo catalog entry, in loading order; the same seed gives the same plan."""
    from portal.demo.specs_departments import DEPARTMENT_SPECS
    from portal.demo.specs_local import LOCAL_SPECS, TOWN_SPECS

    builder = _Builder(seed)
    for org_name, specs in (*DEPARTMENT_SPECS, *LOCAL_SPECS):
        org = ORGS_BY_NAME[org_name]
        for spec in specs:
            for year in spec.years or (None,):
                builder.add(spec, org, year, None)
    for town in TOWNS:
        org = town_org(town.slug)
        for spec in TOWN_SPECS:
            for year in spec.years or (None,):
                builder.add(spec, org, year, town)
    return builder.plans
