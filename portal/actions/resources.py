"""Resource actions: files and links of a catalog entry.

Uploads are streamed into the content-addressed blob store before the row is
written, so no record points to a missing or partial file; a blob whose
transaction fails is removed by Portal.call (portal/blob_gc.py). Each new file
becomes a version of its resource (resource_versions.py).
"""

from __future__ import annotations

import mimetypes
import os
from dataclasses import dataclass
from typing import Any, BinaryIO
from urllib.parse import quote, unquote

from portal import audit
from portal.actions import datastore_loads as datastore_status
from portal.actions import lookup, publication
from portal.actions.permissions import Target, authorize
from portal.actions.registry import action
from portal.actions.resource_versions import record_version
from portal.actions.upload_names import safe_filename
from portal.blobs import BlobTooLarge
from portal.core.context import Context
from portal.core.dictize import released_filename, resource_dict, sees_raw
from portal.core.errors import ValidationError
from portal.core.validation import (
    as_given,
    default,
    integer,
    link,
    optional,
    reference,
    string,
    validate,
)
from portal.models import Dataset, Resource
from portal.models.base import new_id, utcnow


@dataclass(frozen=True)
class Upload:
    """A file handed to an action: from a multipart form, the CLI or a harvester."""

    filename: str
    stream: BinaryIO


RESOURCE_SCHEMA = {
    "id": [optional, string(36)],
    "name": [default(""), string(300)],
    "description": [default(""), string(20_000)],
    "url": [default(""), link(1000)],
    "format": [default(""), string(50)],
    "mimetype": [default(""), string(100)],
    "size": [optional, integer(minimum=0)],
    "hash": [default(""), string(100)],
}

# resource_create and resource_update: the fields, and a file to store (an Upload, or
# what a multipart form or a client hands over). Other scalar keys are kept as extras.
CREATE_SCHEMA = {"package_id": [reference], **RESOURCE_SCHEMA, "upload": [as_given]}
UPDATE_SCHEMA = {**RESOURCE_SCHEMA, "id": [reference], "upload": [as_given]}

# Keys we compute or that CKAN computes; never stored as resource extras.
_COMPUTED = {
    "package_id", "url_type", "created", "last_modified", "metadata_modified", "position",
    "state", "datastore_active", "upload", "revision_id", "tracking_summary", "cache_url",
    "cache_last_updated", "clear_upload", "datastore_status", "datastore_error", "gate",
}  # mimetype_inner and resource_type are kept (as extras), as CKAN keeps them


def _extras(params: dict[str, Any]) -> dict[str, Any]:
    return {
        k: v for k, v in params.items()
        if k not in RESOURCE_SCHEMA and k not in _COMPUTED
        and isinstance(v, str | int | float | bool) and len(str(k)) <= 100
    }


def _guess_format(name: str) -> str:
    ext = os.path.splitext(name.split("?")[0])[1].lstrip(".").upper()
    return ext if ext and len(ext) <= 10 else ""


def _as_upload(value: Any) -> Upload | None:
    if value is None or isinstance(value, str | bytes):
        return None
    if not isinstance(value, Upload):
        filename = getattr(value, "filename", None) or getattr(value, "name", "") or "upload"
        value = Upload(str(filename), value)
    # Clients that copy a file from a portal (ckanapi load --upload-resources) name it
    # after the last segment of its download URL, which is percent-encoded; decoded, the
    # name is made harmless (no path, no control characters, a length limit).
    return Upload(safe_filename(unquote(value.filename)), value.stream)


def _is_own_download(url: str, res: Resource) -> bool:
    """Our own download URL echoed back (package_show -> package_update): as the
    department sees it (the uploaded file's name) or as the public does (dictize's
    released_filename)."""
    tail = f"/resource/{res.id}/download/"
    names = [res.url]
    if res.url_type == "upload":
        names.append(released_filename(res))
    return url == res.url or url.endswith(
        tuple(tail + form for name in names for form in (name, quote(name))))


# The file name becomes the resource's url (and name); file systems stop at 255.
MAX_FILENAME = 255


def store_upload(ctx: Context, upload: Upload) -> tuple[str, int]:
    if len(upload.filename) > MAX_FILENAME:
        # Checked before the file is stored: PostgreSQL refused the longer name at
        # flush (a 500 through portal.call) while SQLite kept it.
        raise ValidationError(
            {"upload": [f"The file name must be at most {MAX_FILENAME} characters long"]})
    limit = int(ctx.portal.settings.get("storage", "max_upload_bytes", 100 * 1024 * 1024))
    try:
        blob = ctx.portal.blobs.put(upload.stream, max_bytes=limit)
    except BlobTooLarge:
        raise ValidationError(
            {"upload": [f"File is larger than the upload limit of {limit} bytes"]}
        ) from None
    except OSError as exc:
        raise ValidationError({"upload": [f"The file could not be read: {exc.strerror}"]}) from None
    return blob.sha256, blob.size


