"""package_search over the database: LIKE matching and GROUP BY facets.

Good enough for a county catalog of a few thousand entries; the search issue
replaces it with a real index. It runs inside the action's transaction, so it
always sees exactly what is committed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, and_, case, exists, func, not_, or_, select
from sqlalchemy.orm import Session

from portal.actions.registry import Caller
from portal.models import Dataset, Group, Organization, Resource, Tag
from portal.models.catalog import dataset_dict_loads, dataset_group, dataset_tag
from portal.search.query import ParsedQuery

_COLUMNS = {
    "open_type": Dataset.open_type, "share_type": Dataset.share_type,
    "classification": Dataset.classification, "update_period": Dataset.update_period,
    "license_id": Dataset.license_id, "grading": Dataset.grading, "name": Dataset.name,
    "resource_code": Dataset.resource_code, "dataset_type": Dataset.type,
    "owner_org": Dataset.owner_org, "publication_state": Dataset.state,
}


def _filter_clause(field: str, value: str) -> Any:
    if field in _COLUMNS:
        return _COLUMNS[field] == value
    if field == "organization":
        return Dataset.owner_org.in_(
            select(Organization.id).where(or_(Organization.name == value, Organization.id == value)))
    if field == "tags":
        return exists().where(dataset_tag.c.dataset_id == Dataset.id,
                              dataset_tag.c.tag_id == Tag.id, Tag.name == value)
    if field == "groups":
        return exists().where(dataset_group.c.dataset_id == Dataset.id,
                              dataset_group.c.group_id == Group.id,
                              or_(Group.name == value, Group.id == value))
    if field == "res_format":
        return exists().where(Resource.package_id == Dataset.id, Resource.state == "active",
                              func.upper(Resource.format) == value.upper())
    raise KeyError(field)


def contains_pattern(term: str) -> str:
    """A LIKE pattern for `term` anywhere, with LIKE's wildcards escaped (by '\\').

    They used to be deleted instead, so `road_works` or `100%` could not be found.
    """
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _term_clause(term: str) -> Any:
    pattern = contains_pattern(term)

    def like(column: Any) -> Any:
        return column.ilike(pattern, escape="\\")

    return or_(
        like(Dataset.title), like(Dataset.notes), like(Dataset.name),
        like(Dataset.resource_code), like(Dataset.category_path),
        exists().where(dataset_tag.c.dataset_id == Dataset.id, dataset_tag.c.tag_id == Tag.id,
                       like(Tag.name)),
        Dataset.owner_org.in_(select(Organization.id).where(like(Organization.title))),
    )


def visibility_clause(user: Caller | None, include_private: bool, include_drafts: bool) -> Any:
    public = and_(Dataset.state == "published", Dataset.private.is_(False))
    if user is None or not (include_private or include_drafts):
        return public
    states = ["published"] + (["draft", "pending", "withdrawn"] if include_drafts else [])
    mine = Dataset.state.in_(states)
    if not include_private:
        mine = and_(mine, Dataset.private.is_(False))
    if not user.sysadmin:
        mine = and_(mine, Dataset.owner_org.in_(list(user.roles)))
    return or_(public, mine)


def matching(parsed: ParsedQuery, visible: Any) -> Select[tuple[str]]:
    clauses = [visible, Dataset.state != "deleted"]
    clauses += [_term_clause(t) for t in parsed.terms]
    clauses += [not_(_term_clause(t)) for t in parsed.excluded_terms]
    clauses += [_filter_clause(f, v) for f, v in parsed.filters]
    clauses += [not_(_filter_clause(f, v)) for f, v in parsed.excluded_filters]
    return select(Dataset.id).where(*clauses)


def ordered_page(session: Session, ids: Select[tuple[str]], parsed: ParsedQuery,
                 sort: list[tuple[str, bool]], start: int, rows: int) -> list[Dataset]:
    order = []
    for key, desc in sort:
        if key == "score":
            if not parsed.terms:
                continue
            score = sum(case((Dataset.title.ilike(contains_pattern(t), escape="\\"), 2), else_=0)
                        for t in parsed.terms)
            order.append(score.desc() if desc else score.asc())
        else:
            column = getattr(Dataset, key)
            order.append(column.desc() if desc else column.asc())
    order.append(Dataset.name.asc())
    query = (select(Dataset).options(*dataset_dict_loads()).where(Dataset.id.in_(ids))
             .order_by(*order).offset(start).limit(rows))
    return list(session.scalars(query))


def facet_counts(session: Session, ids: Select[tuple[str]], field: str,
                 limit: int, mincount: int) -> list[tuple[str, str, int]]:
    """(name, display name, count) for one facet field over the whole match set."""
    matched = ids.subquery()
    if field == "organization":
        stmt = (select(Organization.name, Organization.title, func.count())
                .join(Dataset, Dataset.owner_org == Organization.id)
                .where(Dataset.id.in_(select(matched.c.id)))
                .group_by(Organization.name, Organization.title))
    elif field == "tags":
        stmt = (select(Tag.name, Tag.name, func.count())
                .join(dataset_tag, dataset_tag.c.tag_id == Tag.id)
                .where(dataset_tag.c.dataset_id.in_(select(matched.c.id)))
                .group_by(Tag.name))
    elif field == "groups":
        stmt = (select(Group.name, Group.title, func.count())
                .join(dataset_group, dataset_group.c.group_id == Group.id)
                .where(dataset_group.c.dataset_id.in_(select(matched.c.id)))
                .group_by(Group.name, Group.title))
    elif field == "res_format":
        fmt = func.upper(Resource.format)
        stmt = (select(fmt, fmt, func.count(func.distinct(Resource.package_id)))
                .where(Resource.package_id.in_(select(matched.c.id)), Resource.state == "active",
                       Resource.format != "")
                .group_by(fmt))
    else:
        column = _COLUMNS[field]
        stmt = (select(column, column, func.count()).where(Dataset.id.in_(select(matched.c.id)))
                .group_by(column))
    rows = [(str(n), str(d or n), int(c)) for n, d, c in session.execute(stmt) if n and c >= mincount]
    rows.sort(key=lambda r: (-r[2], r[0]))
    return rows if limit < 0 else rows[:limit]
