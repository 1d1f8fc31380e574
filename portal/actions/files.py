"""resource_download: which stored file a caller gets for a resource (portal/access.py).

The web download routes and the dataset ZIP serve what this returns; they never
read a resource's hash themselves, so the raw file of an opened entry cannot be
reached by its URL, its version list or its table.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import unquote

from portal import access
from portal.actions import lookup
from portal.actions.permissions import Target, authorize
from portal.actions.registry import action
from portal.core.context import Context
from portal.core.dictize import released_filename
from portal.core.errors import NotAuthorized, NotFound
from portal.core.validation import optional, reference, string


@action(read_only=True, schema={"id": [reference], "version": [optional, string(64)]})
def resource_download(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """The file the caller may download for a resource. Params: id, version (a sha256 of
    an earlier file: for the entry's own department and the bureau only). Returns
    url_type, url (links), sha256, size, filename, mimetype, file (raw or released), gate
    ("outside" for a link: the desensitization gate never saw what it points to).

    The released file is named as the public's resource dict names it
    (dictize.released_filename), never after the department's upload."""
    res = lookup.resource(ctx.session, params["id"])
    ds = res.dataset
    authorize(ctx, Target(dataset=ds))
    if res.state == "deleted":
        raise NotFound(f"Resource not found: {res.id}")
    granted = access.require(ctx, ds)
    out: dict[str, Any] = {"id": res.id, "package_id": ds.id, "url_type": res.url_type,
                           "url": res.url, "file": granted.file}
    name = unquote(os.path.basename(res.url or "")) or res.name or res.id
    if res.url_type != "upload":
        out.update(sha256=None, size=None, filename=name, mimetype=res.mimetype,
                   gate="outside")
    elif "version" in params:
        version = next((v for v in res.versions if v.blob_sha256 == params["version"].lower()),
                       None)
        if version is None or granted.file != access.RAW:
            # Earlier files are raw files: only their department and the bureau see them.
            raise NotFound(f"Version not found: {params['version']}")
        out.update(sha256=version.blob_sha256, size=version.size,
                   filename=version.filename or name, mimetype=version.mimetype)
    else:
        sha = res.blob_sha256 if granted.file == access.RAW else res.released_sha256
        size = res.size if granted.file == access.RAW else res.released_size
        if not sha:
            raise NotFound(f"No released file for resource {res.id}: the entry's files "
                           "have not passed publication review")
        if granted.fields:
            raise NotAuthorized(
                "the grant covers some fields only: read them through datastore_search")
        if granted.file != access.RAW:
            # A grant's recipient of a conditionally open entry: the file made for them.
            sha, size = access.released_file(ctx, granted, res)
        if granted.file != access.RAW:
            name = out["url"] = released_filename(res)
        out.update(sha256=sha, size=size, filename=name, mimetype=res.mimetype)
    access.record(ctx, granted, ds, res.id, "download")
    return out
