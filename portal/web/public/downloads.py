"""Resource downloads: uploaded files streamed from the blob store, links redirected.

Permission is the actions' business: resource_show refuses what the visitor may
not see, and we answer 404 for that as for a resource that does not exist.
"""

from __future__ import annotations

import logging
import mimetypes
import unicodedata
from typing import Any
from urllib.parse import quote, unquote

from flask import Blueprint, abort, redirect, request
from werkzeug.exceptions import RequestedRangeNotSatisfiable
from werkzeug.wrappers import Response
from werkzeug.wsgi import wrap_file

from portal.core.errors import NotAuthorized
from portal.web.support.calls import call, portal, show_or_404
from portal.web.support.filters import safe_url

log = logging.getLogger(__name__)

bp = Blueprint("download", __name__)


def content_disposition(filename: str) -> str:
    """attachment with an ASCII fallback and the real (Chinese) name per RFC 5987/6266."""
    stem, dot, ext = filename.rpartition(".")
    fallback = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    fallback = "".join(c for c in fallback if c.isprintable() and c not in '"\\;').strip()
    if not fallback or fallback.startswith("."):
        fallback = "download" + (dot + ext if stem and ext.isascii() else "")
    quoted = quote(filename, safe="!#$&+-.^_`|~")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quoted}"


def _resource(id: str, rid: str) -> dict[str, Any]:
    res = show_or_404("resource_show", {"id": rid})
    if id != res["package_id"]:
        # The page links by dataset name; make sure the resource is that dataset's.
        pkg = show_or_404("package_show", {"id": id})
        if pkg["id"] != res["package_id"]:
            abort(404)
    return res


def upload_filename(res: dict[str, Any]) -> str:
    # An upload's URL ends with the name the file was uploaded under.
    name = unquote(str(res.get("url") or "").rsplit("/", 1)[-1])
    return name or str(res.get("name") or res["id"])


def _send_blob(sha: str, name: str, mimetype: str | None) -> Any:
    """Stream a stored file with Range and ETag support (the ETag is its sha256)."""
    blobs = portal().blobs
    if not sha or not blobs.exists(sha):
        log.error("a download points to missing blob %r", sha)
        abort(404)
    mimetype = mimetype or mimetypes.guess_type(name)[0] or "application/octet-stream"
    size = blobs.path(sha).stat().st_size
    # content_type, not mimetype: Werkzeug would add "charset=utf-8" to text/csv,
    # and many county files are GBK.
    response = Response(wrap_file(request.environ, blobs.open(sha)), content_type=mimetype,
                        direct_passthrough=True)
    response.content_length = size
    response.headers["Content-Disposition"] = content_disposition(name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.set_etag(sha)
    try:
        return response.make_conditional(request, accept_ranges=True, complete_length=size)
    except RequestedRangeNotSatisfiable:
        response.close()
        raise


def granted_file(rid: str, version: str | None = None) -> dict[str, Any]:
    """What resource_download gives the visitor: 404 for an unknown or hidden resource,
    403 with the reason when the entry is visible but its data is not for them."""
    params = {"id": rid, **({"version": version} if version else {})}
    try:
        return call("resource_download", params)
    except NotAuthorized as exc:  # the reason says how to get the data (apply, ask for a share)
        abort(403, description=str(exc))


@bp.route("/dataset/<id>/resource/<rid>/download")
@bp.route("/dataset/<id>/resource/<rid>/download/<path:filename>")
def download(id: str, rid: str, filename: str = "") -> Any:
    _resource(id, rid)
    got = granted_file(rid)
    if got.get("url_type") != "upload":
        target = safe_url(got.get("url"))
        if not target:
            abort(404)
        return redirect(target, code=302)
    return _send_blob(str(got["sha256"]), got["filename"], got.get("mimetype"))


@bp.route("/dataset/<id>/resource/<rid>/version/<sha>/download")
@bp.route("/dataset/<id>/resource/<rid>/version/<sha>/download/<path:filename>")
def version_download(id: str, rid: str, sha: str, filename: str = "") -> Any:
    """An earlier (or the current) file of a resource, found by its sha256.

    Only the hashes listed in the resource's versions are served, and only to
    the entry's department and the bureau (earlier files are raw files): a hash
    of another resource's file is 404 here, whatever the blob store holds.
    """
    _resource(id, rid)
    got = granted_file(rid, sha)
    return _send_blob(str(got["sha256"]), got["filename"], got.get("mimetype"))
