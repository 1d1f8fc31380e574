"""Write treated rows in the format and encoding the input came in.

    spec = OutputSpec.like(table.info, source=path, kinds=kinds)
    with PendingFile(out, spec.format) as pending:      # a temporary file beside `out`
        write_rows(pending.path, spec, rows)
        pending.commit()                                 # renamed over `out`

- CSV/TSV: the same delimiter, encoding (GBK stays GBK: the reader names it
  gb18030, its superset, which encodes GBK text to the same bytes; a UTF-8 BOM
  stays; UTF-16/32 keep their byte order and BOM) and line ends; minimal quoting.
- XLSX: one sheet with the name of the sheet read, one header row (the reader's
  column names: a title row or a two-row header becomes one row). Other sheets
  are not written (`apply` scans them and blocks a file whose other sheets hold
  personal data).
- JSON array / NDJSON: one object per row with the column names as keys; an
  empty cell is null (the reader makes "" and a missing key empty cells too). A
  column of kind "json" (every value an object or array in the input, which the
  reader gives as JSON text) is written back as objects and arrays.
- Cells are text in every reader; XLSX and JSON get numbers (and XLSX dates,
  JSON and XLSX booleans) back for the columns whose values all were such in the
  input (`ValueKinds`), when the written value still is one ("1985-03-02"
  generalised to "1985" in a date column is text).
- Header names are the reader's: a duplicate name comes out as "name_2".
- Formula injection: in CSV, TSV and XLSX a text cell (or header) that starts
  with = + - @ or a tab or carriage return gets a leading apostrophe
  (`neutralise`), unless it is just a number ("-12.5"): the rule of the
  portal's datastore dumps (portal/web/dump_formats.py keeps its own copy).
  JSON is written as read. An XLSX cell is never written as a formula.
- XLSX output carries cell values only: a fresh workbook, so no comments,
  document properties of the source, defined names, external links, macros or
  formulas (a formula's cached value, which the reader reads, is a value).

A value the output encoding cannot hold: the input's values always can (they were
decoded from it), so only a treated value can fail (a Faker name in Big5, say);
`fit_encoding` turns such characters into "*" before writing (for a file read as
GB18030, the characters outside GBK too, so a GBK file stays GBK). Anything else
that cannot be written is a WriteError.

Nothing is written in place: `PendingFile` writes next to the output and renames
on success, so a failure or a block never leaves a half-written file.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from desensitize.tables import TableInfo
from desensitize.tables.types import TypeInferrer, convert

# Encodings that hold every character: nothing to fit.
_COMPLETE = ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le",
             "utf-32-be")
# The reader names GBK files gb18030 (its superset); treated values are kept to GBK so
# a GBK file stays readable by GBK-only software.
_FIT_AS = {"gb18030": "gbk"}
REPLACEMENT = "*"
_SUFFIXES = {"csv": ".csv", "tsv": ".tsv", "xlsx": ".xlsx", "json": ".json", "ndjson": ".ndjson"}
_INT = re.compile(r"-?(?:0|[1-9][0-9]{0,14})")
# Formula injection (the rule of portal/web/dump_formats.py, which keeps its own copy).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\Z")


def neutralise(text: str) -> str:
    """Text a spreadsheet would run as a formula, made inert with a leading apostrophe;
    text that is just a number ("-12.5") stays as it is."""
    if text.startswith(FORMULA_START) and not PLAIN_NUMBER.match(text):
        return "'" + text
    return text


class WriteError(ValueError):
    """The output cannot be written; the message names the problem."""


def fit_encoding(value: str, encoding: str | None) -> str:
    """`value` with the characters `encoding` cannot hold replaced by "*"."""
    encoding = _fitting(encoding)
    if encoding is None:
        return value
    try:
        value.encode(encoding)
        return value
    except UnicodeEncodeError:
        return "".join(c if _encodes(c, encoding) else REPLACEMENT for c in value)


@lru_cache(maxsize=16)
def _fitting(encoding: str | None) -> str | None:
    """The encoding treated values must fit, or None when every character fits."""
    if not encoding:
        return None
    name = codecs.lookup(encoding).name
    return None if name in _COMPLETE else _FIT_AS.get(name, name)


def _encodes(char: str, encoding: str) -> bool:
    try:
        char.encode(encoding)
        return True
    except UnicodeEncodeError:
        return False


def byte_order(source: Path | None, encoding: str | None) -> tuple[str, bytes]:
    """The codec to write with and the BOM to write first: a UTF-16/32 file keeps the
    byte order it came in (the reader says only "utf-16")."""
    name = codecs.lookup(encoding or "utf-8").name
    if name not in ("utf-16", "utf-32"):
        return name, b""
    head = b""
    if source is not None:
        with source.open("rb") as f:
            head = f.read(4)
    marks = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be")) \
        if name == "utf-32" else ((codecs.BOM_UTF16_LE, "utf-16-le"),
                                  (codecs.BOM_UTF16_BE, "utf-16-be"))
    for mark, codec in marks:
        if head.startswith(mark):
            return codec, mark
    return f"{name}-le", marks[0][0]


def line_terminator(source: Path, encoding: str | None) -> str:
    """The line end the source uses: "\\r\\n", "\\n" or "\\r"."""
    with source.open("rb") as f:
        head = f.read(1 << 16)
    text = head.decode(encoding or "utf-8", "replace")
    at = text.find("\n")
    if at > 0 and text[at - 1] == "\r":
        return "\r\n"
    if at == -1 and "\r" in text:
        return "\r"
    return "\n"


class ValueKinds:
    """Per column: integer, number, date, datetime, boolean or text, over every row fed
    (the input's cells), so XLSX and JSON get their numbers back."""

    def __init__(self, ncols: int) -> None:
        self._types = TypeInferrer(ncols)
        self._boolean = [True] * ncols
        self._seen = [False] * ncols

    def feed(self, row: Sequence[str | None]) -> None:
        self._types.feed(list(row))
        for i, cell in enumerate(row):
            if cell is not None:
                self._seen[i] = True
                if self._boolean[i] and cell not in ("true", "false"):
                    self._boolean[i] = False

    def result(self) -> list[str]:
        kinds = self._types.result()
        return ["boolean" if b and s else k
                for k, b, s in zip(kinds, self._boolean, self._seen, strict=True)]


@dataclass
class OutputSpec:
    format: str  # csv, tsv, xlsx, json, ndjson
    columns: list[str]
    encoding: str | None = None  # the codec written with (byte order explicit)
    delimiter: str | None = None
    sheet: str | None = None
    line_terminator: str = "\n"
    bom: bytes = b""  # written before the text (UTF-16/32 with an explicit byte order)
    kinds: list[str] = field(default_factory=list)  # per column, see ValueKinds

    @classmethod
    def like(cls, info: TableInfo, *, source: Path | None = None,
             columns: Sequence[str] | None = None, kinds: Sequence[str] = ()) -> OutputSpec:
        """The spec of a file like the one `info` describes (read from `source`)."""
        encoding, bom = (None, b"") if info.format == "xlsx" else \
            byte_order(source, info.encoding)
        ends = line_terminator(source, info.encoding) if source and info.format in (
            "csv", "tsv") else "\n"
        return cls(format=info.format, columns=list(columns or info.columns), encoding=encoding,
                   delimiter=info.delimiter, sheet=info.sheet, line_terminator=ends, bom=bom,
                   kinds=list(kinds))


class PendingFile:
    """A temporary file beside `out`: commit() renames it over `out`; leaving the
    `with` block without committing removes it."""

    def __init__(self, out: str | Path, format: str | None = None) -> None:
        self.out = Path(out)
        suffix = self.out.suffix if not format or self.out.suffix.lower() == \
            _SUFFIXES.get(format) else _SUFFIXES.get(format, self.out.suffix)
        self.path = self.out.with_name(f".{self.out.stem}.{secrets.token_hex(4)}.partial{suffix}")
        self.committed = False

    def commit(self) -> None:
        os.replace(self.path, self.out)
        self.committed = True

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)

    def __enter__(self) -> PendingFile:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if not self.committed:
            self.discard()


