"""Site-level actions: status, help, licences, tags and groups."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from portal import __version__, audit
from portal.actions import lookup
from portal.actions.dictize import group_dict, package_dict
from portal.actions.errors import NotFound, ValidationError
from portal.actions.permissions import authorize
from portal.actions.registry import REGISTRY, Context, action
from portal.actions.schema import (
    boolean,
    default,
    integer,
    optional,
    required,
    slug,
    string,
    validate,
)
from portal.licenses import license_list as all_licenses
from portal.models import Dataset, Group, Tag
from portal.models.base import new_id
from portal.models.catalog import dataset_group, dataset_tag


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


@action(read_only=True)
def help_show(ctx: Context, params: dict[str, Any]) -> str:
    """The documentation of an action. Params: name."""
    name = lookup.required_id(params, "name")
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


@action(read_only=True)
def tag_list(ctx: Context, params: dict[str, Any]) -> list[Any]:
    """Tags in use on published entries. Params: query (substring), all_fields."""
    clean = validate(params, {"query": [optional, string(100)],
                              "all_fields": [default(False), boolean]})
    stmt = (select(Tag).join(dataset_tag, dataset_tag.c.tag_id == Tag.id)
            .join(Dataset, Dataset.id == dataset_tag.c.dataset_id).where(_public())
            .distinct().order_by(Tag.name))
    if "query" in clean:
        stmt = stmt.where(Tag.name.ilike(f"%{clean['query']}%"))
    tags = list(ctx.session.scalars(stmt))
    if clean["all_fields"]:
        return [{"id": t.id, "name": t.name, "vocabulary_id": None} for t in tags]
    return [t.name for t in tags]


def _group_counts(ctx: Context) -> dict[str, int]:
    rows = ctx.session.execute(
        select(dataset_group.c.group_id, func.count())
        .join(Dataset, Dataset.id == dataset_group.c.dataset_id).where(_public())
        .group_by(dataset_group.c.group_id))
    return {gid: n for gid, n in rows}


@action(read_only=True)
def group_list(ctx: Context, params: dict[str, Any]) -> list[Any]:
    """Groups (themes): names, or dicts with all_fields=true. Params: all_fields, limit, offset."""
    clean = validate(params, {"all_fields": [default(False), boolean],
                              "limit": [default(1000), integer(minimum=0, maximum=1000)],
                              "offset": [default(0), integer(minimum=0)]})
    groups = list(ctx.session.scalars(select(Group).where(Group.state == "active")
                                      .order_by(Group.name).offset(clean["offset"])
                                      .limit(clean["limit"])))
    if not clean["all_fields"]:
        return [g.name for g in groups]
    counts = _group_counts(ctx)
    return [group_dict(g, counts.get(g.id, 0)) for g in groups]


@action(read_only=True)
def group_show(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Return a group. Params: id (id or name), include_datasets."""
    grp = lookup.group(ctx.session, lookup.required_id(params))
    clean = validate(params, {"include_datasets": [default(False), boolean]})
    out = group_dict(grp, _group_counts(ctx).get(grp.id, 0))
    if clean["include_datasets"]:
        stmt = (select(Dataset).join(dataset_group, dataset_group.c.dataset_id == Dataset.id)
                .where(dataset_group.c.group_id == grp.id, _public()).limit(1000))
        out["packages"] = [package_dict(d, ctx.portal.site_url) for d in ctx.session.scalars(stmt)]
    return out


@action()
def group_create(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Create a group (theme) that gathers datasets (bureau staff only). Params: name, title,
    description, image_url, id (kept, as CKAN does, so a dump loaded elsewhere keeps its ids)."""
    authorize(ctx)
    clean = validate(params, {"id": [optional, string(36)],
                              "name": [required, slug], "title": [required, string(200)],
                              "description": [default(""), string(20_000)],
                              "image_url": [default(""), string(500)]})
    if ctx.session.scalar(select(Group.id).where(Group.name == clean["name"])):
        raise ValidationError({"name": ["That name is already in use"]})
    # The id was ignored before: `ckanapi load groups` then gave the groups new ids,
    # and every loaded dataset's groups (given by id) failed to resolve.
    own_id = clean.pop("id", None)
    if own_id and ctx.session.get(Group, own_id) is not None:
        raise ValidationError({"id": ["Group id already exists"]})
    grp = Group(id=own_id or new_id(), **clean)
    ctx.session.add(grp)
    ctx.session.flush()
    audit.append(ctx.session, actor=ctx.actor, action=ctx.action, object_type="group",
                 object_id=grp.id, detail={"name": grp.name})
    return group_dict(grp, 0)
