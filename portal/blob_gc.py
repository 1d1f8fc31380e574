"""Removing blobs that no record references.

An upload is stored before the row that names it is written (the row must
never point to a partial file), so a failed transaction can leave a blob
behind. `Portal.call` records the blobs an action stores and hands them here
once the transaction has ended, committed or not.

Concurrency: two calls may store the same content, one failing while the other
commits. Every write action takes the audit-head lock before it runs, so a
blob is only ever stored by a transaction that holds that lock. The check
below takes the same lock in a transaction of its own: while it holds it, no
other call is between storing a blob and committing, and a blob that no
committed row references is garbage on both SQLite and PostgreSQL.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from sqlalchemy import select, union
from sqlalchemy.orm import Session, sessionmaker

from portal import audit
from portal.blobs import BlobStore
from portal.models import Resource, ResourceRelease, ResourceVersion

log = logging.getLogger(__name__)

# Every column that names a blob. A new kind of record that keeps files adds its column here.
REFERENCES = (Resource.blob_sha256, ResourceVersion.blob_sha256, ResourceRelease.treated_sha256)


def referenced(session: Session, shas: Iterable[str]) -> set[str]:
    wanted = sorted(set(shas))
    if not wanted:
        return set()
    query = union(*(select(column).where(column.in_(wanted)) for column in REFERENCES))
    return set(session.scalars(query))


def remove_unreferenced(session: Session, blobs: BlobStore, shas: Iterable[str]) -> list[str]:
    """Delete those of `shas` that no row references. The session must hold the write lock."""
    candidates = set(shas)
    keep = referenced(session, candidates)
    removed = sorted(sha for sha in candidates - keep if blobs.remove(sha))
    for sha in removed:
        log.info("removed blob %s: no record references it", sha)
    return removed


def collect(session_factory: sessionmaker[Session], blobs: BlobStore,
            shas: Iterable[str]) -> list[str]:
    """After a call: remove the blobs it stored that ended up unreferenced.

    Never raises: a committed action must not turn into an error because the
    tidying after it failed, and a failed one must keep its own error.
    """
    candidates = set(shas)
    if not candidates:
        return []
    try:
        with session_factory() as session, session.begin():
            audit.lock_head(session)
            return remove_unreferenced(session, blobs, candidates)
    except Exception:
        log.exception("could not check blobs %s for references; they are kept",
                      sorted(candidates))
        return []
