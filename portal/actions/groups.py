"""Groups (themes, 主题) that gather datasets across organizations."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from portal import audit
from portal.actions import lookup
from portal.actions.registry import action
from portal.core.context import Context
from portal.core.dictize import group_dict, package_dict
from portal.core.errors import ValidationError
from portal.core.validation import (
    boolean,
    default,
    if_given,
    integer,
    link,
    optional,
    reference,
    required,
    slug,
    string,
    validate,
)
from portal.models import Dataset, Group
from portal.models.base import new_id
from portal.models.catalog import dataset_dict_loads, dataset_group

GROUP_SCHEMA = {
    "id": [optional, string(36)],
    "name": [required, slug],
    "title": [required, string(200)],
    "description": [default(""), string(20_000)],
    "image_url": [default(""), link(500)],
}
# group_update: the group by id or name; a name not given keeps the group's.
UPDATE_SCHEMA = {**GROUP_SCHEMA, "id": [reference], "name": [if_given, *GROUP_SCHEMA["name"]]}
LIST_SCHEMA = {
    "all_fields": [default(False), boolean],
    "limit": [default(1000), integer(minimum=0, maximum=1000)],
    "offset": [default(0), integer(minimum=0)],
}
SHOW_SCHEMA = {"id": [reference], "include_datasets": [default(False), boolean]}


def _public() -> Any:
    return (Dataset.state == "published") & Dataset.private.is_(False)


def _group_counts(ctx: Context) -> dict[str, int]:
    rows = ctx.session.execute(
        select(dataset_group.c.group_id, func.count())
        .join(Dataset, Dataset.id == dataset_group.c.dataset_id).where(_public())
        .group_by(dataset_group.c.group_id))
    return {gid: n for gid, n in rows}


def _audit(ctx: Context, grp: Group) -> None:
    audit.append(ctx.session, actor=ctx.actor, action=ctx.action, object_type="group",
                 object_id=grp.id, detail={"name": grp.name})


def _check_name(ctx: Context, name: str, own_id: str | None) -> None:
    other = ctx.session.scalar(select(Group.id).where(Group.name == name))
    if other is not None and other != own_id:
        raise ValidationError({"name": ["That name is already in use"]})


@action(read_only=True, schema=LIST_SCHEMA)
def group_list(ctx: Context, params: dict[str, Any]) -> list[Any]:
    """Groups (themes): names, or dicts with all_fields=true. Params: all_fields, limit, offset."""
    groups = list(ctx.session.scalars(select(Group).where(Group.state == "active")
                                      .order_by(Group.name).offset(params["offset"])
                                      .limit(params["limit"])))
    if not params["all_fields"]:
        return [g.name for g in groups]
    counts = _group_counts(ctx)
    return [group_dict(g, counts.get(g.id, 0)) for g in groups]


@action(read_only=True, schema=SHOW_SCHEMA)
def group_show(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Return a group. Params: id (id or name), include_datasets."""
    grp = lookup.group(ctx.session, params["id"])
    out = group_dict(grp, _group_counts(ctx).get(grp.id, 0))
    if params["include_datasets"]:
        stmt = (select(Dataset).options(*dataset_dict_loads()).join(dataset_group, dataset_group.c.dataset_id == Dataset.id)
                .where(dataset_group.c.group_id == grp.id, _public()).limit(1000))
        out["packages"] = [package_dict(d, ctx.portal.site_url) for d in ctx.session.scalars(stmt)]
    return out


@action(schema=GROUP_SCHEMA)
def group_create(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Create a group (theme) that gathers datasets (bureau staff only). Params: name, title,
    description, image_url, id (kept, as CKAN does, so a dump loaded elsewhere keeps its ids)."""
    clean = dict(params)
    _check_name(ctx, clean["name"], None)
    # Keeping the id lets `ckanapi load groups` preserve the ids datasets refer to.
    own_id = clean.pop("id", None)
    if own_id and ctx.session.get(Group, own_id) is not None:
        raise ValidationError({"id": ["Group id already exists"]})
    grp = Group(id=own_id or new_id(), **clean)
    ctx.session.add(grp)
    ctx.session.flush()
    _audit(ctx, grp)
    return group_dict(grp, 0)


def _update(ctx: Context, grp: Group, clean: dict[str, Any]) -> dict[str, Any]:
    _check_name(ctx, clean["name"], grp.id)
    grp.name, grp.title = clean["name"], clean["title"]
    grp.description, grp.image_url = clean["description"], clean["image_url"]
    ctx.session.flush()
    _audit(ctx, grp)
    return group_dict(grp, _group_counts(ctx).get(grp.id, 0))


@action(schema=UPDATE_SCHEMA)
def group_update(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Replace a group's fields (bureau staff only). Params: id, and as group_create."""
    grp = lookup.group(ctx.session, params["id"])
    return _update(ctx, grp, {"name": grp.name, **params, "id": grp.id})


@action(schema={"id": [reference]}, other_keys=True)
def group_patch(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Change only the given fields of a group (bureau staff only). Params: id and any field
    (each checked as group_create checks it, once merged with the group's own)."""
    grp = lookup.group(ctx.session, params["id"])
    merged = {**group_dict(grp), **params, "id": grp.id}
    return _update(ctx, grp, validate(merged, GROUP_SCHEMA))
