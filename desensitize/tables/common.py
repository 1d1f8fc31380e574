"""What every reader shares: column naming, issue bookkeeping, open/close.

Column names (`unique_columns`): surrounding whitespace and BOMs are stripped,
inner runs of whitespace (a header cell with a line break) become one space,
an empty name becomes `column_N` (N = 1-based position), and a repeated name
gets `_2`, `_3`... Repeats are compared case-insensitively, because SQLite
column names are: "Name" and "name" become "Name" and "name_2".

`rows()` may be called more than once: each call reads the file again from the
first data row and starts `issues` afresh, so a consumer can make one pass for
type inference and a second one to load.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import suppress
from pathlib import Path
from types import TracebackType

from desensitize.tables import Limits, RowIssue, TableError, TableInfo

_SPACE = re.compile(r"\s+")


def unique_columns(raw: list[str | None], limits: Limits, source: str) -> list[str]:
    """Header cells -> unique, non-empty column names (see the module docstring)."""
    if len(raw) > limits.max_columns:
        raise TableError(f"{source} has {len(raw)} columns; at most {limits.max_columns} "
                         "are allowed")
    names: list[str] = []
    taken: set[str] = set()
    for position, cell in enumerate(raw, start=1):
        name = _SPACE.sub(" ", (cell or "").replace("\ufeff", "")).strip()
        if len(name) > limits.max_header_chars:
            raise TableError(f"{source}: the name of column {position} is {len(name)} "
                             f"characters long; at most {limits.max_header_chars} are allowed "
                             "(is the first row really a header?)")
        base = name or f"column_{position}"
        name, suffix = base, 1
        while name.casefold() in taken:
            suffix += 1
            name = f"{base}_{suffix}"
        taken.add(name.casefold())
        names.append(name)
    return names


class IssueLog:
    """Keeps the first `limit` issues, then counts the rest."""

    def __init__(self, issues: list[RowIssue], limit: int) -> None:
        self.issues = issues
        self.limit = limit
        self.dropped = 0

    def add(self, row: int, line: int | None, message: str) -> None:
        if len(self.issues) < self.limit:
            self.issues.append(RowIssue(row, line, message))
        else:
            self.dropped += 1

    def finish(self, rows: int) -> None:
        """Called when the reading ends: one issue stands for the ones not kept."""
        if self.dropped:
            self.issues.append(RowIssue(rows, None, f"{self.dropped} more rows had problems "
                                        f"(only the first {self.limit} are listed)"))
            self.dropped = 0


class BaseTable:
    """Open/close plumbing; a reader implements `_read()`, a generator of rows."""

    info: TableInfo

    def __init__(self, path: Path, limits: Limits) -> None:
        self.path = path
        self.limits = limits
        self.issues: list[RowIssue] = []
        # Text above the header the reader skipped (a CSV's preface and "#" lines, an
        # XLSX sheet's title rows), one string per record: never a row, never released.
        self.preface: list[str] = []
        # Called with (0-based data row, the non-empty cells past the header's width)
        # when a reader cuts a long row, before the row is yielded (apply scans them).
        self.overflow: Callable[[int, list[str]], None] | None = None
        # Called with (0-based data row, the texts in it) for what a reader read and made
        # no row of (a JSON item that is not an object), so apply can scan it.
        self.skipped: Callable[[int, list[str]], None] | None = None
        self._live: list[Iterator[list[str | None]]] = []
        self._closed = False

    @property
    def source(self) -> str:
        """How messages name the file."""
        return self.path.name

    def rows(self) -> Iterator[list[str | None]]:
        if self._closed:
            raise TableError(f"{self.source}: the table is closed")
        self.issues.clear()
        log = IssueLog(self.issues, self.limits.max_issues)
        generator = self._read(log)
        self._live.append(generator)
        return generator

    def _read(self, log: IssueLog) -> Iterator[list[str | None]]:
        raise NotImplementedError  # pragma: no cover

    def close(self) -> None:
        for generator in self._live:
            # Closing runs the readers' `with` blocks. ValueError: the generator is being
            # read in another thread right now; its file closes when that reading ends.
            with suppress(ValueError):
                generator.close()  # type: ignore[attr-defined]
        self._live.clear()
        self._closed = True

    def __enter__(self) -> BaseTable:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
