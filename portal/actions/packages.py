"""Catalog entry (dataset) actions, named and shaped as CKAN's package_* actions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from portal import audit
from portal.actions import lookup, publication
from portal.actions.permissions import Target, authorize, is_authorized
from portal.actions.registry import action
from portal.actions.resources import new_resource
from portal.core.catalog_elements import STORED
from portal.core.catalog_schema import PACKAGE_SCHEMA, check_catalog_rules, validate_package
from portal.core.catalog_validators import carry_confirmations
from portal.core.context import Caller, Context
from portal.core.dictize import package_dict
from portal.core.errors import NotAuthorized, ValidationError
from portal.core.validation import default, if_given, integer, optional, reference
from portal.models import Dataset, Organization, Tag
from portal.models.base import new_id, utcnow
from portal.models.catalog import dataset_dict_loads

# Columns set straight from the validated dict: the element table says which.
_SCALARS = STORED

# package_update finds the entry by id, or by name when no id is given.
UPDATE_SCHEMA = {**PACKAGE_SCHEMA, "id": [if_given, reference]}


def visible_to(ctx: Context, ds: Dataset) -> bool:
    return is_authorized(ctx, Target(dataset=ds), action="package_show")


def _owner(ctx: Context, ref: str) -> Organization:
    org = ctx.session.scalar(
        select(Organization).where((Organization.id == ref) | (Organization.name == ref))
    )
    if org is None:
        raise ValidationError({"owner_org": [f"Organization does not exist: {ref}"]})
    return org


def _tags(ctx: Context, names: list[str]) -> list[Tag]:
    existing = {t.name: t for t in ctx.session.scalars(select(Tag).where(Tag.name.in_(names)))}
    out = []
    for name in names:
        tag = existing.get(name)
        if tag is None:
            tag = Tag(id=new_id(), name=name)
            ctx.session.add(tag)
            existing[name] = tag
        out.append(tag)
    return out


def _groups(ctx: Context, refs: list[tuple[str, ...]]) -> list[Any]:
    """Each ref is (id, name), (id,), (name,) or (id_or_name,): the first one found wins."""
    from portal.models import Group

    groups = []
    for cands in refs:
        grp = ctx.session.scalar(select(Group).where(Group.id.in_(cands) | Group.name.in_(cands))
                                 .order_by(Group.id.in_(cands).desc()).limit(1))
        if grp is None:
            raise ValidationError({"groups": [f"Group does not exist: {' / '.join(cands)}"]})
        if grp not in groups:
            groups.append(grp)
    return groups


def _lifecycle_state(user: Caller | None, clean: dict[str, Any], current: str | None) -> str:
    """Only bureau staff publish; departments' entries stay drafts until reviewed.

    CKAN clients send state=active; bureau staff loading a catalog with ckanapi
    thereby publish it, while a department editor's entry stays a draft.
    """
    wanted = clean.get("publication_state")
    if wanted is None and "state" in clean:
        wanted = {"active": "published", "draft": "draft", "deleted": "deleted"}[clean["state"]]
    if wanted == "deleted":
        raise ValidationError({"state": ["Use package_delete to delete a dataset"]})
    if user is not None and user.sysadmin:
        return wanted or current or "published"
    if wanted == "published" and current != "published":
        raise NotAuthorized(
            f"{user.name if user else 'anonymous'} may not publish: "
            "only bureau staff (sysadmins) approve publication"
        )
    if wanted and wanted != current and current == "published":
        return wanted  # a department may take its own entry back to draft
    return current or (wanted if wanted in ("draft", "pending") else "draft")


def _check_unique(ctx: Context, clean: dict[str, Any], own_id: str | None) -> None:
    errors: dict[str, list[str]] = {}
    for field, column in (("name", Dataset.name), ("resource_code", Dataset.resource_code)):
        other = ctx.session.scalar(select(Dataset.id).where(column == clean[field]))
        if other is not None and other != own_id:
            errors[field] = [f"That {field.replace('_', ' ')} is already in use"]
    if errors:
        raise ValidationError(errors)


def _apply(ctx: Context, ds: Dataset, clean: dict[str, Any], org: Organization) -> None:
    if "data_items" in clean:
        clean = {**clean, "data_items": carry_confirmations(ds.data_items or [],
                                                            clean["data_items"])}
    for key in _SCALARS:
        if key in clean:
            setattr(ds, key, clean[key])
    for key in ("issued", "modified", "temporal_start", "temporal_end"):
        if key not in clean:
            setattr(ds, key, None)
    ds.owner_org = org.id
    ds.organization = org
    ds.tags = _tags(ctx, clean["tags"])
    ds.groups = _groups(ctx, clean["groups"])
    ds.metadata_modified = utcnow()


def _audit(ctx: Context, ds: Dataset, detail: dict[str, Any] | None = None) -> None:
    audit.append(ctx.session, actor=ctx.actor, action=ctx.action, object_type="dataset",
                 object_id=ds.id, detail={"name": ds.name, "state": ds.state, **(detail or {})})


def _result(ctx: Context, ds: Dataset) -> dict[str, Any]:
    ctx.session.flush()
    ctx.session.refresh(ds)
    return package_dict(ds, ctx.portal.site_url, ctx.user)


def _entry(clean: dict[str, Any]) -> dict[str, Any]:
    """An entry's params, validated by PACKAGE_SCHEMA, with validate_package's last steps:
    tag_string joined to tags, and the cross-field rules (Art. 25)."""
    clean = dict(clean)
    if "tag_string" in clean:
        clean["tags"] = list(dict.fromkeys(clean["tags"] + clean.pop("tag_string")))
    check_catalog_rules(clean)
    return clean


@action(schema=PACKAGE_SCHEMA)
def package_create(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Create a catalog entry. Params: the CKAN package fields (name, title, notes,
    owner_org, tags, groups, extras, resources...) and the national catalog elements
    (resource_code, classification, update_period, share_type, open_type, legal_basis...).
    Entries created by department staff are drafts; bureau staff may publish directly."""
    clean = _entry(params)
    org = _owner(ctx, clean["owner_org"])
    authorize(ctx, Target(organization_id=org.id))
    own_id = clean.get("id") if ctx.user and ctx.user.sysadmin else None
    if own_id and ctx.session.get(Dataset, own_id) is not None:
        raise ValidationError({"id": ["Dataset id already exists"]})
    _check_unique(ctx, clean, None)
    ds = Dataset(id=own_id or new_id(), creator_user_id=ctx.user.id if ctx.user else None,
                 metadata_created=utcnow())
    ds.state = _lifecycle_state(ctx.user, clean, None)
    ctx.session.add(ds)
    _apply(ctx, ds, clean, org)
    for res_params in clean.get("resources") or []:
        new_resource(ctx, ds, res_params)
    ctx.session.flush()
    _audit(ctx, ds)
    publication.after_entry_write(ctx, ds, None, None)
    return _result(ctx, ds)