def _typed(value: str | None, kind: str, allowed: tuple[str, ...]) -> Any:
    if value is None or kind not in allowed:
        return value
    if kind == "boolean":
        return value == "true" if value in ("true", "false") else value
    if kind == "json":
        try:
            return json.loads(value)
        except (ValueError, RecursionError):
            return value
    if kind == "number" and _INT.fullmatch(value):
        kind = "integer"
    try:
        return convert(value, kind)
    except ValueError:
        return value


def write_rows(path: Path, spec: OutputSpec, rows: Iterable[Sequence[str | None]]) -> int:
    """Write the header and `rows` (already cut to spec.columns) to `path`; the number
    of rows written."""
    try:
        if spec.format == "xlsx":
            return _write_xlsx(path, spec, rows)
        with path.open("wb") as raw:
            raw.write(spec.bom)
            text = io.TextIOWrapper(raw, encoding=spec.encoding or "utf-8", errors="strict",
                                    newline="")
            try:
                if spec.format in ("json", "ndjson"):
                    return _write_json(text, spec, rows)
                return _write_csv(text, spec, rows)
            finally:
                text.flush()
                text.detach()
    except UnicodeEncodeError as error:
        bad = error.object[error.start:error.end]
        raise WriteError(f"{path.name}: {bad!r} cannot be written in {spec.encoding}") from None


