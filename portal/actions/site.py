"""Site-level actions: status, help, licences and tags."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from portal import __version__
from portal.actions.registry import REGISTRY, action
from portal.core.context import Context
from portal.core.errors import NotFound
from portal.core.licenses import license_list as all_licenses
from portal.core.validation import boolean, default, optional, reference, string
from portal.models import Dataset, Tag
from portal.models.catalog import dataset_tag


def contains_pattern(term: str) -> str:
    """A LIKE pattern for `term` anywhere, with LIKE's wildcards escaped (by '\\').

    They used to be deleted instead, so `road_works` or `100%` could not be found.
    """
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"



@action(read_only=True)
def status_show(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """The site's name, version and default locale."""
    settings = ctx.portal.settings
    return {
        "site_title": settings.get("site", "title"),
        "site_description": settings.get("site", "title_en"),
        "site_url": ctx.portal.site_url,
        "ckan_version": "2.10.0",
        "shuyuan_version": __version__,
        "error_emails_to": None,
        "locale_default": settings.get("site", "locale_default"),
        "extensions": ["shuyuan"],
    }


@action(read_only=True, schema={"name": [reference]})
def help_show(ctx: Context, params: dict[str, Any]) -> str:
    """The documentation of an action. Params: name."""
    name = params["name"]
    spec = REGISTRY.get(name)
    if spec is None:
        raise NotFound(f"Action not found: {name}")
    return spec.doc


@action(read_only=True)
def license_list(ctx: Context, params: dict[str, Any]) -> list[dict[str, Any]]:
    """The licences a dataset may carry."""
    return all_licenses()


def _public() -> Any:
    return (Dataset.state == "published") & Dataset.private.is_(False)


TAG_LIST_SCHEMA = {"query": [optional, string(100)], "all_fields": [default(False), boolean]}


@action(read_only=True, schema=TAG_LIST_SCHEMA)
def tag_list(ctx: Context, params: dict[str, Any]) -> list[Any]:
    """Tags in use on published entries. Params: query (substring), all_fields."""
    stmt = (select(Tag).join(dataset_tag, dataset_tag.c.tag_id == Tag.id)
            .join(Dataset, Dataset.id == dataset_tag.c.dataset_id).where(_public())
            .distinct().order_by(Tag.name))
    if "query" in params:
        stmt = stmt.where(Tag.name.ilike(contains_pattern(params["query"]), escape="\\"))
    tags = list(ctx.session.scalars(stmt))
    if params["all_fields"]:
        return [{"id": t.id, "name": t.name, "vocabulary_id": None} for t in tags]
    return [t.name for t in tags]
