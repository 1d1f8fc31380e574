"""JSON (an array of objects) and NDJSON (one object per line), streamed.

Streaming uses the standard library only, no ijson: the array is read in 1 MiB
text chunks and its items are decoded one at a time with
`json.JSONDecoder.raw_decode`; an item cut by the end of a chunk is decoded
again once more text is in (the buffer grows geometrically, so even a large
item costs a few tries). Memory holds one chunk and one item; an item longer
than 16 x Limits.max_cell_chars characters is refused.

Columns are the union of the objects' keys in first-seen order, over the whole
file: opening the table makes a first pass that decodes every item and keeps
only the keys; `rows()` is the second pass. That doubles the decoding but keeps
memory flat, makes a key first seen in the last object a column like the
others, and finds invalid JSON before any row is handed out.

Cells: strings as they are ("" is None), null is None, numbers as Python
writes them (int as digits, float by repr), booleans "true"/"false", arrays
and objects as compact JSON text. An item that is not an object (a number, a
list...) is reported as a RowIssue and yields no row; its texts (`leaf_texts`)
go to `table.skipped` when set (apply scans them). Invalid JSON, and JSON nested
deeper than the interpreter can decode, is a TableError naming the problem.

A .json file of objects one per line is read as NDJSON; a file that is one
object (`{"data": [...]}`) is refused with a message saying so.
"""

from __future__ import annotations

import codecs
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from desensitize.tables import Limits, TableError, TableInfo
from desensitize.tables.common import BaseTable, IssueLog, unique_columns
from desensitize.tables.encoding import SAMPLE_BYTES, detect_encoding, mixed_encoding_error

CHUNK_CHARS = 1 << 20
_WS = re.compile(r"[ \t\n\r]*")


def open_json(path: Path, *, head: bytes, ndjson: bool, encoding: str | None,
              limits: Limits) -> BaseTable:
    detected = detect_encoding(path, head, encoding)
    text = codecs.getincrementaldecoder(detected)("replace").decode(head, False).lstrip()
    if ndjson:
        return NdjsonTable(path, detected, limits)
    if text.startswith("["):
        return JsonArrayTable(path, detected, limits)
    if text.startswith("{"):
        first, _, rest = text.partition("\n")
        try:
            json.loads(first)
            single = not rest.strip() and len(head) < SAMPLE_BYTES
        except json.JSONDecodeError:
            single = True
        if single:
            raise TableError(f"{path.name} is a single JSON object; a table must be an "
                             "array of objects, or one object per line (NDJSON)")
        return NdjsonTable(path, detected, limits)
    shown = text[:20] or "nothing"
    raise TableError(f"{path.name} is not JSON: it starts with {shown!r}")


