"""Model -> CKAN-shaped dicts. CKAN's keys keep CKAN's meaning; the national
catalog elements sit beside them under their own keys (see docs/api.md)."""

from __future__ import annotations

import os
import re
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from portal.core.catalog_elements import NATIONAL, Element
from portal.core.licenses import LICENSES_BY_ID
from portal.models import Dataset, Group, Organization, Resource, ResourceVersion, User

if TYPE_CHECKING:
    from portal.core.context import Caller

# Our five-state lifecycle seen through CKAN's three states.
CKAN_STATE = {
    "published": "active",
    "deleted": "deleted",
    "draft": "draft",
    "pending": "draft",
    "withdrawn": "draft",
}


def ckan_time(value: datetime | None) -> str | None:
    """CKAN writes naive UTC timestamps with microseconds."""
    if value is None:
        return None
    if value.tzinfo is UTC:  # as the database columns give them: drop the "+00:00"
        return value.isoformat(timespec="microseconds")[:-6]
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(timespec="microseconds")


def iso_day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def organization_dict(org: Organization, package_count: int | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": org.id,
        "name": org.name,
        "title": org.title,
        "display_name": org.title or org.name,
        "description": org.description,
        "image_url": org.image_url,
        "image_display_url": org.image_url,
        "created": ckan_time(org.created),
        "type": "organization",
        "is_organization": True,
        "approval_status": "approved",
        "state": org.state,
        "organization_type": org.type,
        "code": org.code or "",
        "parent_id": org.parent_id or "",
        "parent_name": org.parent.name if org.parent else "",
        "extras": [{"key": k, "value": v} for k, v in sorted((org.extras or {}).items())],
    }
    if package_count is not None:
        out["package_count"] = package_count
    return out


def group_dict(group: Group, package_count: int | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": group.id,
        "name": group.name,
        "title": group.title,
        "display_name": group.title or group.name,
        "description": group.description,
        "image_url": group.image_url,
        "image_display_url": group.image_url,
        "created": ckan_time(group.created),
        "type": "group",
        "is_organization": False,
        "approval_status": "approved",
        "state": group.state,
    }
    if package_count is not None:
        out["package_count"] = package_count
    return out


def sees_raw(viewer: Caller | None, owner_org: str | None) -> bool:
    """Whether `viewer` is shown the department's raw files (their names, sizes, hashes
    and versions): the entry's own department and the bureau. Everyone else, and a
    grant token, is shown the file the public is served, the released (treated) one."""
    return bool(viewer is not None and not viewer.grant_id
                and (viewer.sysadmin or viewer.role_in(owner_org)))


_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def released_filename(res: Resource) -> str:
    """The name the public downloads an upload's released file under: the resource's name
    (public metadata, reviewed with the entry), else its id, with the uploaded file's
    extension (the gate's treated file keeps the format). Never the uploaded file's own
    name, which may say what the raw file holds (a person, a case) and is the
    department's."""
    uploaded = os.path.basename(res.url or "")
    ext = os.path.splitext(uploaded)[1].lower()
    ext = ext if re.fullmatch(r"\.[a-z0-9]{1,10}", ext) else ""
    stem = _UNSAFE_NAME.sub("_", (res.name or "").strip()).strip(" ._")
    if ext and stem.lower().endswith(ext):
        stem = stem[: -len(ext)].rstrip(" .")
    return f"{(stem or res.id)[:200]}{ext}"


def resource_url(site_url: str, res: Resource, *, raw: bool = True) -> str:
    if res.url_type == "upload":
        # a '?' or '#' in a file name must not end the path
        filename = quote(res.url if raw else released_filename(res))
        return f"{site_url}/dataset/{res.package_id}/resource/{res.id}/download/{filename}"
    return res.url


def version_url(site_url: str, res: Resource, version: ResourceVersion) -> str:
    """Where an uploaded file stays downloadable after it was replaced."""
    base = f"{site_url}/dataset/{res.package_id}/resource/{res.id}/version/{version.blob_sha256}"
    return f"{base}/download/{quote(version.filename)}" if version.filename else f"{base}/download"


def version_dicts(res: Resource, site_url: str) -> list[dict[str, Any]]:
    """The resource's uploaded files, oldest first. The creator is not shown:
    public pages must not name staff accounts."""
    return [
        {
            "version": v.version,
            "hash": v.blob_sha256,
            "size": v.size,
            "filename": v.filename,
            "mimetype": v.mimetype or None,
            "created": ckan_time(v.created),
            "url": version_url(site_url, res, v),
        }
        for v in res.versions
    ]


# Keys of CKAN 2.10's resource dict that we do not model; present (as null unless a
# harvested value was kept as an extra) so clients reading them find them.
CKAN_RESOURCE_KEYS = ("cache_url", "cache_last_updated", "mimetype_inner", "resource_type")


