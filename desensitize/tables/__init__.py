"""One table reader for the datastore loader, the desensitization scanner and
the spreadsheet harvester (DESIGN.md: "write it once, in desensitize/").

    from desensitize.tables import open_table, TableError

    with open_table(path) as table:          # format, encoding, delimiter detected
        print(table.info.columns)
        for row in table.rows():             # list[str | None], len == len(columns)
            ...
        table.issues                         # ragged rows etc., filled while reading
        table.preface                        # text above the header (skipped, not rows)
        table.overflow = callback            # (row, cells cut past the header's width)

Rows stream: memory does not grow with the file. Every cell comes out as text
(or None for an empty cell) whatever the format, so type inference
(`desensitize.tables.types`) treats CSV, XLSX and JSON alike.

`rows()` may be called again: each call reads the file from its first data row
and starts `issues` afresh (a loader can infer types in one pass and insert in
a second). `issues` keeps the first `Limits.max_issues` problems and then one
issue counting the rest. `RowIssue.line` is the physical line of a text file
and the sheet's row number in an XLSX file. Blank lines and blank sheet rows
are skipped, not reported.

Readers: `csv_reader` (CSV/TSV), `xlsx_reader` (+ `xlsx_zip`), `json_reader`
(JSON arrays, NDJSON); `encoding` detects text encodings, `opening` picks the
reader, `types` infers column types. Each module's docstring states its rules.

This module holds the contract; the readers live beside it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Protocol

FORMATS = ("csv", "tsv", "xlsx", "json", "ndjson")


class TableError(Exception):
    """The file cannot be read as a table; the message names the problem for a person."""


@dataclass(frozen=True)
class Limits:
    """Refuse what would exhaust the machine or the database, with a clear TableError."""

    max_columns: int = 1000  # PostgreSQL allows 1600 columns, SQLite 2000
    max_cell_chars: int = 1_000_000
    max_header_chars: int = 200
    # XLSX is a zip: refuse archives whose parts inflate past this (zip bombs).
    max_xlsx_uncompressed_bytes: int = 2 * 1024**3
    max_xlsx_compression_ratio: int = 200
    # Issues kept in `Table.issues`; past this, one closing issue counts the rest
    # (a file where every row is ragged must not hold millions of issues in memory).
    max_issues: int = 1000


@dataclass(frozen=True)
class RowIssue:
    """Something wrong with one row that did not stop the read (reported, never dropped)."""

    row: int  # 0-based data row (header excluded)
    line: int | None  # 1-based physical line in a text file, when known
    message: str


@dataclass(frozen=True)
class TableInfo:
    format: str  # one of FORMATS
    columns: list[str]  # unique, non-empty header names (duplicates get _2, _3...)
    encoding: str | None = None  # text formats: the detected or given encoding
    delimiter: str | None = None  # csv/tsv
    sheet: str | None = None  # xlsx: the sheet read
    sheets: list[str] = field(default_factory=list)  # xlsx: every sheet in the workbook


class Table(Protocol):
    info: TableInfo
    issues: list[RowIssue]

    def rows(self) -> Iterator[list[str | None]]: ...

    def close(self) -> None: ...

    def __enter__(self) -> Table: ...

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None: ...


def open_table(path: str | Path, *, format: str | None = None, sheet: str | int | None = None,
               encoding: str | None = None, limits: Limits | None = None) -> Table:
    """Open a CSV/TSV, XLSX or JSON/NDJSON file as a table.

    `format` is guessed from the extension and then the content when not given;
    `sheet` picks an XLSX sheet by name or 0-based index (default: the first);
    `encoding` skips detection. Raises TableError for a file that is not a
    table (binary, truncated, empty, too many columns, a zip bomb...).
    """
    from desensitize.tables.opening import open_any

    return open_any(Path(path), format=format, sheet=sheet, encoding=encoding,
                    limits=limits or Limits())