def _write_csv(text: IO[str], spec: OutputSpec, rows: Iterable[Sequence[str | None]]) -> int:
    delimiter = "\t" if spec.format == "tsv" else (spec.delimiter or ",")
    writer = csv.writer(text, delimiter=delimiter, lineterminator=spec.line_terminator)
    writer.writerow([neutralise(c) for c in spec.columns])
    n = 0
    for row in rows:
        writer.writerow(["" if c is None else neutralise(c) for c in row])
        n += 1
    return n


def _write_json(text: IO[str], spec: OutputSpec, rows: Iterable[Sequence[str | None]]) -> int:
    columns = spec.columns
    kinds = spec.kinds or ["text"] * len(columns)
    allowed = ("integer", "number", "boolean", "json")
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    array = spec.format == "json"
    if array:
        text.write("[")
    n = 0
    for row in rows:
        item = {c: _typed(v, k, allowed) for c, v, k in zip(columns, row, kinds, strict=False)}
        if array:
            text.write(",\n" if n else "\n")
        text.write(dumps(item))
        if not array:
            text.write("\n")
        n += 1
    if array:
        text.write("\n]\n")
    return n


def _write_xlsx(path: Path, spec: OutputSpec, rows: Iterable[Sequence[str | None]]) -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.utils.exceptions import IllegalCharacterError

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=spec.sheet or "Sheet1")
    kinds = spec.kinds or ["text"] * len(spec.columns)
    allowed = ("integer", "number", "date", "datetime", "boolean")

    def cell(value: Any) -> Any:
        if isinstance(value, str):
            return neutralise(value)  # text, never a formula: it cannot start with "="
        if isinstance(value, datetime | date):
            out = WriteOnlyCell(sheet, value)
            out.number_format = "yyyy-mm-dd" if type(value) is date else "yyyy-mm-dd hh:mm:ss"
            return out
        return value

    n = 0
    try:
        sheet.append([cell(c) for c in spec.columns])
        for row in rows:
            sheet.append([cell(_typed(v, k, allowed))
                          for v, k in zip(row, kinds, strict=False)])
            n += 1
    except IllegalCharacterError:
        raise WriteError(f"{path.name}: row {n + 1} holds a control character an XLSX "
                         "cell cannot hold") from None
    book.save(path)
    return n


def write_lines(path: Path, lines: Iterable[str], encoding: str, bom: bytes = b"") -> int:
    """Write text lines (each with its own line end) to `path`; the number written."""
    n = 0
    try:
        with path.open("wb") as raw:
            raw.write(bom)
            with io.TextIOWrapper(raw, encoding=encoding, errors="strict", newline="") as text:
                for line in lines:
                    text.write(line)
                    n += 1
    except UnicodeEncodeError as error:
        bad = error.object[error.start:error.end]
        raise WriteError(f"{path.name}: {bad!r} cannot be written in {encoding}") from None
    return n


def write_table(out: str | Path, spec: OutputSpec, rows: Iterable[Sequence[str | None]], *,
                drop: Iterable[str] = ()) -> int:
    """Write `rows` (one cell per spec column) to `out` through a temporary file,
    leaving out the columns named in `drop`; the number of rows written."""
    dropped = set(drop)
    keep = [i for i, c in enumerate(spec.columns) if c not in dropped]
    if dropped:
        kinds = spec.kinds
        spec = replace(spec, columns=[spec.columns[i] for i in keep],
                       kinds=[kinds[i] for i in keep] if kinds else [])
        rows = ([row[i] for i in keep] for row in rows)
    with PendingFile(out, spec.format) as pending:
        n = write_rows(pending.path, spec, rows)
        pending.commit()
    return n


def copy_file(source: str | Path, out: str | Path) -> None:
    """A byte-for-byte copy through a temporary file (a file allowed as it is)."""
    import shutil

    with PendingFile(out) as pending:
        shutil.copyfile(source, pending.path)
        pending.commit()
