"""Catalog entries read for indexing as plain records, without the ORM.

Search documents are built from package dicts. Loading a batch of datasets
through the ORM (identity map, instance state, relationship collections) cost
three times what dictizing them costs, and a rebuild does it for every entry.
These records are plain namespaces with the mapped attribute names, filled by
one Core query per table, so `package_dict` dictizes them unchanged (a test
holds both paths to the same dict). They are read-only snapshots: nothing here
writes or is tracked by a session.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from types import SimpleNamespace
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from portal.models import DatastoreTable, Group, Organization, Resource, ResourceVersion, Tag
from portal.models.catalog import Dataset, dataset_group, dataset_tag


def _columns(model: type) -> list[Any]:
    """The model's columns, labelled with their attribute names."""
    return [attr.expression.label(attr.key) for attr in inspect(model).column_attrs]


def _records(session: Session, statement: Any) -> list[SimpleNamespace]:
    # On the connection: a session would route the rows through its ORM loader.
    result = session.connection().execute(statement)
    keys = list(result.keys())
    return [SimpleNamespace(**dict(zip(keys, row, strict=True))) for row in result]


def _by(records: Iterable[SimpleNamespace], key: str) -> dict[str, list[SimpleNamespace]]:
    out: dict[str, list[SimpleNamespace]] = defaultdict(list)
    for record in records:
        out[getattr(record, key)].append(record)
    return out


def _organizations(session: Session, ids: set[str]) -> dict[str, SimpleNamespace]:
    """Organizations by id, each with its parent (whose own parent is not needed)."""
    orgs = {o.id: o for o in _records(session, select(*_columns(Organization))
                                      .where(Organization.id.in_(ids)))}
    missing = {o.parent_id for o in orgs.values() if o.parent_id} - orgs.keys()
    parents = {o.id: o for o in _records(session, select(*_columns(Organization))
                                         .where(Organization.id.in_(missing)))} if missing else {}
    for org in orgs.values():
        org.parent = orgs.get(org.parent_id) or parents.get(org.parent_id)
    return orgs


def _resources(session: Session, dataset_ids: list[str]) -> dict[str, list[SimpleNamespace]]:
    resources = _records(session, select(*_columns(Resource))
                         .where(Resource.package_id.in_(dataset_ids))
                         .order_by(Resource.package_id, Resource.position))
    ids = [r.id for r in resources]
    tables = {t.resource_id: t for t in _records(
        session, select(*_columns(DatastoreTable)).where(DatastoreTable.resource_id.in_(ids)))}
    versions = _by(_records(session, select(*_columns(ResourceVersion))
                            .where(ResourceVersion.resource_id.in_(ids))
                            .order_by(ResourceVersion.resource_id, ResourceVersion.version)),
                   "resource_id")
    for res in resources:
        res.datastore = tables.get(res.id)
        res.versions = versions.get(res.id, [])
    return _by(resources, "package_id")


def _linked(session: Session, model: type, link: Any, dataset_ids: list[str]
            ) -> dict[str, list[SimpleNamespace]]:
    """Tags or groups of each dataset, by name as the ORM relationships order them."""
    statement = (select(link.c.dataset_id.label("_dataset_id"), *_columns(model))
                 .join(link, getattr(link.c, f"{model.__tablename__}_id") == model.id)
                 .where(link.c.dataset_id.in_(dataset_ids))
                 .order_by(model.name))
    return _by(_records(session, statement), "_dataset_id")


def dataset_records(session: Session, ids: list[str]) -> dict[str, SimpleNamespace]:
    """The datasets among `ids` that exist (any state), with everything a package
    dict shows: organization (and its parent), resources with their datastore
    table and versions, tags and groups."""
    datasets = _records(session, select(*_columns(Dataset)).where(Dataset.id.in_(ids)))
    if not datasets:
        return {}
    found = [d.id for d in datasets]
    orgs = _organizations(session, {d.owner_org for d in datasets})
    resources = _resources(session, found)
    tags = _linked(session, Tag, dataset_tag, found)
    groups = _linked(session, Group, dataset_group, found)
    for ds in datasets:
        ds.organization = orgs.get(ds.owner_org)
        ds.resources = resources.get(ds.id, [])
        ds.tags = tags.get(ds.id, [])
        ds.groups = groups.get(ds.id, [])
    return {d.id: d for d in datasets}
