"""The demo county: loaded once per module through the actions, then looked at as a user would."""

from __future__ import annotations

import csv
import hashlib
import io
import random
import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from portal.core.context import SYSTEM
from portal.core.errors import NotAuthorized
from portal.demo import DemoSummary, codes, load_demo
from portal.demo.catalog import build_plan
from portal.demo.loader import REVIEW_QUEUE
from portal.services import Portal
from tests.conftest import empty_tables, make_settings

ORG_TYPES = {"bureau", "department", "town", "development_zone", "public_utility"}
CJK = re.compile(r"[\u4e00-\u9fff]")

# Independent implementations of the check characters (not the ones under test).
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ID_WEIGHTS = [2 ** (17 - i) % 11 for i in range(17)]


def uscc_ok(code: str) -> bool:
    if len(code) != 18 or any(c not in USCC_ALPHABET for c in code):
        return False
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(code[:17], USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31] == code[17]


def id_ok(number: str) -> bool:
    if not re.fullmatch(r"\d{17}[\dX]", number):
        return False
    date(int(number[6:10]), int(number[10:12]), int(number[12:14]))  # a real birthday
    total = sum(int(c) * w for c, w in zip(number[:17], ID_WEIGHTS, strict=True))
    return "10X98765432"[total % 11] == number[17]


def test_code_generators_pass_independent_checks() -> None:
    # The worked examples of GB 32100 and GB 11643.
    assert uscc_ok("91350100M000100Y43") and codes.is_valid_uscc("91350100M000100Y43")
    assert id_ok("11010519491231002X") and codes.is_valid_id_number("11010519491231002X")
    assert not uscc_ok("91350100M000100Y44") and not id_ok("110105194912310021")
    rng = random.Random(7)
    for _ in range(500):
        kind = rng.choice(("11", "12", "51", "52", "53", "91", "92", "93"))
        assert uscc_ok(codes.uscc(rng, kind))
        born = date(1920, 1, 1) + timedelta(days=rng.randint(0, 38000))
        number = codes.id_number(rng, born, female=rng.random() < 0.5)
        assert id_ok(number) and number.startswith("341324")


class Demo:
    def __init__(self, portal: Portal, summary: DemoSummary, lines: list[str],
                 seconds: float) -> None:
        self.portal, self.summary, self.lines, self.seconds = portal, summary, lines, seconds
        self.datasets = search(portal, user=SYSTEM)

    def blob(self, resource: dict[str, Any]) -> bytes:
        return Path(self.portal.blobs.path(resource["hash"])).read_bytes()

    def dataset(self, name: str) -> dict[str, Any]:
        return next(d for d in self.datasets if d["name"] == name)


