"""The search form shared by /dataset, organization and group pages.

Each facet is one record (field, title, how its values are labelled); one loop
turns the records into package_search's facet.field, the fq built from the
query string, and the sidebar sections. The query string reads like CKAN's:
`?q=...&organization=edu&res_format=CSV&sort=...&page=2`.

Results carry each entry's title and summary excerpt with the query's terms
marked (portal/search/highlight.py); a search that finds nothing carries other
searches that do (portal/search/suggest.py).
"""

from __future__ import annotations

import contextlib
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import request, url_for
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from portal.core.errors import NotAuthorized, NotFound, SearchQueryError, ValidationError
from portal.search.highlight import Highlighter
from portal.search.query import searchable_q, unbalanced_quotes
from portal.search.spelling import did_you_mean
from portal.search.suggest import Filters, Suggestion, suggest
from portal.web.public.licence_titles import shown_title
from portal.web.support import labels
from portal.web.support.calls import call, portal
from portal.web.support.errors import BadSearch
from portal.web.support.filters import markdown

ROWS = 20


@dataclass(frozen=True)
class Facet:
    field: str
    title: LazyString
    values: Mapping[str, LazyString] | None = None  # labels for coded values

    def display(self, name: str, display_name: str) -> str:
        if self.values is not None and name in self.values:
            return str(self.values[name])
        return display_name or name


FACETS: tuple[Facet, ...] = (
    Facet("organization", _l("Providers")),
    Facet("classification", _l("Classification"), labels.CLASSIFICATION),
    Facet("groups", _l("Themes")),
    Facet("tags", _l("Tags")),
    Facet("res_format", _l("Formats")),
    Facet("open_type", _l("Open type"), labels.OPEN_TYPE),
    Facet("share_type", _l("Share type"), labels.SHARE_TYPE),
    Facet("update_period", _l("Update period"), labels.UPDATE_PERIOD),
    Facet("license_id", _l("Licence")),
)
FACET_FIELDS = tuple(f.field for f in FACETS)

SORTS: tuple[tuple[str, LazyString], ...] = (
    ("score desc, metadata_modified desc", _l("Relevance")),
    ("metadata_modified desc", _l("Last modified")),
    ("title_string asc", _l("Title")),
    ("name asc", _l("Name")),
)
SORT_VALUES = tuple(value for value, _ in SORTS)


def fq_value(value: str) -> str:
    """Quote a filter value for package_search's fq (spaces and colons are allowed)."""
    return '"' + value.replace('"', '\\"') + '"'


@dataclass
class SearchForm:
    """What the visitor asked for, read from the query string."""

    q: str = ""
    sort: str = SORT_VALUES[0]
    page: int = 1
    filters: list[tuple[str, str]] = field(default_factory=list)
    fixed: tuple[str, str] | None = None  # the organization or group a page is about

    @classmethod
    def from_args(cls, args: MultiDict[str, str],
                  fixed: tuple[str, str] | None = None) -> SearchForm:
        sort = args.get("sort", "")
        try:
            page = max(1, min(int(args.get("page", "1")), 100_000))
        except ValueError:
            page = 1
        filters = [(name, value) for name in FACET_FIELDS for value in args.getlist(name)
                   if value and (name, value) != fixed]
        if sort not in SORT_VALUES:
            sort = SORT_VALUES[0]
        return cls(q=args.get("q", "").strip(), sort=sort, page=page, filters=filters,
                   fixed=fixed)

    @property
    def start(self) -> int:
        return (self.page - 1) * ROWS

    def fq(self, filters: Sequence[tuple[str, str]] | None = None) -> str:
        clauses = [self.fixed] if self.fixed else []
        chosen = self.filters if filters is None else list(filters)
        return " ".join(f"{name}:{fq_value(value)}" for name, value in clauses + chosen)

    def search_params(self) -> dict[str, Any]:
        return {"q": self.q, "fq": self.fq(), "sort": self.sort, "rows": ROWS,
                "start": self.start, "facet.field": json.dumps(list(FACET_FIELDS)),
                "facet.limit": 50}

    def is_active(self, name: str, value: str) -> bool:
        return (name, value) in self.filters

    def url(self, *, add: tuple[str, str] | None = None, remove: tuple[str, str] | None = None,
            page: int | None = None, q: str | None = None,
            filters: Sequence[tuple[str, str]] | None = None) -> str:
        """This page with one filter added or removed, another page number, or another
        query and filters (a suggestion).

        Changing the filters goes back to page 1.
        """
        chosen = list(self.filters if filters is None else filters)
        chosen = [f for f in chosen if f != remove]
        if add and add not in chosen:
            chosen.append(add)
        args: MultiDict[str, str] = MultiDict(chosen)
        q = self.q if q is None else q
        if q:
            args["q"] = q
        if self.sort != SORT_VALUES[0]:
            args["sort"] = self.sort
        if page and page > 1:
            args["page"] = str(page)
        endpoint = request.endpoint or "dataset.search"
        return url_for(endpoint, **{**args.to_dict(flat=False), **(request.view_args or {})})


@dataclass(frozen=True)
class FacetItem:
    name: str
    label: str
    count: int
    active: bool
    url: str


@dataclass(frozen=True)
class FacetSection:
    field: str
    title: str
    items: list[FacetItem]


