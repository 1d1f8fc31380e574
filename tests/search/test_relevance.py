"""Relevance of package_search on the demo county, measured on judged queries.

The queries (judged_queries.toml) are what a citizen or a developer would type:
plain words, compounds, synonyms, pinyin, quoted phrases, towns, departments,
stopwords and field filters, each with the entries a good answer puts in the top 3.
Every query goes through `portal.call("package_search", ...)` as an anonymous
visitor. The table and the figures (MRR, share in the top 3) are printed (`-s`),
written to test-artifacts/search_relevance.txt and raised as a warning, so they
show in the normal pytest summary as well.
"""

from __future__ import annotations

import tomllib
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from portal.core.context import SYSTEM
from portal.demo import load_demo
from portal.services import Portal
from portal.settings import PROJECT_ROOT
from tests.conftest import empty_tables, make_settings

JUDGED = Path(__file__).with_name("judged_queries.toml")
REPORT = PROJECT_ROOT / "test-artifacts" / "search_relevance.txt"
ROWS = 10
TOP = 3
MIN_MRR = 0.8
KINDS = ("plain", "compound", "synonym", "pinyin", "quoted", "place", "department",
         "stopwords", "field", "developer")


class RelevanceReport(UserWarning):
    """The relevance figures, shown in pytest's warnings summary."""


@dataclass(frozen=True)
class Judged:
    q: str
    kind: str
    expect: tuple[str, ...]
    note: str = ""


@dataclass(frozen=True)
class Outcome:
    judged: Judged
    rank: int | None          # 1-based rank of the first expected entry in the first ROWS
    count: int
    top: tuple[str, ...]      # the first TOP names returned

    @property
    def reciprocal(self) -> float:
        return 1.0 / self.rank if self.rank else 0.0

    @property
    def in_top(self) -> bool:
        return self.rank is not None and self.rank <= TOP


def load_judged(path: Path = JUDGED) -> list[Judged]:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    return [Judged(q=item["q"], kind=item["kind"], expect=tuple(item["expect"]),
                   note=item.get("note", "")) for item in raw["query"]]


def run_query(portal: Portal, judged: Judged) -> Outcome:
    found = portal.call("package_search", {"q": judged.q, "rows": ROWS, "facet": False})
    names = [d["name"] for d in found["results"]]
    rank = next((i for i, name in enumerate(names, start=1) if name in judged.expect), None)
    return Outcome(judged, rank, found["count"], tuple(names[:TOP]))


def evaluate(portal: Portal, judged: list[Judged]) -> list[Outcome]:
    return [run_query(portal, j) for j in judged]


def mrr(outcomes: list[Outcome]) -> float:
    return sum(o.reciprocal for o in outcomes) / len(outcomes)


def top_share(outcomes: list[Outcome]) -> float:
    return sum(o.in_top for o in outcomes) / len(outcomes)


def summary_line(outcomes: list[Outcome]) -> str:
    hits = sum(o.in_top for o in outcomes)
    return (f"search relevance: {len(outcomes)} judged queries, MRR {mrr(outcomes):.3f}, "
            f"expected entry in the top {TOP}: {hits}/{len(outcomes)} "
            f"({top_share(outcomes):.0%})")


def table(outcomes: list[Outcome]) -> str:
    lines = [f"{'rank':>4}  {'kind':<10}  {'count':>5}  query  ->  top {TOP}"]
    for o in outcomes:
        rank = str(o.rank) if o.rank else "-"
        mark = "" if o.in_top else "   <-- MISS"
        lines.append(f"{rank:>4}  {o.judged.kind:<10}  {o.count:>5}  {o.judged.q}  ->  "
                     f"{', '.join(o.top) or '(nothing)'}{mark}")
    lines.append("")
    lines.append("by kind:")
    for kind in KINDS:
        group = [o for o in outcomes if o.judged.kind == kind]
        if group:
            lines.append(f"  {kind:<10} {len(group):>3} queries  MRR {mrr(group):.3f}  "
                         f"top {TOP} {sum(o.in_top for o in group)}/{len(group)}")
    lines.append("")
    lines.append(summary_line(outcomes))
    return "\n".join(lines)


