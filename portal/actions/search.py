"""package_search with CKAN's parameters and result shape."""

from __future__ import annotations

from typing import Any

from portal.actions.dictize import package_dict
from portal.actions.registry import Context, action
from portal.actions.schema import boolean, default, integer, string, validate
from portal.search import database
from portal.search.query import facet_fields, parse, sort_spec


def _schema(max_rows: int, default_rows: int) -> dict[str, Any]:
    return {
        "q": [default(""), string(2000)],
        "fq": [default(""), string(2000)],
        "rows": [default(default_rows), integer(minimum=0), lambda v: min(v, max_rows)],
        "start": [default(0), integer(minimum=0)],
        "sort": [default("score desc, metadata_modified desc"), string(200)],
        "facet": [default(True), boolean],
        "facet.limit": [default(50), integer(minimum=-1)],
        "facet.mincount": [default(1), integer(minimum=0)],
        "include_private": [default(False), boolean],
        "include_drafts": [default(False), boolean],
    }


@action(read_only=True)
def package_search(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Search the catalog. Params: q (terms, "phrases", field:value, -term, *:*), fq
    (field:value filters on organization, tags, res_format, groups, open_type, share_type,
    classification, update_period, license_id, grading), rows (max 1000), start, sort
    (score, metadata_modified, metadata_created, title_string, name; asc/desc),
    facet.field (JSON list), facet.limit, facet.mincount, include_private, include_drafts."""
    settings = ctx.portal.settings
    clean = validate(params, _schema(int(settings.get("api", "max_rows", 1000)),
                                     int(settings.get("api", "default_rows", 10))))
    parsed = parse(clean["q"], clean["fq"])
    sort = sort_spec(clean["sort"])
    fields = facet_fields(params.get("facet.field")) if clean["facet"] else []
    visible = database.visibility_clause(ctx.user, clean["include_private"],
                                         clean["include_drafts"])
    ids = database.matching(parsed, visible)
    session = ctx.session
    count = session.execute(ids.with_only_columns(database.func.count())).scalar_one()
    page = database.ordered_page(session, ids, parsed, sort, clean["start"], clean["rows"])
    facets: dict[str, dict[str, int]] = {}
    search_facets: dict[str, Any] = {}
    for name in fields:
        counts = database.facet_counts(session, ids, name, clean["facet.limit"],
                                       clean["facet.mincount"])
        facets[name] = {n: c for n, _, c in counts}
        search_facets[name] = {
            "title": name,
            "items": [{"name": n, "display_name": d, "count": c} for n, d, c in counts],
        }
    return {
        "count": count,
        "sort": clean["sort"],
        "results": [package_dict(ds, ctx.portal.site_url) for ds in page],
        "facets": facets,
        "search_facets": search_facets,
    }
