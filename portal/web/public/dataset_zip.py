"""A catalog entry's resources as one zip: /dataset/ID/download.zip.

The archive holds the files the visitor may download under the names package_show
gives them (for the public: the released, treated files named after their
resources; for the department and the bureau: the uploads as uploaded) and a
README.txt naming the entry, its page and its links (which are not
fetched: they point elsewhere). package_show decides what the visitor may
see, so the archive never holds more than the entry's page shows.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any, BinaryIO

from flask import Blueprint, stream_with_context, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from portal.core.errors import NotAuthorized, NotFound
from portal.web.public.datasets import api_base
from portal.web.public.downloads import content_disposition, upload_filename
from portal.web.support.calls import call, portal, show_or_404
from portal.web.support.filters import BEIJING, parse_time, safe_url
from portal.web.support.zipstream import Member, stream_zip

log = logging.getLogger(__name__)

bp = Blueprint("dataset_zip", __name__)

README = "README.txt"


def _safe_name(name: str) -> str:
    """A member name that stays inside the folder it is unpacked to."""
    cleaned = name.replace("\\", "_").replace("/", "_").replace("\x00", "").strip()
    return cleaned.lstrip(".") or "file"


def _unique(name: str, taken: set[str]) -> str:
    stem, dot, ext = name.rpartition(".")
    if not stem:
        stem, dot, ext = name, "", ""
    candidate, n = name, 1
    while candidate.casefold() in taken:
        n += 1
        candidate = f"{stem} ({n}){dot}{ext}"
    taken.add(candidate.casefold())
    return candidate


def _modified(res: dict[str, Any]) -> datetime:
    """Zip times are local wall-clock times; the portal shows Beijing time."""
    parsed = parse_time(res.get("last_modified") or res.get("created") or "")
    if parsed is None:
        return datetime(1980, 1, 1)
    return max(parsed.astimezone(BEIJING).replace(tzinfo=None), datetime(1980, 1, 1))


def _opener(sha: str) -> Callable[[], BinaryIO]:
    return lambda: portal().blobs.open(sha)


def _granted_sha(rid: str) -> str | None:
    """The file resource_download gives the visitor (the released one for the public)."""
    try:
        return str(call("resource_download", {"id": rid})["sha256"] or "") or None
    except (NotAuthorized, NotFound):
        return None


def _readme(pkg: dict[str, Any], files: list[tuple[str, dict[str, Any]]],
            links: list[dict[str, Any]], missing: list[dict[str, Any]],
            withheld: list[dict[str, Any]]) -> bytes:
    page = api_base() + url_for("dataset.read", id=pkg["name"])
    lines = [pkg.get("title") or pkg["name"], page, ""]
    if pkg.get("license_title"):
        lines += [_("Licence: %(licence)s", licence=pkg["license_title"]), ""]
    lines.append(_("Files in this archive:"))
    lines += [f"  {name}  ({res.get('name') or name})" for name, res in files] or [
        "  " + _("(none)")]
    if links:
        lines += ["", _("Links (not included; open them online):")]
        lines += [f"  {res.get('name') or res['url']}: {safe_url(res.get('url')) or res.get('url')}"
                  for res in links]
    if missing:
        lines += ["", _("Files that could not be included (ask the provider):")]
        lines += [f"  {res.get('name') or res['id']}" for res in missing]
    if withheld:
        lines += ["", _("Files not open to you (apply for access on the dataset page):")]
        lines += [f"  {res.get('name') or res['id']}" for res in withheld]
    # CRLF and a BOM: Notepad on older Windows opens it as UTF-8 only with one.
    return "\ufeff".encode() + ("\r\n".join(lines) + "\r\n").encode("utf-8")


def plan(pkg: dict[str, Any]) -> list[Member]:
    """The archive's members: README.txt first, then each uploaded file in page order."""
    blobs = portal().blobs
    taken = {README.casefold()}
    files: list[tuple[str, dict[str, Any]]] = []
    members: list[Member] = []
    links: list[dict[str, Any]] = []
    missing: list[dict[str, Any]] = []
    withheld: list[dict[str, Any]] = []
    for res in pkg.get("resources") or []:
        if res.get("url_type") != "upload":
            links.append(res)
            continue
        sha = _granted_sha(res["id"])
        if sha is None:
            withheld.append(res)
        elif not blobs.exists(sha):
            log.error("resource %s points to missing blob %r", res["id"], sha)
            missing.append(res)
        else:
            name = _unique(_safe_name(upload_filename(res)), taken)
            files.append((name, res))
            members.append(Member(name, _modified(res), blobs.path(sha).stat().st_size,
                                  _opener(sha)))
    readme = _readme(pkg, files, links, missing, withheld)
    now = datetime.now(BEIJING).replace(tzinfo=None)
    return [Member(README, now, len(readme), lambda: io.BytesIO(readme)), *members]


@bp.route("/dataset/<id>/download.zip")
def download_zip(id: str) -> Response:
    pkg = show_or_404("package_show", {"id": id})
    members = plan(pkg)
    response = Response(stream_with_context(stream_zip(members)), mimetype="application/zip",
                        direct_passthrough=True)
    response.headers["Content-Disposition"] = content_disposition(
        f"{pkg.get('title') or pkg['name']}.zip")
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