# --- the demo county, loaded once for the module --------------------------------------

@pytest.fixture(scope="module")
def demo_portal(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    empty_tables(database_url)
    portal = Portal(make_settings(tmp_path_factory.mktemp("relevance") / "var", database_url))
    load_demo(portal, echo=lambda _line: None)
    yield portal
    portal.dispose()
    empty_tables(database_url)


@pytest.fixture(scope="module")
def outcomes(demo_portal: Portal) -> list[Outcome]:
    return evaluate(demo_portal, load_judged())


# --- the judged set itself ------------------------------------------------------------

def test_judged_set_is_broad_and_names_real_public_entries(demo_portal: Portal) -> None:
    judged = load_judged()
    assert len(judged) >= 40
    assert len({j.q for j in judged}) == len(judged), "a query is judged twice"
    assert {j.kind for j in judged} == set(KINDS)
    for kind in KINDS:
        assert sum(j.kind == kind for j in judged) >= 2, kind
    public = {d["name"] for d in demo_portal.call(
        "package_search", {"rows": 1000, "facet": False})["results"]}
    for j in judged:
        assert j.expect and set(j.expect) <= public, (j.q, set(j.expect) - public)
    # Not every query is a title copied verbatim.
    titles = {d["title"] for d in demo_portal.call(
        "package_search", {"rows": 1000, "facet": False})["results"]}
    assert sum(j.q in titles for j in judged) <= len(judged) // 10


# --- the measurement ------------------------------------------------------------------

def test_relevance_on_judged_queries(outcomes: list[Outcome]) -> None:
    report = table(outcomes)
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(report + "\n", encoding="utf-8")
    print("\n" + report)
    warnings.warn(RelevanceReport(summary_line(outcomes) + f" (table: {REPORT})"), stacklevel=1)
    missed = [f"{o.judged.q!r} ({o.judged.kind}): rank {o.rank}, top {list(o.top)}, "
              f"expected one of {list(o.judged.expect)}" for o in outcomes if not o.in_top]
    assert not missed, "expected entry not in the top 3:\n" + "\n".join(missed)
    assert mrr(outcomes) >= MIN_MRR


def test_anonymous_results_hold_no_draft(demo_portal: Portal) -> None:
    # The towns' 低保 and 高龄津贴 lists hold personal data and stay drafts: a citizen's
    # search for them finds the public statistics only.
    found = demo_portal.call("package_search", {"q": "低保 名单", "rows": 50})
    names = {d["name"] for d in found["results"]}
    assert not any(n.endswith("-dibao") for n in names)
    assert all(d["publication_state"] == "published" and not d["private"]
               for d in found["results"])
    # They are in the index: the bureau finds them.
    staff = demo_portal.call("package_search", {"q": "低保 名单", "rows": 50,
                                                "include_drafts": True}, user=SYSTEM)
    assert sum(d["name"].endswith("-dibao") for d in staff["results"]) == 10


# --- a long word jieba keeps whole also matches its parts apart (plan.word) ------------------

GAPS = {
    "粮食产量": ("nyncj-crop-output",),
    "丁湖镇 粮食产量": ("dinghuzhen-crops",),
    "空气监测": ("sthj-air-quality-daily-2023", "sthj-air-quality-daily-2024",
                 "sthj-air-quality-daily-2025", "sthj-air-quality-daily-2026", "jkq-zone-air-2026"),
}


@pytest.mark.parametrize("q", list(GAPS))
def test_a_dictionary_compound_matches_its_parts(demo_portal: Portal, q: str) -> None:
    assert run_query(demo_portal, Judged(q, "compound", GAPS[q])).in_top
