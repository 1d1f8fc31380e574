"""XLSX, streamed with openpyxl's read-only mode (values only).

- The container is checked first (`xlsx_zip.check_container`: zip bombs, not a
  zip at all); openpyxl's own failures become TableErrors too.
- Sheet: by name or 0-based index, the first by default; `info.sheets` lists
  every sheet.
- Header: leading blank rows are skipped, and so are title rows, a row with a
  single filled cell (typically "2023年某某县低保发放表" merged across the table)
  followed by a row with more. A header cell merged across columns ("基本信息"
  over 姓名/性别/年龄) means the header has a second row below it; a cell merged
  down (序号 over two rows) extends the header too; up to four header rows.
  Each column's name joins its header cells from the top, a merged value
  counting for every cell it covers and a value repeated by a vertical merge
  counted once: "序号", "基本信息_姓名", "基本信息_性别".
- Data: blank rows are skipped. A merged range below the header (a town merged
  down over its villages) gives its value to every row it spans, in its first
  column; its other columns stay empty (filling them would put a label into
  columns of numbers). Cells past the header's width are cut and reported.
- Values as text: integers without ".0" (a float with an integral value below
  2**53 too), other floats by repr, dates and datetimes in ISO 8601 (the date
  alone when the time is midnight), times as HH:MM:SS, booleans "true"/"false".
- RowIssue.line is the sheet's row number, as Excel shows it.
- `table.preface`: the title rows skipped above the header; `table.overflow`
  gets the non-empty cells cut past the header's width; `other_sheets()` yields
  every other sheet's state (visible, hidden, veryHidden) and cell texts, so a
  caller releasing one sheet can account for the rest.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from desensitize.tables import Limits, TableError, TableInfo
from desensitize.tables.common import BaseTable, IssueLog, unique_columns
from desensitize.tables.xlsx_zip import check_container, merged_ranges

MAX_TITLE_ROWS = 5
MAX_HEADER_ROWS = 4
_HEAD_ROWS = 20  # rows looked at to find the header
_EXACT_FLOAT = 2.0**53

Merge = tuple[int, int, int, int]  # min_row, min_col, max_row, max_col (1-based)


def cell_text(value: Any) -> str | None:
    """One cell's value as the text every reader gives (see the module docstring)."""
    if value is None:
        return None
    kind = type(value)
    if kind is str:
        return value or None
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    if kind is float:
        if value.is_integer() and abs(value) < _EXACT_FLOAT:
            return str(int(value))
        return repr(value)
    if kind is datetime:
        if value.time() == time.min:
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value) or None


class XlsxTable(BaseTable):
    def __init__(self, path: Path, *, sheet: str | int | None, limits: Limits) -> None:
        super().__init__(path, limits)
        check_container(path, limits)
        from openpyxl import load_workbook

        # A file object, not the path: openpyxl refuses names without an Excel extension,
        # and resource files are stored under their hash.
        self._file = path.open("rb")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # openpyxl warns about styles it skips
                self._book = load_workbook(self._file, read_only=True, data_only=True)
        except Exception as error:  # openpyxl raises anything from KeyError to XML errors
            self._file.close()
            raise TableError(f"{self.source} is not a readable .xlsx workbook "
                             f"({type(error).__name__}: {error})") from None
        try:
            self._setup(sheet)
        except BaseException:
            self._book.close()
            self._file.close()
            raise

    def _setup(self, sheet: str | int | None) -> None:
        names = list(self._book.sheetnames)
        title = self._pick(names, sheet)
        self._sheet = self._book[title]
        if not hasattr(self._sheet, "iter_rows"):
            raise TableError(f"{self.source}: the sheet {title!r} is a chart, not a table")
        self._sheet.reset_dimensions()  # the declared size is often wrong; read what is there
        part = getattr(self._sheet, "_worksheet_path", None)
        merges = merged_ranges(self.path, part) if part else []
        first_rows = self._values()
        try:
            head = [list(r) for _, r in zip(range(_HEAD_ROWS), first_rows, strict=False)]
        finally:
            first_rows.close()
        start, depth = _header_rows(head, merges, self.source)
        for values in head[:start - 1]:
            texts = [t for t in map(cell_text, values) if t]
            if texts:
                self.preface.append(" ".join(texts))
        header = _header_names(head, merges, start, depth)
        self._data_start = start + depth  # 1-based sheet row of the first data row
        self._merges = [m for m in merges if m[0] >= self._data_start]
        self.info = TableInfo(format="xlsx", columns=unique_columns(header, self.limits,
                                                                    self.source),
                              sheet=title, sheets=names)

    def _pick(self, names: list[str], sheet: str | int | None) -> str:
        if not names:
            raise TableError(f"{self.source} has no sheets")
        if sheet is None:
            return names[0]
        if isinstance(sheet, int):
            if 0 <= sheet < len(names):
                return names[sheet]
            raise TableError(f"{self.source} has {len(names)} sheets; there is no sheet "
                             f"number {sheet} (counting from 0)")
        if sheet in names:
            return sheet
        raise TableError(f"{self.source} has no sheet named {sheet!r}; its sheets are "
                         + ", ".join(repr(n) for n in names))

    def _values(self) -> Iterator[tuple[Any, ...]]:
        try:
            yield from self._sheet.iter_rows(min_row=1, min_col=1, values_only=True)
        except TableError:
            raise
        except Exception as error:
            raise TableError(f"{self.source}: the sheet {self._sheet.title!r} cannot be read "
                             f"({type(error).__name__}: {error})") from None

    def _read(self, log: IssueLog) -> Iterator[list[str | None]]:
        ncols = len(self.info.columns)
        fills = _Fills(self._merges)
        row = 0
        for number, values in enumerate(self._values(), start=1):
            if number < self._data_start:
                continue
            cells = [cell_text(v) for v in values[:ncols]]
            if not any(cells):
                continue  # blank, even inside a merged range: nothing of its own
            if len(cells) < ncols:
                cells.extend([None] * (ncols - len(cells)))
            if fills.active or number in fills.starts:
                fills.apply(number, cells, values)
            if len(values) > ncols:
                extra = [t for t in map(cell_text, values[ncols:]) if t]
                if extra:
                    if self.overflow is not None:
                        self.overflow(row, extra)
                    shown = ", ".join(repr(t[:40]) for t in extra[:3])
                    log.add(row, number, f"cells past the header's {ncols} columns were "
                                         f"dropped: {shown}")
            yield cells
            row += 1
        log.finish(row)

    def other_sheets(self) -> Iterator[tuple[str, str, Iterator[str]]]:
        """(name, state, its non-empty cell texts) for every sheet but the one read; a
        chart sheet yields no texts."""
        for name in self._book.sheetnames:
            if name == self.info.sheet:
                continue
            sheet = self._book[name]
            state = getattr(sheet, "sheet_state", "visible") or "visible"
            yield name, state, self._texts(sheet)

    def _texts(self, sheet: Any) -> Iterator[str]:
        if not hasattr(sheet, "iter_rows"):
            return
        try:
            sheet.reset_dimensions()
            for values in sheet.iter_rows(values_only=True):
                for value in values:
                    text = cell_text(value)
                    if text:
                        yield text
        except Exception as error:
            raise TableError(f"{self.source}: the sheet {sheet.title!r} cannot be read "
                             f"({type(error).__name__}: {error})") from None

    def close(self) -> None:
        super().close()
        self._book.close()
        self._file.close()