def _update(ctx: Context, clean: dict[str, Any], ds: Dataset) -> dict[str, Any]:
    authorize(ctx, Target(dataset=ds))
    org = _owner(ctx, clean["owner_org"])
    if org.id != ds.owner_org:
        authorize(ctx, Target(organization_id=org.id), action="package_create")
    _check_unique(ctx, clean, ds.id)
    before_state, before_classes = ds.state, publication.classes(ds)
    ds.state = _lifecycle_state(ctx.user, clean, ds.state)
    _apply(ctx, ds, clean, org)
    if "resources" in clean:
        _replace_resources(ctx, ds, clean["resources"])
    ctx.session.flush()
    _audit(ctx, ds)
    publication.after_entry_write(ctx, ds, before_state, before_classes)
    return _result(ctx, ds)


def _replace_resources(ctx: Context, ds: Dataset, wanted: list[Any]) -> None:
    """CKAN semantics: the given list becomes the dataset's resources, in order."""
    from portal.actions.resources import apply_resource

    current = {r.id: r for r in ds.resources if r.state == "active"}
    kept = set()
    for position, params in enumerate(wanted):
        if not isinstance(params, dict):
            raise ValidationError({"resources": ["Each resource must be an object"]})
        res = current.get(params.get("id") or "")
        if res is None:
            res = new_resource(ctx, ds, params)
        else:
            apply_resource(ctx, res, params, partial=False)
        res.position = position
        kept.add(res.id)
    for rid, res in current.items():
        if rid not in kept:
            res.state = "deleted"