def cell_value(value: Any) -> str | None:
    kind = type(value)
    if kind is str:
        return value or None
    if value is None:
        return None
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    if kind is float:
        return repr(value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def leaf_texts(value: Any) -> Iterator[str]:
    """Every key and non-empty scalar of a decoded JSON value, as cell text, in document
    order; iterative, so any depth the decoder accepted is walked."""
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is dict:
            for key, inner in reversed(list(item.items())):
                stack.append(inner)
                stack.append(key)
        elif kind is list:
            stack.extend(reversed(item))
        else:
            text = cell_value(item)
            if text:
                yield text


def _kind(value: Any) -> str:
    names = {list: "an array", str: "a string", bool: "a boolean", int: "a number",
             float: "a number", type(None): "null"}
    return names.get(type(value), type(value).__name__)


class _JsonTable(BaseTable):
    format = "json"

    def __init__(self, path: Path, encoding: str, limits: Limits) -> None:
        super().__init__(path, limits)
        self.encoding = encoding
        self._index = self._collect_keys()
        self.info = TableInfo(format=self.format,
                              columns=unique_columns(list(self._index), limits, self.source),
                              encoding=encoding)

    def _open_text(self, newline: str | None) -> io.TextIOWrapper:
        return self.path.open("r", encoding=self.encoding, newline=newline)

    def _items(self) -> Iterator[tuple[Any, int]]:  # pragma: no cover
        """Each decoded item with the line it starts on."""
        raise NotImplementedError

    def _guarded_items(self) -> Iterator[tuple[Any, int]]:
        try:
            yield from self._items()
        except UnicodeDecodeError:
            raise mixed_encoding_error(self.path, self.encoding) from None
        except RecursionError:
            raise TableError(f"{self.source}: the JSON is nested too deeply") from None

    def _collect_keys(self) -> dict[str, int]:
        index: dict[str, int] = {}
        most = self.limits.max_columns
        for item, _ in self._guarded_items():
            if type(item) is dict:
                for key in item:
                    if key not in index:
                        index[key] = len(index)
                        if len(index) > most:
                            raise TableError(f"{self.source} has more than {most} different "
                                             f"keys; at most {most} columns are allowed")
        if not index:
            raise TableError(f"{self.source} holds no JSON objects, so no columns")
        return index

    def _read(self, log: IssueLog) -> Iterator[list[str | None]]:
        index = self._index
        width = len(index)
        row = 0
        for item, line in self._guarded_items():
            if type(item) is not dict:
                log.add(row, line, f"{_kind(item)}, not an object: no row was made of it")
                if self.skipped is not None:
                    self.skipped(row, list(leaf_texts(item)))
                continue
            cells: list[str | None] = [None] * width
            for key, value in item.items():
                cells[index[key]] = cell_value(value)
            yield cells
            row += 1
        log.finish(row)


class NdjsonTable(_JsonTable):
    format = "ndjson"

    def _items(self) -> Iterator[tuple[Any, int]]:
        loads = json.loads
        with self._open_text(newline=None) as f:
            for number, line in enumerate(f, start=1):
                if line.isspace() or not line:
                    continue
                try:
                    yield loads(line), number
                except json.JSONDecodeError as error:
                    raise TableError(f"{self.source}: invalid JSON at line {number}, column "
                                     f"{error.colno}: {error.msg}") from None
                except ValueError as error:  # e.g. an integer with too many digits
                    raise TableError(f"{self.source}: line {number}: {error}") from None


class JsonArrayTable(_JsonTable):
    def _items(self) -> Iterator[tuple[Any, int]]:
        with self._open_text(newline="") as f:
            cursor = _Cursor(f, self.source, 16 * self.limits.max_cell_chars)
            if cursor.next_char() != "[":
                raise cursor.error("a JSON table must be an array of objects")
            cursor.pos += 1
            char = cursor.next_char()
            if char == "]":
                cursor.pos += 1
            else:
                while True:
                    if not char:
                        raise cursor.error("the file ends inside the array (truncated?)")
                    line = cursor.line_at(cursor.pos)
                    yield cursor.decode(), line
                    char = cursor.next_char()
                    if char == ",":
                        cursor.pos += 1
                        char = cursor.next_char()
                    elif char == "]":
                        cursor.pos += 1
                        break
                    elif not char:
                        raise cursor.error("the file ends inside the array (truncated?)")
                    else:
                        raise cursor.error("expected ',' or ']' after an item")
            if cursor.next_char():
                raise cursor.error("there is more after the end of the array")


class _Cursor:
    """A window on the text being decoded, with line numbers for messages."""

    def __init__(self, f: io.TextIOWrapper, source: str, max_item: int) -> None:
        self.f = f
        self.source = source
        self.max_item = max_item
        self.decoder = json.JSONDecoder()
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.line = 1  # the line number at buf[counted]
        self.counted = 0

    def more(self, size: int = CHUNK_CHARS) -> bool:
        """Drop what is decoded, read more; False at the end of the file."""
        if self.eof:
            return False
        data = self.f.read(size)
        if not data:
            self.eof = True
            return False
        self.line += self.buf.count("\n", self.counted, self.pos)
        self.buf = self.buf[self.pos:] + data
        self.pos = self.counted = 0
        return True

    def line_at(self, pos: int) -> int:
        self.line += self.buf.count("\n", self.counted, pos)
        self.counted = pos
        return self.line

    def next_char(self) -> str:
        """Skip whitespace; the next character, "" at the end of the file."""
        while True:
            self.pos = _WS.match(self.buf, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self.more():
                return ""

    def decode(self) -> Any:
        while True:
            try:
                value, end = self.decoder.raw_decode(self.buf, self.pos)
                if end < len(self.buf) or self.eof:
                    self.pos = end
                    return value
                # It ends where the text read so far ends: a number may go on.
            except json.JSONDecodeError as error:
                unterminated = error.msg.startswith("Unterminated")
                if self.eof and (unterminated or not self.buf[error.pos:].strip()):
                    raise self.error(f"the file ends inside an item (truncated?): {error.msg}",
                                     error.pos) from None
                cut = unterminated or error.pos >= len(self.buf) - 32  # may need more text
                if self.eof or not cut or len(self.buf) - self.pos > self.max_item:
                    raise self.error(error.msg, error.pos) from None
            except ValueError as error:  # an integer with too many digits...
                raise self.error(str(error)) from None
            self.more(max(CHUNK_CHARS, len(self.buf) - self.pos))

    def error(self, message: str, pos: int | None = None) -> TableError:
        pos = self.pos if pos is None else pos
        line = self.line_at(max(pos, self.counted))
        column = pos - self.buf.rfind("\n", 0, pos)
        return TableError(f"{self.source}: invalid JSON at line {line}, column {column}: "
                          f"{message}")

