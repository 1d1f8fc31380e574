"""Load the demo county through the actions, as any other client would.

Idempotent: whatever already exists (by name) is left alone, so a second run
changes nothing and an interrupted run is completed by the next one.
"""

from __future__ import annotations

import io
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from portal.actions.resources import Upload
from portal.core.context import SYSTEM
from portal.core.errors import NotFound
from portal.demo import files, second_factor
from portal.demo.catalog import DatasetPlan, build_plan
from portal.demo.organizations import (
    BUREAU,
    GROUPS,
    ORGS,
    USERS,
    DemoUser,
    OrgSpec,
    org_code,
)
from portal.demo.places import TOWNS, landline, seat_address, town_address
from portal.demo.tables import Table
from portal.services import Portal

Echo = Callable[[str], Any]
DEFAULT_SEED = 2026
PROGRESS_EVERY = 50
ROLE_NAMES = {"sysadmin": "系统管理员（县数据资源管理局）", "admin": "管理员", "editor": "编辑"}


@dataclass(frozen=True)
class DemoSummary:
    """What the demo catalog holds after loading (counted from the catalog itself)."""

    organizations: int
    groups: int
    datasets: int
    resources: int
    personal_drafts: int
    users: tuple[DemoUser, ...]
    skipped: bool = False
    seconds: float = 0.0
    api_token: str = field(default="", repr=False)  # admin's token, if this run made the account
    # admin's second factor, if this run made the account: the key and recovery codes
    totp_secret: str = field(default="", repr=False)
    recovery_codes: tuple[str, ...] = field(default=(), repr=False)


def _exists(portal: Portal, action: str, ref: str) -> bool:
    try:
        portal.call(action, {"id": ref}, user=SYSTEM)
    except NotFound:
        return False
    return True


def _org_params(org: OrgSpec) -> dict[str, Any]:
    rng = random.Random(f"org:{org.name}")
    town = next((t for t in TOWNS if org.name == f"sx-{t.slug}"), None)
    address = town_address(rng, town) if town else seat_address(rng)
    params: dict[str, Any] = {
        "name": org.name, "title": org.title, "description": org.description,
        "organization_type": org.type, "code": org_code(org),
        "extras": {"address": address, "phone": landline(rng), "email": org.email,
                   "short_name": org.short},
    }
    if org.parent:
        params["parent_id"] = org.parent
    return params


def resources_for(plan: DatasetPlan) -> tuple[list[dict[str, Any]], Table]:
    """Resource parameters with their files, and the first table (for the data items)."""
    out: list[dict[str, Any]] = []
    first: Table | None = None
    for res in plan.resources:
        if not res.is_upload:
            out.append({"name": res.name, "description": res.description, "url": res.url,
                        "format": "API", "mimetype": "application/json"})
            continue
        table = res.table()
        first = first or table
        info = files.FORMATS[res.fmt]
        params: dict[str, Any] = {
            "name": res.name, "description": res.describe(table), "format": info.label,
            "mimetype": info.mimetype, "records": len(table.rows),
            "upload": Upload(res.filename, io.BytesIO(res.content(table))),
        }
        if info.encoding:
            params["encoding"] = info.encoding
        out.append(params)
    if first is None:
        raise ValueError(f"demo dataset {plan.name} has no file to take its data items from")
    return out, first


def _existing_datasets(portal: Portal) -> set[str]:
    names: set[str] = set()
    start = 0
    while True:
        page = portal.call("package_search", {"q": "", "rows": 1000, "start": start,
                                              "include_drafts": True, "include_private": True,
                                              "facet": False}, user=SYSTEM)
        names.update(d["name"] for d in page["results"])
        start += len(page["results"])
        if not page["results"] or start >= page["count"]:
            return names


def catalog_counts(portal: Portal) -> tuple[int, int, int, int, int]:
    """(organizations, groups, datasets, resources, personal drafts) in the catalog."""
    orgs = len(portal.call("organization_list", {}, user=SYSTEM))
    groups = len(portal.call("group_list", {}, user=SYSTEM))
    datasets = resources = drafts = 0
    start = 0
    while True:
        page = portal.call("package_search", {"q": "", "rows": 1000, "start": start,
                                              "include_drafts": True, "include_private": True,
                                              "facet": False}, user=SYSTEM)
        for d in page["results"]:
            datasets += 1
            resources += d["num_resources"]
            if d["publication_state"] == "draft" and any(i.get("personal")
                                                         for i in d["data_items"]):
                drafts += 1
        start += len(page["results"])
        if not page["results"] or start >= page["count"]:
            return orgs, groups, datasets, resources, drafts


def _summary(portal: Portal, skipped: bool, started: float, token: str = "",
             factor: tuple[str, tuple[str, ...]] = ("", ())) -> DemoSummary:
    orgs, groups, datasets, resources, drafts = catalog_counts(portal)
    return DemoSummary(orgs, groups, datasets, resources, drafts, USERS, skipped,
                       round(time.perf_counter() - started, 1), token, *factor)


