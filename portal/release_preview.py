"""The first rows of a released (treated) file, for the review page: the reviewer sees
what the public will get, beside what the catalog's data items declare (issue 13:
one treatment, two views — the report's samples and this preview are cut from the
same released file)."""

from __future__ import annotations

import os
import tempfile
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desensitize.tables import TableError, open_table

if TYPE_CHECKING:
    from portal.blobs import BlobStore

PREVIEW_ROWS = 5
CELL_CHARS = 80
TABLE_FORMATS = ("csv", "tsv", "xlsx", "json", "ndjson")


def _cut(value: str | None) -> str:
    text = value or ""
    return text if len(text) <= CELL_CHARS else text[:CELL_CHARS - 1] + "…"


def released_preview(blobs: BlobStore, sha256: str | None, format: str | None,
                     rows: int = PREVIEW_ROWS) -> dict[str, Any] | None:
    """{"columns": [...], "rows": [[...]]} of the released file, or None when there is
    none or it cannot be read (the review still shows the report)."""
    if not sha256 or not blobs.exists(sha256):
        return None
    if format == "text":
        with blobs.open(sha256) as stream:
            lines = [_cut(line.decode("utf-8", "replace").rstrip("\r\n"))
                     for line in islice(stream, rows)]
        return {"columns": [], "rows": [[line] for line in lines]}
    if format not in TABLE_FORMATS:
        return None
    with tempfile.TemporaryDirectory(prefix="preview-") as work:
        # The readers pick the format by the name; the blob store's names have none.
        path = Path(work) / f"released.{format}"
        os.symlink(blobs.path(sha256), path)
        try:
            with open_table(path, format=format) as table:
                return {"columns": list(table.info.columns),
                        "rows": [[_cut(c) for c in row] for row in islice(table.rows(), rows)]}
        except (TableError, OSError, ValueError):
            return None