def resource_dict(res: Resource, site_url: str, *, raw: bool = False) -> dict[str, Any]:
    """A resource as CKAN shows it. `raw` (the entry's department and the bureau, see
    sees_raw): url, size, hash, mimetype and versions describe the department's uploaded
    file. Otherwise they describe what the public is served: the released (treated) file
    the desensitization gate let through (no size and an empty hash while there is none),
    no earlier versions (they are raw files), and a file name that is not the upload's.
    A link carries `gate: "outside"`: the desensitization gate never sees what it points
    to, so nothing vouches for it as checked."""
    upload = res.url_type == "upload"
    shown_raw = raw or not upload
    out: dict[str, Any] = dict.fromkeys(CKAN_RESOURCE_KEYS)
    out.update(res.extras or {})
    out.update(
        {
            "id": res.id,
            "package_id": res.package_id,
            "name": res.name,
            "description": res.description,
            "url": resource_url(site_url, res, raw=shown_raw),
            "url_type": res.url_type or None,
            "format": res.format,
            "mimetype": res.mimetype or None,
            "size": res.size if shown_raw else res.released_size,
            "hash": res.hash if shown_raw else (res.released_sha256 or ""),
            "created": ckan_time(res.created),
            "last_modified": ckan_time(res.last_modified),
            "metadata_modified": ckan_time(res.last_modified or res.created),
            "position": res.position,
            "state": res.state,
            **datastore_keys(res),
            "versions": version_dicts(res, site_url) if shown_raw else [],
        }
    )
    if not upload:
        out["gate"] = "outside"
    return out


def datastore_keys(res: Resource) -> dict[str, Any]:
    """CKAN's datastore_active (a table exists), and how the latest load went."""
    table = res.datastore
    failed = table is not None and table.status == "error"
    return {
        "datastore_active": bool(table is not None and table.loaded_at is not None),
        "datastore_status": table.status if table is not None else None,
        "datastore_error": table.message if failed else None,
    }


def package_dict(ds: Dataset, site_url: str, viewer: Caller | None = None) -> dict[str, Any]:
    """The entry as CKAN shows it; its resources as `viewer` may see them (resource_dict:
    the public's view unless the viewer is the entry's department or the bureau)."""
    raw = sees_raw(viewer, ds.owner_org)
    lic = LICENSES_BY_ID.get(ds.license_id)
    resources = [r for r in ds.resources if r.state == "active"]
    return {
        # CKAN's keys
        "id": ds.id,
        "name": ds.name,
        "title": ds.title,
        "notes": ds.notes,
        "url": ds.url,
        "version": ds.version,
        "author": ds.author,
        "author_email": ds.author_email,
        "maintainer": ds.maintainer,
        "maintainer_email": ds.maintainer_email,
        "license_id": ds.license_id,
        "license_title": lic["title"] if lic else ds.license_id,
        "license_url": lic["url"] if lic else "",
        "owner_org": ds.owner_org,
        "organization": organization_dict(ds.organization),
        "private": ds.private,
        "state": CKAN_STATE.get(ds.state, "draft"),
        "type": ds.type,
        "creator_user_id": ds.creator_user_id,
        "metadata_created": ckan_time(ds.metadata_created),
        "metadata_modified": ckan_time(ds.metadata_modified),
        "isopen": bool(lic and lic["od_conformance"] == "approved"),
        "tags": [
            {"id": t.id, "name": t.name, "display_name": t.name, "state": "active",
             "vocabulary_id": None}
            for t in ds.tags
        ],
        "num_tags": len(ds.tags),
        "groups": [
            {"id": g.id, "name": g.name, "title": g.title, "display_name": g.title or g.name,
             "description": g.description, "image_display_url": g.image_url}
            for g in ds.groups
        ],
        "extras": [{"key": k, "value": v} for k, v in sorted((ds.extras or {}).items())],
        "resources": [resource_dict(r, site_url, raw=raw) for r in resources],
        "num_resources": len(resources),
        "relationships_as_object": [],
        "relationships_as_subject": [],
        # National catalog elements (政务数据资源目录要素)
        "publication_state": ds.state,
        # the rest, as the element table (core/catalog_elements.py) lists them
        **{e.key: _given(e, getattr(ds, e.key)) for e in NATIONAL},
    }


def _given(element: Element, value: Any) -> Any:
    """A stored element's value as package_show gives it."""
    if element.stored == "day":
        return iso_day(value)
    if element.stored == "list":
        return list(value or [])
    return value


def user_dict(user: User, *, private: bool, email: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": user.id,
        "name": user.name,
        "fullname": user.fullname,
        "display_name": user.fullname or user.name,
        "about": user.about,
        "created": ckan_time(user.created),
        "sysadmin": user.sysadmin,
        "state": user.state,
    }
    if private:
        out["email"] = email
        out["organizations"] = [
            {"id": m.organization_id, "capacity": m.role} for m in user.memberships
        ]
    return out


def with_raw_resources(session: Any, site_url: str, viewer: Caller | None,
                       docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Search results as `viewer` may see them. The index stores every entry as the
    public sees it (package_dict without a viewer), so no raw hash or file name is ever
    served from it; the department's and the bureau's results get the raw descriptions
    of their resources back from the catalog."""
    own = [d for d in docs if sees_raw(viewer, d.get("owner_org"))]
    if not own:
        return docs
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    ids = [d["id"] for d in own]
    found: dict[str, Resource] = {}
    for start in range(0, len(ids), 500):
        found.update((r.id, r) for r in session.scalars(
            select(Resource).where(Resource.package_id.in_(ids[start:start + 500]))
            .options(selectinload(Resource.versions), selectinload(Resource.datastore))))
    for doc in own:
        doc["resources"] = [resource_dict(found[r["id"]], site_url, raw=True)
                            if r.get("id") in found else r for r in doc.get("resources", [])]
    return docs
