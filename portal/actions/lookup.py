"""Find records by id or name, raising NotFound with the id the caller gave."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from portal.core.errors import NotFound, ValidationError
from portal.models import Dataset, Group, Organization, Resource, User
from portal.models.catalog import dataset_dict_loads


def required_id(params: dict[str, Any], key: str = "id") -> str:
    value = params.get(key)
    if value is None or value == "":
        raise ValidationError({key: ["Missing value"]})
    if not isinstance(value, str | int):
        raise ValidationError({key: ["Must be a string"]})
    return str(value).strip()


def _by_id_or_name(session: Session, model: Any, ref: str, *options: Any) -> Any:
    if "\x00" in ref:
        # No record has a NUL in its id or name, and PostgreSQL's driver refuses to
        # send one (it was a 500): such a reference is simply not found, on both backends.
        return None
    return session.scalar(
        select(model).where(or_(model.id == ref, model.name == ref)).options(*options))


def dataset(session: Session, id_or_name: str) -> Dataset:
    ds = _by_id_or_name(session, Dataset, id_or_name, *dataset_dict_loads())
    if ds is None:
        raise NotFound(f"Dataset not found: {id_or_name}")
    return ds


def organization(session: Session, id_or_name: str) -> Organization:
    org = _by_id_or_name(session, Organization, id_or_name)
    if org is None:
        raise NotFound(f"Organization not found: {id_or_name}")
    return org


def group(session: Session, id_or_name: str) -> Group:
    grp = _by_id_or_name(session, Group, id_or_name)
    if grp is None:
        raise NotFound(f"Group not found: {id_or_name}")
    return grp


def resource(session: Session, resource_id: str) -> Resource:
    res = None if "\x00" in resource_id else session.get(Resource, resource_id)
    if res is None or res.state == "deleted":
        raise NotFound(f"Resource not found: {resource_id}")
    return res


def user(session: Session, id_or_name: str) -> User:
    usr = _by_id_or_name(session, User, id_or_name)
    if usr is None:
        raise NotFound(f"User not found: {id_or_name}")
    return usr
