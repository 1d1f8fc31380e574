"""CSV and TSV, streamed through the csv module.

- Encoding: `encoding.detect_encoding` (BOM, strict UTF-8, GB18030,
  charset-normalizer). The file is then decoded strictly; a line that does not
  decode is a TableError naming it ("mixed encodings"), never mojibake.
- Delimiter: `,` `\\t` `;` `|`. Each candidate parses the first 200 records of
  the first 64 KiB and the one whose records agree best with the header's width
  wins (ties: more columns). csv.Sniffer is not used: it guesses from
  character frequencies and gets quoted cells with delimiters inside and short
  files wrong; parsing is exact about what will actually be read. TSV (by
  extension or `format="tsv"`) is always tab-separated.
- Records: the csv module on a text stream opened with newline="", so quoted
  cells may hold line breaks. Blank lines are skipped.
- Header: the first non-blank record, unless a preface comes before it (exports
  often start with "填报单位：XX局 联系人：张三 ..." or "# 导出时间 ..." lines).
  Over the sniffed records the most common width is the table's width; records
  before the first one that looks like a header (`header_index`: more than half
  of that width filled, not a "#" line narrower than the table) are the preface,
  at most MAX_PREFACE of them. `table.preface` holds them (their non-empty cells
  joined by a space): they are not rows, and apply scans them and never releases
  them.
- Ragged rows: a short row is padded with None, a long one cut to the header's
  width; each is reported as a RowIssue with its first physical line, and the
  non-empty cells cut go to `table.overflow` (when set) before the row is yielded.
- A file that ends inside a quoted cell (truncated, or a quote never closed)
  yields its last row and reports it, and sets `table.ends_in_quote` (the gate
  blocks such a file; the loader loads it). To know, the reader feeds the csv
  module a sentinel line after the real end: it comes back alone when the last
  record was complete and glued to the last cell when the file stopped inside quotes.
- Limits: csv.field_size_limit is set to Limits.max_cell_chars (it is global to
  the process; every reader sets it before reading), so an unbalanced quote
  that swallows the rest of the file stops with a TableError instead of
  filling memory.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections import Counter
from collections.abc import Callable, Iterator
from itertools import chain, islice
from pathlib import Path
from typing import Any

from desensitize.tables import Limits, TableError, TableInfo
from desensitize.tables.common import BaseTable, IssueLog, unique_columns
from desensitize.tables.encoding import SAMPLE_BYTES, detect_encoding, mixed_encoding_error

DELIMITERS = (",", "\t", ";", "|")
SNIFF_BYTES = 1 << 16
SNIFF_RECORDS = 200
MAX_PREFACE = 20  # records above the header, at most
# Two noncharacters: never in real text, so never mistaken for data.
SENTINEL = "\ufdd0\ufdd1"
_READ_CHUNK = 1 << 16


class CsvTable(BaseTable):
    def __init__(self, path: Path, *, head: bytes, tsv: bool, encoding: str | None,
                 limits: Limits) -> None:
        super().__init__(path, limits)
        # Set by rows() once it has read to the end: the file ended inside a quoted cell.
        self.ends_in_quote = False
        self.encoding = detect_encoding(path, head, encoding)
        csv.field_size_limit(limits.max_cell_chars)
        whole = len(head) < SAMPLE_BYTES and len(head) <= SNIFF_BYTES
        text = self._decode(head[:SNIFF_BYTES], whole)
        self.delimiter = "\t" if tsv else sniff_delimiter(text, whole)
        if not self._header_fits(text, whole):  # a long header: look at the whole sample
            complete = len(head) < SAMPLE_BYTES
            if not self._header_fits(self._decode(head, complete), complete):
                raise TableError(f"{self.source}: the first row is longer than "
                                 f"{SAMPLE_BYTES // 1024} KiB; it cannot be a header")
        self._header_at = self._find_header(text, whole)
        header = self._read_header()
        self.info = TableInfo(format="tsv" if tsv else "csv",
                              columns=unique_columns(header, limits, self.source),
                              encoding=self.encoding, delimiter=self.delimiter)

    def _open_text(self) -> io.TextIOWrapper:
        f = self.path.open("r", encoding=self.encoding, newline="", errors="strict")
        f._CHUNK_SIZE = _READ_CHUNK  # type: ignore[attr-defined]  # fewer, larger decodes
        return f

    def _reader(self, f: io.TextIOWrapper) -> Any:
        csv.field_size_limit(self.limits.max_cell_chars)
        return csv.reader(chain(f, (SENTINEL,)), delimiter=self.delimiter, strict=False)

    def _decode(self, data: bytes, final: bool) -> str:
        try:
            return codecs.getincrementaldecoder(self.encoding)().decode(data, final)
        except UnicodeDecodeError:
            raise mixed_encoding_error(self.path, self.encoding) from None

    def _header_fits(self, text: str, whole: bool) -> bool:
        """Refuse a giant header from a sample, before parsing the file for real;
        False when the sample does not hold the whole first record."""
        records = csv.reader(io.StringIO(text, newline=""), delimiter=self.delimiter,
                             strict=False)
        try:
            first = next((r for r in records if r), None)
            if first is not None and len(first) > self.limits.max_columns:
                raise TableError(f"{self.source} has {len(first)} columns; at most "
                                 f"{self.limits.max_columns} are allowed")
            return whole or next(records, None) is not None
        except csv.Error:
            return True  # a giant cell: reading the header for real reports it

    def _find_header(self, text: str, whole: bool) -> int:
        """How many non-blank records come before the header (see `header_index`), from
        the sniffing sample."""
        parsed = csv.reader(io.StringIO(text, newline=""), delimiter=self.delimiter,
                            strict=False)
        try:
            records = [r for r in islice(parsed, SNIFF_RECORDS) if r]
        except csv.Error:
            return 0
        if not whole and len(records) > 1:
            records.pop()  # may be cut by the sample
        return header_index(records)

    def _read_header(self) -> list[str | None]:
        skip = self._header_at
        with self._open_text() as f:
            reader = self._reader(f)
            try:
                for record in reader:
                    if record == [SENTINEL]:
                        break
                    if record:
                        if record[-1].endswith(SENTINEL):
                            raise TableError(f"{self.source}: the file ends inside a quoted "
                                             "cell of the header (an unbalanced quote?)")
                        if skip:
                            skip -= 1
                            self.preface.append(" ".join(c.strip() for c in record
                                                         if c.strip()))
                            continue
                        return list(record)
            except (csv.Error, UnicodeDecodeError) as error:
                raise self._error(error, reader) from None
        raise TableError(f"{self.source} has no header row (the file is blank)")

    def _error(self, error: Exception, reader: Any) -> TableError:
        """The csv module's and the decoder's errors, as TableErrors."""
        if isinstance(error, UnicodeDecodeError):
            return mixed_encoding_error(self.path, self.encoding)
        line = reader.line_num
        if "field larger than field limit" in str(error):
            return TableError(f"{self.source}: line {line} has a cell longer than "
                              f"{self.limits.max_cell_chars} characters (a quote never "
                              "closed?)")
        return TableError(f"{self.source}: line {line}: {error}")

    def _read(self, log: IssueLog) -> Iterator[list[str | None]]:
        # One generator, no helpers per row: this loop sets the speed of every load.
        ncols = len(self.info.columns)
        self.ends_in_quote = False
        with self._open_text() as f:
            reader = self._reader(f)
            try:
                skip = self._header_at + 1
                for record in reader:  # skip blank lines and the preface, then the header
                    if record:
                        skip -= 1
                        if not skip:
                            break
                prev_end = reader.line_num  # last line of the record before `current`
                current = next(reader)  # the sentinel guarantees one
                current_end = reader.line_num
                row = 0
                # One record of look-ahead: the last one is special (see the docstring).
                for record in reader:
                    if len(current) == ncols:
                        if "" in current:  # C-speed test; most rows skip the rebuild
                            current = [c or None for c in current]
                        yield current
                        row += 1
                    elif current:
                        yield _fit(current, ncols, row, prev_end + 1, log, self.overflow)
                        row += 1
                    prev_end, current, current_end = current_end, record, reader.line_num
            except (csv.Error, UnicodeDecodeError) as error:
                raise self._error(error, reader) from None
        if current != [SENTINEL]:
            self.ends_in_quote = True
            current[-1] = current[-1].removesuffix(SENTINEL)
            log.add(row, prev_end + 1, "the file ends inside a quoted cell (a truncated file "
                                       "or a quote never closed); the row may be incomplete")
            yield _fit(current, ncols, row, None, log, self.overflow)
            row += 1
        log.finish(row)


def _fit(record: list[str], ncols: int, row: int, line: int | None, log: IssueLog,
         spill: Callable[[int, list[str]], None] | None = None) -> list[str | None]:
    """Pad or cut a ragged record to the header's width, reporting it; the cells cut go
    to `spill`."""
    n = len(record)
    if n < ncols:
        log.add(row, line, f"{n} cells where the header has {ncols}; the missing cells "
                           "are left empty")
        return [c or None for c in record] + [None] * (ncols - n)
    if n > ncols:
        extra = [c for c in record[ncols:] if c]
        if extra:
            if spill is not None:
                spill(row, extra)
            shown = ", ".join(repr(c[:40]) for c in extra[:3])
            log.add(row, line, f"{n} cells where the header has {ncols}; the cells past the "
                               f"header were dropped: {shown}")
        else:
            log.add(row, line, f"{n} cells where the header has {ncols}; the empty cells "
                               "past the header were dropped")
    return [c or None for c in record[:ncols]]


def header_index(records: list[list[str]]) -> int:
    """The index of the header among a file's first non-blank records: 0 unless records
    that look like a preface come first (see the module docstring)."""
    if len(records) < 2:
        return 0
    widths = Counter(len(r) for r in records if len(r) > 1)  # one-cell lines: text
    if not widths:
        return 0
    width = max(widths, key=lambda w: (widths[w], w))
    for i, record in enumerate(records[:MAX_PREFACE + 1]):
        filled = sum(1 for c in record if c.strip())
        comment = record[0].lstrip().startswith("#") and len(record) < width
        if filled > width // 2 and not comment:
            return i
    return 0


def sniff_delimiter(text: str, whole: bool = True) -> str:
    """The candidate delimiter whose parse of the sample is most regular."""
    sample = text[:SNIFF_BYTES]
    cut = len(sample) < len(text) or not whole
    if cut and "\n" in sample:
        sample = sample[:sample.rindex("\n") + 1]
    best, best_score = ",", (0.0, 0)
    for delimiter in DELIMITERS:
        parsed = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter, strict=False)
        try:
            records = [r for r in islice(parsed, SNIFF_RECORDS) if r]
        except csv.Error:
            continue
        if cut and len(records) > 1:
            records.pop()  # may end inside a quoted cell cut by the sample
        records = records[header_index(records):]  # a preface does not count
        if not records or len(records[0]) < 2:
            continue
        width = len(records[0])
        score = (sum(len(r) == width for r in records) / len(records), width)
        if score > best_score:
            best, best_score = delimiter, score
    return best