def _load_accounts(portal: Portal) -> tuple[str, tuple[str, tuple[str, ...]]]:
    token = ""
    factor: tuple[str, tuple[str, ...]] = ("", ())
    for user in USERS:
        if _exists(portal, "user_show", user.name):
            continue
        portal.call("user_create", {"name": user.name, "fullname": user.fullname,
                                    "email": user.email, "password": user.password,
                                    "sysadmin": user.sysadmin,
                                    "about": f"演示账号：{ROLE_NAMES[user.role]}"}, user=SYSTEM)
        portal.call("organization_member_create",
                    {"id": user.organization, "username": user.name,
                     "role": "admin" if user.sysadmin else user.role}, user=SYSTEM)
        if user.sysadmin:
            token = portal.call("api_token_create", {"user": user.name, "name": "demo"},
                                user=SYSTEM)["token"]
            factor = second_factor.enroll(portal, user.name)
    return token, factor


def _load_datasets(portal: Portal, plans: list[DatasetPlan], echo: Echo) -> None:
    existing = _existing_datasets(portal)
    todo = [p for p in plans if p.name not in existing
            and not _exists(portal, "package_show", p.name)]  # deleted ones stay deleted
    files_written = 0
    for created, plan in enumerate(todo, start=1):
        resources, first = resources_for(plan)
        params = plan.package_params(first)
        params["resources"] = resources
        portal.call("package_create", params, user=SYSTEM)
        files_written += len(resources)
        if created % PROGRESS_EVERY == 0 or created == len(todo):
            echo(f"  已加载数据集 {created}/{len(todo)}，资源 {files_written} 个")


# Personal-information drafts the demo submits, so the bureau's review queue in the
# console is not empty; the first asks to be opened on conditions, so its review shows
# the desensitization gate's report (pseudonymised names and ID numbers).
REVIEW_QUEUE = 3


def _queue_reviews(portal: Portal, plans: list[DatasetPlan], echo: Echo) -> None:
    for n, plan in enumerate([p for p in plans if p.personal][:REVIEW_QUEUE]):
        shown = portal.call("package_show", {"id": plan.name}, user=SYSTEM)
        if shown["publication_state"] != "draft":
            continue
        if n == 0:
            portal.call("package_patch", {
                "id": plan.name, "open_type": "conditional",
                "open_condition": "实名注册，说明研究用途并承诺数据安全保护措施后申请使用"}, user=SYSTEM)
        portal.call("publication_submit", {"id": plan.name, "note": "请审核发布。"}, user=SYSTEM)
    echo(f"  待审核的目录条目 {REVIEW_QUEUE} 个（控制台“发布审核”）")


def load_demo(portal: Portal, echo: Echo = print, seed: int = DEFAULT_SEED) -> DemoSummary:
    """Load the fictional demo county (organizations, themes, users, catalog, files)."""
    started = time.perf_counter()
    plans = build_plan(seed)
    if _exists(portal, "organization_show", BUREAU):
        existing = _existing_datasets(portal)
        if all(p.name in existing for p in plans):
            echo(f"演示数据已存在（已有组织 {BUREAU}），跳过加载。")
            return _summary(portal, True, started)
        echo("发现未加载完整的演示数据，继续加载缺少的部分……")
    echo("正在加载演示县数据（泗县）……")
    orgs = set(portal.call("organization_list", {}, user=SYSTEM))
    for org in ORGS:
        if org.name not in orgs:
            portal.call("organization_create", _org_params(org), user=SYSTEM)
    groups = set(portal.call("group_list", {}, user=SYSTEM))
    for grp in GROUPS:
        if grp.name not in groups:
            portal.call("group_create", {"name": grp.name, "title": grp.title,
                                         "description": grp.description}, user=SYSTEM)
    echo(f"  组织机构 {len(ORGS)} 个，主题 {len(GROUPS)} 个")
    token, factor = _load_accounts(portal)
    # One index write for the whole catalog instead of one per dataset.
    with portal.search.deferred():
        _load_datasets(portal, plans, echo)
        _queue_reviews(portal, plans, echo)
    summary = _summary(portal, False, started, token, factor)
    _print_summary(summary, echo)
    return summary


def _print_summary(s: DemoSummary, echo: Echo) -> None:
    echo(f"演示数据加载完成，用时 {s.seconds} 秒：")
    echo(f"  组织机构 {s.organizations} 个，主题 {s.groups} 个")
    echo(f"  数据集 {s.datasets} 个（含个人信息、保持草稿状态的 {s.personal_drafts} 个），"
         f"资源 {s.resources} 个")
    echo("  登录账号：")
    for user in s.users:
        role = ROLE_NAMES[user.role]
        org = next(o.title for o in ORGS if o.name == user.organization)
        where = "" if user.sysadmin else f"（{org}）"
        echo(f"    {user.name:<12} 密码 {user.password}  {role}{where}")
    if s.api_token:
        echo(f"  admin 的 API 令牌（只显示这一次）：{s.api_token}")
    if s.totp_secret:
        echo(f"  admin 登录须输入动态验证码：身份验证器应用密钥 {s.totp_secret}"
             "（或用下列一次性恢复码之一）")
        echo("    恢复码：" + "  ".join(s.recovery_codes))


__all__ = ["DemoSummary", "catalog_counts", "load_demo"]
