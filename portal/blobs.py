"""Content-addressed file store: blobs/<aa>/<bb>/<sha256>.

A file is streamed to a temporary file in the same folder tree while its hash
is computed, then renamed into place atomically, so no path ever holds a
partial file. Identical uploads share one blob.

A blob becomes garbage when the transaction that was to reference it fails;
`recording()` lists the blobs written while it is open (per thread, through a
context variable), so the caller can remove those no row references (see
portal/blob_gc.py). Temporary files left by a process that died mid-upload
are swept by `sweep_tmp`. Folders are made 0700 and files 0600 (mkstemp's mode,
kept by the rename): blobs hold departments' raw files.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from portal.settings import private_dir

CHUNK = 1024 * 1024
TMP_PREFIX = "upload-"

# The blobs written by the current thread's open recording(), if any.
_written: ContextVar[list[str] | None] = ContextVar("blobs_written", default=None)


class BlobTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"file is larger than the limit of {limit} bytes")
        self.limit = limit


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    size: int


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:4] / sha256

    @property
    def tmp_dir(self) -> Path:
        return self.root / "tmp"

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    @contextmanager
    def recording(self) -> Iterator[list[str]]:
        """Collect the sha256 of every blob this thread stores until the block ends."""
        written: list[str] = []
        token = _written.set(written)
        try:
            yield written
        finally:
            _written.reset(token)

    def put(self, stream: BinaryIO, max_bytes: int | None = None) -> StoredBlob:
        tmp_dir = self.tmp_dir
        private_dir(tmp_dir)
        digest = hashlib.sha256()
        size = 0
        fd, tmp_name = tempfile.mkstemp(dir=tmp_dir, prefix=TMP_PREFIX)
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if max_bytes is not None and size > max_bytes:
                        raise BlobTooLarge(max_bytes)
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            sha = digest.hexdigest()
            final = self.path(sha)
            private_dir(final.parent)
            os.replace(tmp_name, final)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        written = _written.get()
        if written is not None:
            written.append(sha)
        return StoredBlob(sha, size)

    def open(self, sha256: str) -> BinaryIO:
        return self.path(sha256).open("rb")

    def remove(self, sha256: str) -> bool:
        """Delete a blob; the caller has made sure nothing references it."""
        # The <aa>/<bb> folders stay: removing one could race a put() that has
        # just made it and is about to rename its file into it.
        try:
            self.path(sha256).unlink()
        except FileNotFoundError:
            return False
        return True

    def sweep_tmp(self, max_age: float = 3600.0) -> list[Path]:
        """Remove temporary files older than max_age seconds: uploads of a process that died.

        Younger files may belong to an upload still running in another process.
        """
        if not self.tmp_dir.is_dir():
            return []
        cutoff = time.time() - max_age
        removed = []
        for entry in self.tmp_dir.iterdir():
            try:
                if entry.is_file() and entry.stat().st_mtime < cutoff:
                    entry.unlink()
                    removed.append(entry)
            except FileNotFoundError:
                continue  # another process swept it first
        return removed
