"""The search form shared by /dataset, organization and group pages.

Each facet is one record (field, title, how its values are labelled); one loop
turns the records into package_search's facet.field, the fq built from the
query string, and the sidebar sections. The query string reads like CKAN's:
`?q=...&organization=edu&res_format=CSV&sort=...&page=2`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import request, url_for
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest

from portal.actions.errors import SearchQueryError, ValidationError
from portal.web import labels
from portal.web.calls import call

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

    def search_params(self) -> dict[str, Any]:
        clauses = [self.fixed] if self.fixed else []
        fq = " ".join(f"{name}:{fq_value(value)}" for name, value in clauses + self.filters)
        return {"q": self.q, "fq": fq, "sort": self.sort, "rows": ROWS, "start": self.start,
                "facet.field": json.dumps(list(FACET_FIELDS)), "facet.limit": 50}

    def is_active(self, name: str, value: str) -> bool:
        return (name, value) in self.filters

    def url(self, *, add: tuple[str, str] | None = None, remove: tuple[str, str] | None = None,
            page: int | None = None) -> str:
        """This page with one filter added or removed, or another page number.

        Changing the filters goes back to page 1.
        """
        filters = [f for f in self.filters if f != remove]
        if add and add not in filters:
            filters.append(add)
        args: MultiDict[str, str] = MultiDict(filters)
        if self.q:
            args["q"] = self.q
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
    """
    sections = []
    for facet in FACETS:
        if form.fixed and facet.field == form.fixed[0]:
            continue
        raw = result.get("search_facets", {}).get(facet.field, {}).get("items", [])
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


class BadSearch(BadRequest):
    """A query package_search cannot read: shown as a friendly page with status 400."""


@dataclass(frozen=True)
class Results:
    form: SearchForm
    count: int
    datasets: list[dict[str, Any]]
    sections: list[FacetSection]
    pager: Pager


def run(form: SearchForm) -> Results:
    try:
        result = call("package_search", form.search_params())
    except (SearchQueryError, ValidationError) as exc:
        raise BadSearch(exc.message) from None
    licences = {lic["id"]: lic["title"] for lic in call("license_list")}
    return Results(form, result["count"], result["results"],
                   facet_sections(form, result, {"license_id": licences}),
                   Pager.of(form, result["count"]))
