"""Resource versions: every distinct file uploaded to a resource is kept.

Blobs are content-addressed and never overwritten, so a version is just a row
naming the blob that was current after an upload. Replacing a file adds a
version; uploading the file the resource already holds does not. Versions are
numbered per resource from 1; write actions are serialised by the audit-head
lock, so `max + 1` cannot be taken twice (the unique constraint would refuse it
if it were).
"""

from __future__ import annotations

from portal.core.context import Context
from portal.models import Resource
from portal.models.base import utcnow
from portal.models.catalog import ResourceVersion


def record_version(ctx: Context, res: Resource, sha256: str, size: int, filename: str,
                   mimetype: str) -> ResourceVersion | None:
    """Add a version for a freshly uploaded blob; None when it is the file already held."""
    latest = res.versions[-1] if res.versions else None
    if latest is not None and latest.blob_sha256 == sha256:
        return None
    version = ResourceVersion(
        version=(latest.version if latest else 0) + 1,
        blob_sha256=sha256,
        size=size,
        filename=filename[:300],
        mimetype=mimetype[:100],
        created=utcnow(),
        creator=ctx.actor[:100],
    )
    res.versions.append(version)
    return version
