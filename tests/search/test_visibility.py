"""package_search, tried by people who should not get what they are after.

Drafts, pending, withdrawn, deleted and private entries must never reach an
anonymous visitor or someone of another organization: not in the results, not in
the facet counts, whatever they put in q or fq or in the include_* switches. The
owning organization's staff see their own (with the switches), the bureau sees
all. A change of state shows in the very next search, and a write that failed
never reaches the index.

Everything is made through the actions, on a small county built once per module
(`county`); tests that change entries make their own, in organization dept-c,
without the 台账 tag the exact-set checks filter on.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from portal.core.context import SYSTEM, Caller
from portal.core.errors import NotAuthorized, SearchQueryError, ValidationError
from portal.services import Portal
from tests.api.helpers import make_user
from tests.conftest import empty_tables, make_settings, org_params, package_params

# Who searches: (memberships). "nobody" is signed in without a role anywhere.
PERSONAS: dict[str, dict[str, str]] = {
    "anonymous": {}, "nobody": {}, "a-member": {"dept-a": "member"},
    "a-editor": {"dept-a": "editor"}, "b-editor": {"dept-b": "editor"}, "sysadmin": {},
}

# Entries: org, creator, extra fields, then what happens to it, its resource format.
@dataclass(frozen=True)
class Recipe:
    org: str
    creator: str
    extra: dict[str, Any] = field(default_factory=dict)
    then: str = ""          # "withdraw" or "delete"
    fmt: str = "CSV"
    group: str = "theme"


RECIPES: dict[str, Recipe] = {
    "a-open": Recipe("dept-a", "sysadmin"),
    "b-open": Recipe("dept-b", "sysadmin"),
    "a-private": Recipe("dept-a", "sysadmin", {"private": True}, fmt="PDF", group="inner"),
    "a-draft": Recipe("dept-a", "a-editor", fmt="DOCX", group="inner"),
    "a-pending": Recipe("dept-a", "a-editor", {"publication_state": "pending"}, fmt="PPTX",
                        group="inner"),
    "a-withdrawn": Recipe("dept-a", "sysadmin", then="withdraw", fmt="ODT", group="inner"),
    "a-deleted": Recipe("dept-a", "sysadmin", then="delete", fmt="RTF", group="inner"),
    "b-draft": Recipe("dept-b", "b-editor", fmt="XML", group="inner"),
    "b-private-pending": Recipe("dept-b", "sysadmin",
                                {"private": True, "publication_state": "pending"}, fmt="TXT",
                                group="inner"),
}
PUBLIC = {"a-open", "b-open"}
A_DRAFTS = {"a-draft", "a-pending", "a-withdrawn"}
B_DRAFTS = {"b-draft", "b-private-pending"}
PRIVATE = {"a-private", "b-private-pending"}
EVERY = set(RECIPES) - {"a-deleted"}
# What each persona may see with include_private and include_drafts (deleted: nobody).
OWN: dict[str, set[str]] = {
    "anonymous": set(), "nobody": set(),
    "a-member": A_DRAFTS | {"a-private"}, "a-editor": A_DRAFTS | {"a-private"},
    "b-editor": B_DRAFTS, "sysadmin": EVERY - PUBLIC,
}
BOTH = {"include_private": True, "include_drafts": True}


@dataclass
class County:
    portal: Portal
    callers: dict[str, Caller | None] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)
    org_ids: dict[str, str] = field(default_factory=dict)
    serial: Iterator[int] = field(default_factory=itertools.count)

    def call(self, persona: str, action: str, params: dict[str, Any] | None = None) -> Any:
        return self.portal.call(action, params or {}, user=self.callers[persona])

    def search(self, persona: str, q: str = "", fq: str = "", **params: Any) -> dict[str, Any]:
        return self.call(persona, "package_search", {
            "q": q, "fq": fq, "rows": 1000, "facet.limit": -1,
            "facet.field": ["organization", "tags", "res_format", "groups"], **params})

    def names(self, persona: str, q: str = "", fq: str = "", **params: Any) -> set[str]:
        return {d["name"] for d in self.search(persona, q, fq, **params)["results"]}

    def make(self, name: str, recipe: Recipe, tags: tuple[str, ...]) -> dict[str, Any]:
        params = package_params(
            name, recipe.org, title=f"{name} 工作台账", tags=[{"name": t} for t in tags],
            groups=[{"name": recipe.group}],
            resources=[{"name": f"{name}.{recipe.fmt.lower()}", "format": recipe.fmt,
                        "url": f"http://example.cn/{name}.{recipe.fmt.lower()}"}],
            **recipe.extra)
        created = self.call(recipe.creator, "package_create", params)
        if recipe.then == "withdraw":
            self.call("sysadmin", "package_patch", {"id": name, "publication_state": "withdrawn"})
        elif recipe.then == "delete":
            self.call("sysadmin", "package_delete", {"id": name})
        self.ids[name] = created["id"]
        return created

    def fresh(self, word: str, **extra: Any) -> str:
        """A published entry of dept-c whose title holds `word`, for one test to change."""
        name = f"c-{next(self.serial)}"
        self.call("sysadmin", "package_create", package_params(
            name, "dept-c", title=f"{word} {name}", tags=[{"name": f"tag-{name}"}],
            resources=[{"name": "data.csv", "format": "CSV",
                        "url": f"http://example.cn/{name}.csv"}], **extra))
        return name


@pytest.fixture(scope="module")
def county(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[County]:
    empty_tables(database_url)
    portal = Portal(make_settings(tmp_path_factory.mktemp("visibility") / "var", database_url))
    c = County(portal)
    for org in ("dept-a", "dept-b", "dept-c"):
        c.org_ids[org] = portal.call("organization_create", org_params(org), user=SYSTEM)["id"]
    for grp, title in (("theme", "公开主题"), ("inner", "内部主题")):
        portal.call("group_create", {"name": grp, "title": title}, user=SYSTEM)
    for persona, roles in PERSONAS.items():
        c.callers[persona] = None if persona == "anonymous" else make_user(
            portal, persona, sysadmin=persona == "sysadmin", roles=roles)[0]
    for name, recipe in RECIPES.items():
        c.make(name, recipe, ("台账", f"tag-{name}"))
    yield c
    portal.dispose()
    empty_tables(database_url)


def assert_facets_match_results(found: dict[str, Any]) -> None:
    """Facet counts are counted over exactly the entries the results show."""
    results = found["results"]
    assert found["count"] == len(results)
    expected: dict[str, dict[str, int]] = {"organization": {}, "tags": {}, "res_format": {},
                                           "groups": {}}
    for d in results:
        values = {
            "organization": [d["organization"]["name"]],
            "tags": [t["name"] for t in d["tags"]],
            "res_format": sorted({r["format"].upper() for r in d["resources"] if r["format"]}),
            "groups": [g["name"] for g in d["groups"]],
        }
        for facet, names in values.items():
            for value in names:
                expected[facet][value] = expected[facet].get(value, 0) + 1
    assert found["facets"] == expected


# --- tricks that must not work -------------------------------------------------------

def tricks(county: County) -> list[tuple[str, str]]:
    a_draft, a_org = county.ids["a-draft"], county.org_ids["dept-a"]
    return [
        ("", ""), ("台账", ""), ("*:*", ""), ("*", ""),
        ("publication_state:draft", ""), ("publication_state:pending", ""),
        ("publication_state:withdrawn", ""), ("publication_state:deleted", ""),
        ("publication_state:(draft OR pending OR withdrawn OR deleted)", ""),
        ("capacity:private", ""), ("capacity:*", ""), ("-capacity:public", ""),
        ("*:* -publication_state:published", ""), ("台账 OR publication_state:draft", ""),
        ("", "capacity:private"), ("", "publication_state:draft"),
        ("", "publication_state:withdrawn OR publication_state:pending"),
        ("name:a-draft", ""), ("name:a-deleted", ""), (f"id:{a_draft}", ""),
        ("tags:tag-a-draft", ""), ('"tag-a-private"', ""), ("tag-a-deleted", ""),
        ("res_format:DOCX OR res_format:PDF OR res_format:RTF", ""), ("groups:inner", ""),
        ("organization:dept-a", ""), (f"owner_org:{a_org}", ""), ("", "organization:dept-b"),
        ('title:"a-draft"', ""), ("title:a-private", ""),
        ("state:draft", ""), ("private:true", ""), ("include_drafts:true", ""),
        ("a-draft", ""), ("a-withdrawn 工作台账", ""),
    ]


FLAGS: list[dict[str, Any]] = [
    {}, BOTH, {"include_private": "true", "include_drafts": "1"},
    {"include_drafts": True}, {"include_private": True}, {"include_deleted": True},
]


def may_see(persona: str, flags: dict[str, Any]) -> set[str]:
    """The recipe entries `persona` may find with these switches."""
    private = str(flags.get("include_private", "")).lower() in ("true", "1")
    drafts = str(flags.get("include_drafts", "")).lower() in ("true", "1")
    own = {n for n in OWN[persona]
           if (n not in PRIVATE or private) and (n not in A_DRAFTS | B_DRAFTS or drafts)}
    return PUBLIC | own


@pytest.mark.parametrize("persona", ["anonymous", "nobody", "b-editor", "a-member"])
def test_no_trick_shows_an_entry_the_caller_may_not_read(county: County, persona: str) -> None:
    for q, fq in tricks(county):
        for flags in FLAGS:
            try:
                found = county.search(persona, q, fq, **flags)
            except SearchQueryError:
                continue  # refused outright is fine too
            shown = {d["name"] for d in found["results"]} & set(RECIPES)
            allowed = may_see(persona, flags)
            assert shown <= allowed, (persona, q, fq, flags, shown - allowed)
            assert "a-deleted" not in shown
            for d in found["results"]:
                if not (flags.get("include_private") or flags.get("include_drafts")):
                    assert d["publication_state"] == "published" and not d["private"], (q, d)
            assert_facets_match_results(found)


@pytest.mark.parametrize("persona", ["anonymous", "nobody", "b-editor"])
def test_facets_never_count_another_organizations_hidden_entries(county: County,
                                                                 persona: str) -> None:
    hidden_a = {"a-private", "a-draft", "a-pending", "a-withdrawn", "a-deleted"}
    for flags in ({}, BOTH):
        found = county.search(persona, "台账", **flags)
        facets = found["facets"]
        assert not {f"tag-{n}" for n in hidden_a} & set(facets["tags"]), facets["tags"]
        assert not {"PDF", "DOCX", "PPTX", "ODT", "RTF"} & set(facets["res_format"])
        assert facets["organization"].get("dept-a") == 1
        assert facets["tags"]["台账"] == len(may_see(persona, flags))
        if persona != "b-editor" or not flags:
            assert "inner" not in facets["groups"]
        # The same through search_facets, which the web page renders.
        items = {i["name"] for i in found["search_facets"]["tags"]["items"]}
        assert items == set(facets["tags"])


def test_anonymous_switches_change_nothing(county: County) -> None:
    plain = county.search("anonymous", "台账")
    for flags in FLAGS[1:]:
        assert county.search("anonymous", "台账", **flags) == plain
    assert {d["name"] for d in plain["results"]} == PUBLIC


# --- what staff see ----------------------------------------------------------------------

def test_an_editor_sees_own_drafts_only_with_the_switch(county: County) -> None:
    f = "tags:台账"
    assert county.names("a-editor", fq=f) == PUBLIC
    assert county.names("a-editor", fq=f, include_drafts=True) == PUBLIC | A_DRAFTS
    assert county.names("a-editor", fq=f, include_private=True) == PUBLIC | {"a-private"}
    assert county.names("a-editor", fq=f, **BOTH) == PUBLIC | A_DRAFTS | {"a-private"}
    assert county.names("a-editor", "publication_state:draft", include_drafts=True) == {"a-draft"}
    assert county.names("a-editor", "publication_state:withdrawn", include_drafts=True) == \
        {"a-withdrawn"}
    assert county.names("a-editor", "publication_state:pending", **BOTH) == {"a-pending"}
    # Another organization's drafts stay out, however they are asked for.
    assert county.names("a-editor", "organization:dept-b", **BOTH) == {"b-open"}
    assert county.names("a-editor", "name:b-draft", **BOTH) == set()
    assert county.names("a-editor", "capacity:private", **BOTH) == {"a-private"}
    found = county.search("a-editor", fq=f, **BOTH)
    assert {"tag-a-draft", "tag-a-private"} <= set(found["facets"]["tags"])
    assert not {"tag-b-draft", "tag-b-private-pending"} & set(found["facets"]["tags"])
    assert found["facets"]["organization"] == {"dept-a": 5, "dept-b": 1}
    assert_facets_match_results(found)


def test_the_other_editor_sees_the_mirror_image(county: County) -> None:
    assert county.names("b-editor", fq="tags:台账", **BOTH) == PUBLIC | B_DRAFTS
    assert county.names("b-editor", "publication_state:draft", include_drafts=True) == \
        {"b-draft"}
    assert county.names("b-editor", "organization:dept-a", **BOTH) == {"a-open"}


def test_a_sysadmin_sees_all_but_deleted_entries(county: County) -> None:
    f = "tags:台账"
    assert county.names("sysadmin", fq=f) == PUBLIC  # CKAN: the switches are needed
    assert county.names("sysadmin", fq=f, **BOTH) == EVERY
    assert county.names("sysadmin", "publication_state:draft", fq=f, **BOTH) == \
        {"a-draft", "b-draft"}
    assert county.names("sysadmin", "capacity:private", fq=f, **BOTH) == PRIVATE
    assert county.names("sysadmin", "name:a-deleted", **BOTH) == set()
    # Deleted entries are still the bureau's to see, through package_show.
    assert county.call("sysadmin", "package_show", {"id": "a-deleted"})["state"] == "deleted"
    assert_facets_match_results(county.search("sysadmin", fq=f, **BOTH))


# --- changes show in the very next search ------------------------------------------------

def test_a_withdrawn_entry_disappears_at_once(county: County) -> None:
    name = county.fresh("撤回测试")
    before = county.search("anonymous", "撤回测试")
    assert [d["name"] for d in before["results"]] == [name]
    c_count = county.search("anonymous", fq="organization:dept-c")["count"]
    county.call("sysadmin", "package_patch", {"id": name, "publication_state": "withdrawn"})
    after = county.search("anonymous", "撤回测试")
    assert after["count"] == 0 and after["results"] == [] and after["facets"]["tags"] == {}
    assert county.search("anonymous", fq="organization:dept-c")["count"] == c_count - 1
    assert county.names("nobody", "撤回测试", **BOTH) == set()
    staff = county.search("sysadmin", "撤回测试", **BOTH)["results"]
    assert [(d["name"], d["publication_state"]) for d in staff] == [(name, "withdrawn")]
    # Published again, it is back as soon.
    county.call("sysadmin", "package_patch", {"id": name, "publication_state": "published"})
    assert county.names("anonymous", "撤回测试") == {name}


def test_a_deleted_entry_disappears_at_once_for_everyone(county: County) -> None:
    name = county.fresh("删除测试")
    assert county.names("anonymous", "删除测试") == {name}
    county.call("sysadmin", "package_delete", {"id": name})
    for persona in PERSONAS:
        assert county.names(persona, "删除测试", **BOTH) == set(), persona
        assert county.names(persona, f"name:{name}", **BOTH) == set(), persona
    assert county.portal.search.pending() == 0


def test_an_entry_made_private_or_taken_back_disappears_at_once(county: County) -> None:
    private = county.fresh("转为不公开")
    county.call("sysadmin", "package_patch", {"id": private, "private": True})
    assert county.names("anonymous", "转为不公开") == set()
    assert county.names("a-editor", "转为不公开", **BOTH) == set()  # dept-c's, not A's
    assert county.names("sysadmin", "转为不公开", **BOTH) == {private}
    # A department's editor takes its own published entry back to draft.
    c_editor = make_user(county.portal, f"c-editor-{next(county.serial)}",
                         roles={"dept-c": "editor"})[0]
    county.callers["c-editor"] = c_editor
    back = county.fresh("退回草稿")
    county.call("c-editor", "package_patch", {"id": back, "publication_state": "draft"})
    assert county.names("anonymous", "退回草稿") == set()
    assert county.names("c-editor", "退回草稿", include_drafts=True) == {back}


def test_another_portal_sees_the_change_in_its_next_search(county: County) -> None:
    """A second portal (as another web worker has) on the same database and index."""
    other = Portal(county.portal.settings)
    try:
        name = county.fresh("多进程测试")
        assert {d["name"] for d in other.call("package_search", {"q": "多进程测试"})["results"]} \
            == {name}
        county.call("sysadmin", "package_delete", {"id": name})
        assert other.call("package_search", {"q": "多进程测试"})["count"] == 0
    finally:
        other.dispose()


# --- failed writes never reach the index ---------------------------------------------

def test_an_update_that_fails_validation_never_shows(county: County) -> None:
    name = county.fresh("原来的标题")
    bad = package_params(name, "dept-c", title="改坏的标题", share_type="conditional")
    with pytest.raises(ValidationError):  # conditional sharing needs a legal basis
        county.call("sysadmin", "package_update", {"id": name, **bad})
    assert county.names("sysadmin", "改坏的标题", **BOTH) == set()
    assert county.names("anonymous", "原来的标题") == {name}
    report = county.portal.search.check()
    assert report.consistent and report.queued == 0


def test_an_update_failing_after_it_changed_rows_never_shows(county: County) -> None:
    name = county.fresh("行已改动")
    # The title and tags are applied (and flushed) before the bad resource is reached.
    params = package_params(name, "dept-c", title="半途失败的标题", tags=[{"name": "半途标签"}],
                            resources=[{"name": "ok", "url": "http://example.cn/ok.csv"},
                                       {"name": "bad", "url": "javascript:alert(1)"}])
    with pytest.raises(ValidationError):
        county.call("sysadmin", "package_update", {"id": name, **params})
    assert county.names("sysadmin", "半途失败的标题", **BOTH) == set()
    assert county.names("sysadmin", "tags:半途标签", **BOTH) == set()
    assert county.names("anonymous", "行已改动") == {name}
    assert county.portal.search.check().consistent


def test_a_create_failing_after_it_added_rows_never_shows(county: County) -> None:
    name = f"c-failed-{next(county.serial)}"
    params = package_params(name, "dept-c", title="从未创建成功",
                            resources=[{"name": "bad", "url": "javascript:alert(1)"}])
    with pytest.raises(ValidationError):
        county.call("sysadmin", "package_create", params)
    assert county.names("sysadmin", "从未创建成功", **BOTH) == set()
    assert county.names("sysadmin", f"name:{name}", **BOTH) == set()
    report = county.portal.search.check()
    assert report.consistent and not report.extra


def test_an_action_raising_after_its_changes_never_shows(county: County,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """An action that changed rows (and flushed them) and then raised: a bug, a crash in
    the audit write... The transaction rolls back and the index never hears of it."""
    spec = county.portal.actions["package_patch"]
    seen: list[dict[str, Any]] = []

    def patch_then_fail(ctx: Any, params: dict[str, Any]) -> Any:
        seen.append(spec.func(ctx, params))  # flushed: the outbox row is written too
        raise RuntimeError("failure after the change")

    monkeypatch.setitem(county.portal.actions, "package_patch",
                        dataclasses.replace(spec, func=patch_then_fail))
    name = county.fresh("抛出异常前")
    with pytest.raises(RuntimeError):
        county.call("sysadmin", "package_patch", {"id": name, "title": "抛出异常后"})
    # A failed publication does not publish.
    with pytest.raises(RuntimeError):
        county.call("sysadmin", "package_patch", {"id": "a-draft",
                                                  "publication_state": "published"})
    assert [d["title"] for d in seen][0] == "抛出异常后"  # the change had been made
    assert county.names("sysadmin", "抛出异常后", **BOTH) == set()
    assert county.names("anonymous", "抛出异常前") == {name}
    assert "a-draft" not in county.names("anonymous", "台账")
    assert county.portal.search.pending() == 0
    assert county.portal.search.check().consistent


def test_a_refused_write_never_shows(county: County) -> None:
    with pytest.raises(NotAuthorized):
        county.call("b-editor", "package_patch", {"id": "a-open", "title": "越权修改"})
    with pytest.raises(NotAuthorized):  # only the bureau publishes
        county.call("a-editor", "package_patch", {"id": "a-draft",
                                                  "publication_state": "published"})
    assert county.names("sysadmin", "越权修改", **BOTH) == set()
    assert "a-draft" not in county.names("anonymous", "台账")
    assert county.portal.search.check().consistent