@action(schema=UPDATE_SCHEMA)
def package_update(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Replace a catalog entry: fields not given are reset, as in CKAN. Params: id
    (or name) and every field of package_create. Without `resources` the
    existing resources are kept; with it, the list replaces them."""
    ds = lookup.dataset(ctx.session, params["id"] if "id" in params else params["name"])
    return _update(ctx, _entry({**params, "id": ds.id}), ds)


@action(schema={"id": [reference]}, other_keys=True)
def package_patch(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Change only the given fields of a catalog entry. Params: id and any field (each
    checked as package_create checks it, once merged with the entry's own)."""
    ds = lookup.dataset(ctx.session, params["id"])
    authorize(ctx, Target(dataset=ds))
    current = package_dict(ds, ctx.portal.site_url)
    current.pop("resources")
    # Neither state is carried over: a carried-over publication_state outranked a
    # `state` given in params (so state=active neither published nor was refused),
    # and "deleted" is not a value the schema accepts, so a deleted entry could not
    # be patched at all. Without them _lifecycle_state keeps the current state.
    current.pop("state")
    current.pop("publication_state")
    merged = {**current, **params, "id": ds.id}
    if "owner_org" not in params:
        merged["owner_org"] = ds.owner_org
    clean = validate_package(merged)
    return _update(ctx, clean, ds)


@action(schema={"id": [reference]})
def package_delete(ctx: Context, params: dict[str, Any]) -> None:
    """Delete a catalog entry (state=deleted; it disappears from lists and search). Params: id."""
    ds = lookup.dataset(ctx.session, params["id"])
    authorize(ctx, Target(dataset=ds))
    ds.state = "deleted"
    ds.metadata_modified = utcnow()
    _audit(ctx, ds)
    return None


@action(read_only=True, schema={"id": [reference]})
def package_show(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Return a catalog entry with its resources. Params: id (id or name)."""
    ds = lookup.dataset(ctx.session, params["id"])
    authorize(ctx, Target(dataset=ds))
    return package_dict(ds, ctx.portal.site_url, ctx.user)


LIST_SCHEMA = {
    "limit": [optional, integer(minimum=0)],
    "offset": [default(0), integer(minimum=0)],
}


def _public_query():  # type: ignore[no-untyped-def]
    return select(Dataset).options(*dataset_dict_loads()).where(Dataset.state == "published", Dataset.private.is_(False))


@action(read_only=True, schema=LIST_SCHEMA)
def package_list(ctx: Context, params: dict[str, Any]) -> list[str]:
    """Names of the published, public catalog entries. Params: limit, offset."""
    query = _public_query().order_by(Dataset.name).offset(params["offset"])
    if "limit" in params:
        query = query.limit(params["limit"])
    return [ds.name for ds in ctx.session.scalars(query)]


@action(read_only=True, schema=LIST_SCHEMA)
def current_package_list_with_resources(ctx: Context, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Published public entries with resources, newest change first. Params: limit, offset."""
    limit = min(params.get("limit", 100) or 100, 1000)
    query = (_public_query().order_by(Dataset.metadata_modified.desc())
             .offset(params["offset"]).limit(limit))
    return [package_dict(ds, ctx.portal.site_url) for ds in ctx.session.scalars(query)]