def facet_sections(form: SearchForm, result: dict[str, Any],
                   names: Mapping[str, Mapping[str, str]] | None = None) -> list[FacetSection]:
    """The sidebar: one section per facet with values, each value a link that toggles it.

    `names` gives labels the records cannot know (licence titles, by field then value).
    A chosen value the results no longer hold (a search that found nothing) is still
    listed, with count 0, so that it can be seen and removed.
    """
    sections = []
    for facet in FACETS:
        if form.fixed and facet.field == form.fixed[0]:
            continue
        raw = list(result.get("search_facets", {}).get(facet.field, {}).get("items", []))
        listed = {item["name"] for item in raw}
        raw += [{"name": value, "display_name": value, "count": 0}
                for name, value in form.filters if name == facet.field and value not in listed]
        items = []
        for item in raw:
            name, shown = item["name"], item.get("display_name") or item["name"]
            text = (names or {}).get(facet.field, {}).get(name) or facet.display(name, shown)
            active = form.is_active(facet.field, name)
            link = form.url(remove=(facet.field, name)) if active else form.url(
                add=(facet.field, name))
            items.append(FacetItem(name, text, int(item["count"]), active, link))
        if items:
            sections.append(FacetSection(facet.field, str(facet.title), items))
    return sections


@dataclass(frozen=True)
class Pager:
    page: int
    pages: int
    count: int

    @classmethod
    def of(cls, form: SearchForm, count: int) -> Pager:
        return cls(form.page, max(1, math.ceil(count / ROWS)), count)

    def window(self, size: int = 2) -> list[int | None]:
        """Page numbers to link, with None where a run of pages is left out."""
        keep = {1, self.pages} | set(range(self.page - size, self.page + size + 1))
        out: list[int | None] = []
        for n in range(1, self.pages + 1):
            if n in keep:
                out.append(n)
            elif out and out[-1] is not None:
                out.append(None)
        return out


@dataclass(frozen=True)
class Hit:
    """One entry of the results, with the query's terms marked."""
    pkg: dict[str, Any]
    title: Markup
    excerpt: Markup


@dataclass(frozen=True)
class Offer:
    """A suggested search, ready for the page."""
    kind: str                    # homophone | related | drop_words | drop_filters
    q: str
    count: int
    url: str
    dropped: list[str]           # words left out
    dropped_filters: list[tuple[str, str]]  # (facet title, value label) left out
    original: str
    replacement: str


@dataclass(frozen=True)
class Results:
    form: SearchForm
    count: int
    datasets: list[dict[str, Any]]
    sections: list[FacetSection]
    pager: Pager
    hits: list[Hit] = field(default_factory=list)
    suggestions: list[Offer] = field(default_factory=list)
    # q had a quote that closes no phrase: it was searched without its quotes.
    unbalanced_quotes: bool = False
    # "Did you mean": (link, corrected q) of searches that find more.
    corrections: list[tuple[str, str]] = field(default_factory=list)


def plain_text(notes: str | None) -> str:
    """A summary as the reader sees it: Markdown rendered, then tags dropped."""
    return markdown(notes).striptags() if notes else ""


def hits(form: SearchForm, datasets: list[dict[str, Any]]) -> list[Hit]:
    marker = Highlighter(portal().search.analyzer, form.q)
    return [Hit(pkg, marker.title(pkg.get("title") or pkg.get("name") or ""),
                marker.excerpt(plain_text(pkg.get("notes"))))
            for pkg in datasets]


def _probe(form: SearchForm) -> Callable[[str, Filters, int], tuple[int, list[str]]]:
    """package_search as the visitor, on this page's organization or group."""

    def search(q: str, filters: Filters, rows: int) -> tuple[int, list[str]]:
        found = call("package_search", {"q": q, "fq": form.fq(filters), "rows": rows,
                                         "facet": False})
        return found["count"], [d.get("title") or d.get("name") or "" for d in found["results"]]

    return search


def offers(form: SearchForm, sections: list[FacetSection]) -> list[Offer]:
    """Searches that find something, for one that found nothing."""
    shown = {(s.field, item.name): (s.title, item.label) for s in sections for item in s.items}
    found: list[Suggestion] = suggest(portal().search.analyzer, form.q, form.filters,
                                      _probe(form))
    return [Offer(s.kind, s.q, s.count, form.url(q=s.q, filters=s.filters),
                  list(s.dropped), [shown.get(f, f) for f in s.dropped_filters],
                  s.original, s.replacement)
            for s in found]


def _filter_names(form: SearchForm, result: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Titles of chosen organizations and themes the results do not name (none found)."""
    names: dict[str, dict[str, str]] = {}
    for name, action in (("organization", "organization_show"), ("groups", "group_show")):
        listed = {i["name"] for i in result.get("search_facets", {}).get(name, {}).get("items", [])}
        for field_name, value in form.filters:
            if field_name != name or value in listed:
                continue
            with contextlib.suppress(NotFound, NotAuthorized, ValidationError, KeyError):
                names.setdefault(name, {})[value] = call(action, {"id": value})["title"]
    return names


def run(form: SearchForm) -> Results:
    try:
        result = call("package_search", form.search_params())
    except (SearchQueryError, ValidationError) as exc:
        raise BadSearch(exc.message) from None
    names = _filter_names(form, result)
    names["license_id"] = {lic["id"]: shown_title(lic["title"]) for lic in call("license_list")}
    sections = facet_sections(form, result, names)
    suggestions = []
    if result["count"] == 0 and (form.q or form.filters):
        suggestions = offers(form, sections)
    # A search the suggestions already offer (with its count) is not offered twice.
    offered = {s.q for s in suggestions}
    corrections = [(form.url(q=c.q, filters=form.filters), c.q)
                   for c in did_you_mean(portal().search.analyzer, portal().search.vocabulary,
                                         searchable_q(form.q), form.filters, _probe(form),
                                         result["count"])
                   if c.q not in offered]
    return Results(form, result["count"], result["results"], sections,
                   Pager.of(form, result["count"]), hits(form, result["results"]), suggestions,
                   unbalanced_quotes=unbalanced_quotes(form.q), corrections=corrections)
