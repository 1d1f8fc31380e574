"""package_search with CKAN's parameters and result shape, served from the search index."""

from __future__ import annotations

from typing import Any

from portal.actions.registry import action
from portal.core.context import Context
from portal.core.dictize import with_raw_resources
from portal.core.errors import SearchError
from portal.core.validation import (
    FromContext,
    Validator,
    as_given,
    boolean,
    clamp,
    default,
    integer,
    string,
)
from portal.search import backend as b
from portal.search.document import split_facet
from portal.search.plan import Planner, visibility
from portal.search.query import (
    AllOf,
    AnyOf,
    Expr,
    QuotedPhrase,
    Words,
    facet_fields,
    parse,
    sort_spec,
)

# Facets whose index field carries "name<US>display name".
_FACET_FIELD = {"organization": "organization_facet", "groups": "groups_facet"}


def _default_rows(ctx: Context) -> Validator:
    return default(int(ctx.portal.settings.get("api", "default_rows", 10)))


def _max_rows(ctx: Context) -> Validator:
    return clamp(int(ctx.portal.settings.get("api", "max_rows", 1000)))


SCHEMA = {
    "q": [default(""), string(2000)],
    "fq": [default(""), string(2000)],
    # api.default_rows and api.max_rows, from the portal's settings
    "rows": [FromContext(_default_rows), integer(minimum=0), FromContext(_max_rows)],
    "start": [default(0), integer(minimum=0, maximum=100_000)],
    "sort": [default("score desc, metadata_modified desc"), string(200)],
    "facet": [default(True), boolean],
    "facet.field": [as_given],  # a JSON list, read by search.query.facet_fields
    "facet.limit": [default(50), integer(minimum=-1, maximum=10_000)],
    "facet.mincount": [default(1), integer(minimum=0)],
    "include_private": [default(False), boolean],
    "include_drafts": [default(False), boolean],
}


def _has_text(expr: Expr) -> bool:
    """Whether q holds words to rank by (field filters, *:* and negations do not)."""
    if isinstance(expr, Words | QuotedPhrase):
        return True
    if isinstance(expr, AllOf | AnyOf):
        return any(_has_text(e) for e in expr.items)
    return False


@action(read_only=True, schema=SCHEMA)
def package_search(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Search the catalog. Params: q (terms, "phrases", field:value, AND/OR/NOT, -term,
    ranges on metadata_modified/metadata_created, *:*), fq (field:value filters on
    organization, tags, res_format, groups, open_type, share_type, classification,
    update_period, license_id, grading), rows (max 1000), start, sort (score,
    metadata_modified, metadata_created, title_string, name; asc/desc), facet.field (JSON
    list), facet.limit, facet.mincount, include_private, include_drafts."""
    q_expr, fq_expr = parse(params["q"], params["fq"])
    sort = sort_spec(params["sort"])
    if not _has_text(q_expr):
        # Nothing to rank by: CKAN's "score desc, metadata_modified desc" means newest first.
        sort = [key for key in sort if key[0] != "score"] or [("metadata_modified", True)]
    fields = facet_fields(params.get("facet.field")) if params["facet"] else []
    service = ctx.portal.search
    planner = Planner(service.analyzer)
    query = planner.plan(q_expr, fq_expr, visibility(ctx.user, params["include_private"],
                                                     params["include_drafts"]))
    request = b.SearchRequest(
        query=query, sort=tuple(sort), start=params["start"], rows=params["rows"],
        facets=tuple(b.FacetRequest(name, _FACET_FIELD.get(name, name), params["facet.limit"],
                                    params["facet.mincount"]) for name in fields))
    try:
        found = service.search(request)
    except b.SearchBackendError as exc:
        raise SearchError(f"Search is unavailable: {exc}") from exc
    facets: dict[str, dict[str, int]] = {}
    search_facets: dict[str, Any] = {}
    for name in fields:
        items = []
        for value, count in found.facets.get(name, []):
            key, display = split_facet(value) if name in _FACET_FIELD else (value, value)
            items.append({"name": key, "display_name": display, "count": count})
        facets[name] = {item["name"]: item["count"] for item in items}
        search_facets[name] = {"title": name, "items": items}
    return {
        "count": found.count,
        "sort": params["sort"],
        # Stored as the public sees them; raw file descriptions for their department only.
        "results": with_raw_resources(ctx.session, ctx.portal.site_url, ctx.user, found.docs),
        "facets": facets,
        "search_facets": search_facets,
    }