def search(portal: Portal, user: Any = None, **params: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    while True:
        page = portal.call("package_search", {"rows": 1000, "start": len(out),
                                              "include_drafts": True, "include_private": True,
                                              **params}, user=user)
        out += page["results"]
        if not page["results"] or len(out) >= page["count"]:
            return out


@pytest.fixture(scope="module")
def demo(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    import time

    empty_tables(database_url)
    portal = Portal(make_settings(tmp_path_factory.mktemp("demo") / "var", database_url))
    lines: list[str] = []
    started = time.perf_counter()
    summary = load_demo(portal, echo=lines.append)
    seconds = time.perf_counter() - started
    yield Demo(portal, summary, lines, seconds)
    portal.dispose()
    empty_tables(database_url)


def test_summary_counts_and_accounts(demo: Demo) -> None:
    s = demo.summary
    assert s.organizations >= 25 and s.datasets >= 300 and s.resources >= 600
    assert s.personal_drafts >= 30 and not s.skipped
    assert {u.name for u in s.users} >= {"admin", "jyj-editor"}
    assert all(u.password for u in s.users)
    text = "\n".join(demo.lines)
    assert "admin" in text and "jyj-editor" in text and str(s.datasets) in text
    assert sum("已加载数据集" in line for line in demo.lines) >= 6  # progress every 50
    # A guard against a gross regression, not a performance target (~60 s alone on this
    # 2-core machine; twice that when other suites share the cores).
    assert demo.seconds < 180


def test_organizations_cover_every_type_with_unique_valid_codes(demo: Demo) -> None:
    orgs = demo.portal.call("organization_list", {"all_fields": True})
    assert len(orgs) >= 25
    assert {o["organization_type"] for o in orgs} == ORG_TYPES
    codes = [o["code"] for o in orgs]
    assert len(set(codes)) == len(codes) and all(uscc_ok(c) for c in codes)
    assert all(re.fullmatch(r"[a-z0-9_-]+", o["name"]) for o in orgs)
    assert all(CJK.search(o["title"]) and CJK.search(o["description"]) for o in orgs)
    bureau = next(o for o in orgs if o["name"] == "sx-sjzyj")
    assert bureau["organization_type"] == "bureau"
    towns = [o for o in orgs if o["organization_type"] == "town"]
    assert len(towns) >= 5 and all(t["parent_id"] == bureau["id"] for t in towns)
    titles = {o["title"] for o in orgs}
    assert {"泗县教育局", "泗县民政局", "泗县经济开发区管理委员会"} <= titles


def test_users_and_roles(demo: Demo) -> None:
    admin = demo.portal.caller_by_name("admin")
    editor = demo.portal.caller_by_name("jyj-editor")
    assert admin is not None and admin.sysadmin
    edu = demo.portal.call("organization_show", {"id": "sx-jyj", "include_users": True},
                           user=SYSTEM)
    assert editor is not None and editor.role_in(edu["id"]) == "editor"
    assert {"jyj-editor", "jyj-admin"} <= {u["name"] for u in edu["users"]}


def test_catalog_size_classifications_and_groups(demo: Demo) -> None:
    datasets = demo.datasets
    assert len(datasets) >= 300
    assert sum(d["num_resources"] for d in datasets) >= 600
    assert {d["classification"] for d in datasets} == {"base", "thematic", "department"}
    for cls in ("base", "thematic", "department"):
        assert demo.portal.call("package_search", {"fq": f"classification:{cls}"})["count"] > 0
    groups = demo.portal.call("group_list", {"all_fields": True})
    assert len(groups) >= 8 and all(g["package_count"] > 0 for g in groups)
    formats = {r["format"] for d in datasets for r in d["resources"]}
    assert {"CSV", "XLSX", "JSON", "API"} <= formats


def test_every_entry_fills_the_catalog_elements(demo: Demo) -> None:
    names, codes = set(), set()
    for d in demo.datasets:
        assert re.fullmatch(r"[a-z0-9_-]{2,100}", d["name"]) and d["name"] not in names
        assert re.fullmatch(r"341324-[A-Z]+-\d{4}", d["resource_code"])
        assert d["resource_code"] not in codes
        names.add(d["name"])
        codes.add(d["resource_code"])
        assert CJK.search(d["title"]) and CJK.search(d["notes"])
        assert d["category_path"].count("/") == 2 and d["tags"] and d["groups"]
        assert d["data_items"] and all(i["type"] in {"text", "integer", "number", "date"}
                                       for i in d["data_items"])
        assert d["format"] and d["update_period"] and d["share_method"]
        assert d["issued"] <= d["modified"] <= "2026-06-30"
        assert d["temporal_start"] <= d["temporal_end"] <= "2026-06-30"
        assert d["spatial"].startswith("安徽省宿州市泗县")
        assert d["maintainer"] and "@" in d["maintainer_email"] and d["license_id"]
        assert d["use_requirements"] and d["required_materials"]
        if d["share_type"] in ("conditional", "none"):
            assert d["legal_basis"].strip(), d["name"]
            assert "《" in d["legal_basis"]
        if d["share_type"] == "conditional":
            assert d["share_condition"].strip()
        if d["open_type"] == "conditional":
            assert d["open_condition"].strip()
        if d["grading"] == "core":
            assert d["open_type"] == "none"
    assert {d["grading"] for d in demo.datasets} == {"general", "important", "core"}
    assert {d["share_type"] for d in demo.datasets} == {"unconditional", "conditional", "none"}
    assert {d["open_type"] for d in demo.datasets} == {"unconditional", "conditional", "none"}


def test_personal_information_stays_in_drafts(demo: Demo) -> None:
    personal = [d for d in demo.datasets if any(i["personal"] for i in d["data_items"])]
    drafts = [d for d in personal if d["publication_state"] == "draft"]
    assert len(drafts) >= 30
    # Nothing with personal columns is published; a few wait in the review queue.
    waiting = [d for d in personal if d["publication_state"] == "pending"]
    assert len(waiting) == REVIEW_QUEUE
    assert sorted(d["name"] for d in drafts + waiting) == sorted(d["name"] for d in personal)
    queue = demo.portal.call("publication_review_list", {}, user=SYSTEM)
    assert {r["dataset_name"] for r in queue["results"]} == {d["name"] for d in waiting}
    reported = [r for r in queue["results"] if r["target"] == "conditional-open"]
    assert len(reported) == 1 and reported[0]["reports"]
    assert all(rep["decision"] == "allowed_after_treatment" for rep in reported[0]["reports"])
    for d in drafts:
        assert d["share_type"] in ("conditional", "none") and d["legal_basis"]
        assert d["open_type"] in ("none", "conditional") and d["grading"] == "important"
    public = {d["name"] for d in search(demo.portal, user=None)}
    assert public and not public & {d["name"] for d in drafts}
    with pytest.raises(NotAuthorized):
        demo.portal.call("package_show", {"id": drafts[0]["name"]})
    # The owning department sees its own drafts.
    editor = demo.portal.caller_by_name("mzj-editor")
    own = {d["name"] for d in search(demo.portal, user=editor)}
    assert "mzj-tekun" in own


def test_gbk_csv_is_really_gbk(demo: Demo) -> None:
    gbk = [r for d in demo.datasets for r in d["resources"] if r.get("encoding") == "GBK"]
    assert len(gbk) >= 10
    data = demo.blob(gbk[0])
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    text = data.decode("gbk")
    assert CJK.search(text) and text.splitlines()[0].startswith("序号")


def test_enterprise_codes_and_identity_numbers_pass_their_checks(demo: Demo) -> None:
    ent = demo.dataset("scjgj-enterprise-registrations-2025")
    res = next(r for r in ent["resources"] if r["format"] == "CSV")
    rows = list(csv.DictReader(io.StringIO(demo.blob(res).decode("utf-8"))))
    assert len(rows) >= 100
    assert [i["name"] for i in ent["data_items"]] == list(rows[0])
    assert all(uscc_ok(r["统一社会信用代码"]) for r in rows)
    assert len({r["统一社会信用代码"] for r in rows}) == len(rows)

    dibao = demo.dataset("dazhuangzhen-dibao")
    res = next(r for r in dibao["resources"] if r["format"] == "XLSX")
    sheet = openpyxl.load_workbook(io.BytesIO(demo.blob(res)), read_only=True).active
    values = list(sheet.iter_rows(values_only=True))
    column = values[0].index("身份证号")
    numbers = [row[column] for row in values[1:]]
    assert len(numbers) >= 30 and all(id_ok(n) for n in numbers)
    assert all(row[1] and CJK.search(row[1]) for row in values[1:])  # 户主姓名


def test_json_resources_are_arrays_of_objects(demo: Demo) -> None:
    import json

    res = next(r for d in demo.datasets for r in d["resources"] if r["format"] == "JSON")
    records = json.loads(demo.blob(res))
    assert isinstance(records, list) and records and isinstance(records[0], dict)


def test_loading_again_changes_nothing(demo: Demo) -> None:
    lines: list[str] = []
    again = load_demo(demo.portal, echo=lines.append)
    assert again.skipped and any("跳过" in line for line in lines)
    assert (again.organizations, again.datasets, again.resources) == (
        demo.summary.organizations, demo.summary.datasets, demo.summary.resources)


def test_loaded_files_are_reproducible(demo: Demo) -> None:
    """The plan and the files come out the same each time: names, codes, bytes."""
    first, second = build_plan(), build_plan()
    assert [(p.name, p.resource_code, p.issued) for p in first] == \
           [(p.name, p.resource_code, p.issued) for p in second]
    by_name = {p.name: p for p in first}
    samples = ["scjgj-enterprise-registrations-2025", "dazhuangzhen-dibao",
               "jyj-school-directory", "sthj-air-quality-daily-2026", "gjgs-bus-routes"]
    for name in samples:
        stored = [r for r in demo.dataset(name)["resources"] if r["url_type"] == "upload"]
        plans = [r for r in by_name[name].resources if r.is_upload]
        assert len(stored) == len(plans)
        for res, plan in zip(stored, plans, strict=True):
            assert hashlib.sha256(plan.content()).hexdigest() == res["hash"], res["name"]