def apply_resource(ctx: Context, res: Resource, params: dict[str, Any], *, partial: bool) -> None:
    """Set a resource's fields from params (all of them, or only those given when partial)."""
    schema = {k: v for k, v in RESOURCE_SCHEMA.items() if not partial or k in params}
    clean = validate(params, schema)
    clean.pop("id", None)
    url = clean.pop("url", None)
    upload = _as_upload(params.get("upload"))
    keeps_file = (upload is None and res.url_type == "upload"
                  and (url is None or _is_own_download(url, res)))
    if upload is not None or keeps_file:
        # An uploaded file's hash is computed from the file, and downloads find the
        # blob by it: a hash given by the client must not replace it (a patched hash
        # could point the download at another dataset's file).
        clean.pop("hash", None)
    for key, value in clean.items():
        setattr(res, key, value)
    if upload is not None:
        sha, size = store_upload(ctx, upload)
        res.blob_sha256, res.size, res.hash = sha, size, sha
        res.url_type, res.url = "upload", upload.filename
        res.name = res.name or upload.filename
        res.mimetype = clean.get("mimetype") or mimetypes.guess_type(upload.filename)[0] or ""
        res.format = clean.get("format") or _guess_format(upload.filename)
        record_version(ctx, res, sha, size, upload.filename, res.mimetype)
        datastore_status.file_changed(ctx, res)  # loaded (or dropped) once committed
    elif url is not None and not (res.url_type == "upload" and _is_own_download(url, res)):
        # A new URL replaces an uploaded file (CKAN's behaviour); our own
        # download URL echoed back by package_show -> package_update keeps it.
        res.url, res.url_type, res.blob_sha256 = url, "", None
    if not res.format and res.url:
        res.format = _guess_format(res.url)
    if not res.mimetype and res.url and res.url_type != "upload":
        res.mimetype = mimetypes.guess_type(res.url.split("?")[0])[0] or ""
    extras = _extras(params)
    res.extras = {**(res.extras or {}), **extras} if partial else extras
    res.last_modified = utcnow()


def new_resource(ctx: Context, ds: Dataset, params: dict[str, Any]) -> Resource:
    if not isinstance(params, dict):
        raise ValidationError({"resources": ["Each resource must be an object"]})
    rid = params.get("id")
    if rid and (not isinstance(rid, str) or "\x00" in rid or len(rid) > 36
                or ctx.session.get(Resource, rid) is not None):
        rid = None  # an id already taken (or not a string, or not one we could store) is not reused
    # state is set here, not left to the column default: the default only applies at
    # flush, so resources added in one call (package_create with several) all counted
    # zero active siblings and all got position 0.
    res = Resource(id=rid or new_id(), package_id=ds.id, created=utcnow(), state="active",
                   position=len([r for r in ds.resources if r.state == "active"]))
    apply_resource(ctx, res, params, partial=False)
    ds.resources.append(res)
    return res


def _editable_dataset(ctx: Context, package_id: str) -> Dataset:
    ds = lookup.dataset(ctx.session, package_id)
    authorize(ctx, Target(dataset=ds))
    return ds


def _touch(ds: Dataset) -> None:
    ds.metadata_modified = utcnow()


def _shown(ctx: Context, res: Resource) -> dict[str, Any]:
    """The resource as the caller may see it (dictize.resource_dict: raw for the entry's
    department and the bureau, the released file for everyone else)."""
    return resource_dict(res, ctx.portal.site_url,
                         raw=sees_raw(ctx.user, res.dataset.owner_org if res.dataset else None))


def _audit(ctx: Context, res: Resource, detail: dict[str, Any]) -> None:
    audit.append(ctx.session, actor=ctx.actor, action=ctx.action, object_type="resource",
                 object_id=res.id, detail={"package_id": res.package_id, **detail})


@action(read_only=True, schema={"id": [reference]})
def resource_show(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Return a resource. Params: id."""
    res = lookup.resource(ctx.session, params["id"])
    authorize(ctx, Target(dataset=res.dataset))
    return _shown(ctx, res)


@action(schema=CREATE_SCHEMA, other_keys=True)
def resource_create(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Add a resource to a dataset. Params: package_id, url or upload (multipart file),
    name, description, format, mimetype; other scalar keys are kept as extras."""
    ds = _editable_dataset(ctx, params["package_id"])
    res = new_resource(ctx, ds, params)
    _touch(ds)
    ctx.session.flush()
    _audit(ctx, res, {"name": res.name, "url_type": res.url_type, "hash": res.hash})
    publication.sync_releases(ctx, ds)
    return _shown(ctx, res)


def _update(ctx: Context, params: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    res = lookup.resource(ctx.session, params["id"])
    authorize(ctx, Target(dataset=res.dataset))
    before = res.hash
    apply_resource(ctx, res, params, partial=partial)
    _touch(res.dataset)
    ctx.session.flush()
    _audit(ctx, res, {"name": res.name, "hash": res.hash, "replaced_file": before != res.hash})
    publication.sync_releases(ctx, res.dataset)
    return _shown(ctx, res)


@action(schema=UPDATE_SCHEMA, other_keys=True)
def resource_update(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Replace a resource's fields (those not given are reset). Params: id, and as resource_create."""
    return _update(ctx, params, partial=False)


@action(schema={"id": [reference]}, other_keys=True)
def resource_patch(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Change only the given fields of a resource. Params: id, and any resource field (each
    checked as resource_create checks it)."""
    return _update(ctx, params, partial=True)


@action(schema={"id": [reference]})
def resource_delete(ctx: Context, params: dict[str, Any]) -> None:
    """Delete a resource (kept in the database as state=deleted). Params: id."""
    res = lookup.resource(ctx.session, params["id"])
    authorize(ctx, Target(dataset=res.dataset))
    res.state = "deleted"
    datastore_status.resource_deleted(ctx, res)
    for pos, other in enumerate(r for r in res.dataset.resources if r.state == "active"):
        other.position = pos
    _touch(res.dataset)
    _audit(ctx, res, {"name": res.name})
    return None