class _Fills:
    """Merged ranges below the header: their value goes down their first column."""

    def __init__(self, merges: list[Merge]) -> None:
        self.starts: dict[int, list[Merge]] = {}
        for merge in merges:
            if merge[2] > merge[0]:  # spans rows
                self.starts.setdefault(merge[0], []).append(merge)
        self.active: list[tuple[int, int, str | None]] = []  # (column, last row, value)

    def apply(self, number: int, cells: list[str | None], values: tuple[Any, ...]) -> None:
        for _, min_col, max_row, _ in self.starts.pop(number, ()):
            value = cell_text(values[min_col - 1]) if min_col <= len(values) else None
            self.active.append((min_col, max_row, value))
        self.active = [a for a in self.active if a[1] >= number]
        for column, _, value in self.active:
            if column <= len(cells) and cells[column - 1] is None:  # past the header: cut
                cells[column - 1] = value


def _filled(row: list[Any]) -> list[int]:
    return [i for i, v in enumerate(row, start=1) if cell_text(v) is not None]


def _header_rows(head: list[list[Any]], merges: list[Merge], source: str) -> tuple[int, int]:
    """(first header row, number of header rows), 1-based."""
    start, titles = 1, 0
    while start <= len(head):
        filled = _filled(head[start - 1])
        if not filled:
            start += 1
            continue
        following = next((r for r in head[start:] if _filled(r)), None)
        if (len(filled) == 1 and titles < MAX_TITLE_ROWS and following is not None
                and len(_filled(following)) > 1):
            start, titles = start + 1, titles + 1
            continue
        break
    if start > len(head):
        raise TableError(f"{source}: the sheet is empty (no header row in its first "
                         f"{_HEAD_ROWS} rows)")
    depth = 1
    while depth < MAX_HEADER_ROWS:
        last = start + depth - 1
        grows = any(
            (start <= r1 <= last and r2 > last) or (r1 == last and c2 > c1)
            for r1, c1, r2, c2 in merges
        )
        if not grows:
            break
        depth += 1
    return start, depth


def _header_names(head: list[list[Any]], merges: list[Merge], start: int,
                  depth: int) -> list[str | None]:
    rows = [list(head[r - 1]) if r <= len(head) else [] for r in range(start, start + depth)]
    # The table is as wide as the rightmost filled cell near the top; a merge may
    # widen the header up to there, not further (a whole-row merge spans 16,384).
    widest = max((f[-1] for f in map(_filled, head) if f), default=0)
    width = max((len(r) for r in rows), default=0)
    for r1, _, _, c2 in merges:
        if start <= r1 < start + depth:
            width = max(width, min(c2, widest))
    grid = [[cell_text(v) for v in r] + [None] * (width - len(r)) for r in rows]
    for r1, c1, r2, c2 in merges:  # a merged value counts for every cell it covers
        if r1 < start or r1 >= start + depth or c1 > width:
            continue
        value = grid[r1 - start][c1 - 1]
        for r in range(r1, min(r2, start + depth - 1) + 1):
            for c in range(c1, min(c2, width) + 1):
                grid[r - start][c - 1] = value
    names: list[str | None] = []
    for c in range(width):
        parts: list[str] = []
        for r in range(depth):
            part = grid[r][c]
            if part and (not parts or parts[-1] != part):
                parts.append(part.strip())
        names.append("_".join(p for p in parts if p) or None)
    while names and names[-1] is None:  # trailing blank columns are not columns
        names.pop()
    return names
