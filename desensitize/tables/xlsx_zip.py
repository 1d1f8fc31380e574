"""The XLSX container, looked at before openpyxl is: zip bombs and merged cells.

Zip bombs: an .xlsx is a zip, and a small file can inflate to gigabytes. Before
openpyxl opens it, the central directory is checked: the sum of the declared
uncompressed sizes against Limits.max_xlsx_uncompressed_bytes, and each large
part's ratio of uncompressed to compressed size against
Limits.max_xlsx_compression_ratio. Python's zipfile never inflates a part past
its declared size (it stops there and fails the CRC check), so checking the
declarations bounds the real inflation.

Merged cells: openpyxl's read-only mode, the one that streams, does not expose
them. They are listed in the sheet's XML after all of its rows
(<mergeCells><mergeCell ref="A1:C1"/>...), so `merged_ranges` inflates the
sheet part in 1 MiB chunks and picks the <mergeCell> elements out with a
byte-level search, without parsing the rows as XML: it costs a decompression
pass and little else, and works on sheets of any size (loading the first rows
in openpyxl's normal mode would parse the whole sheet into memory). A literal
"<mergeCell" cannot occur in cell text, which the XML escapes.

What else a workbook holds (`workbook_extras`): cell comments (and threaded
comments and their authors), document properties, defined names, external
links, pivot caches, drawings and charts, macros. None of it is ever released
(the gate writes a fresh workbook of cell values); the texts are picked out of
the parts with the same byte-level search (text between tags, no XML parsing,
so no entity expansion) for the gate to scan and report.
"""

from __future__ import annotations

import html
import re
import zipfile
import zlib
from pathlib import Path

from openpyxl.utils.cell import range_boundaries

from desensitize.tables import Limits, TableError

MAX_PARTS = 10_000
_RATIO_FLOOR = 1 << 20  # parts smaller than this may compress as well as they like
# (kind, part name pattern): what a released workbook never carries.
EXTRA_PARTS = (
    ("cell comments", re.compile(r"xl/(?:.*comment[^/]*|persons/[^/]*|drawings/vmlDrawing[^/]*)"
                                 r"\.(?:xml|vml)\Z", re.I)),
    ("document properties", re.compile(r"docProps/[^/]*\.xml\Z", re.I)),
    ("defined names", re.compile(r"xl/workbook\.xml\Z", re.I)),
    ("external links", re.compile(r"xl/externalLinks/[^/]*\.xml\Z", re.I)),
    ("pivot caches", re.compile(r"xl/pivotCache/[^/]*\.xml\Z", re.I)),
    ("drawings and charts", re.compile(r"xl/(?:drawings|charts)/[^/]*\.xml\Z", re.I)),
    ("macros", re.compile(r"xl/vbaProject\.bin\Z|xl/macrosheets/", re.I)),
)
_TEXT = re.compile(rb">([^<]+)<")
_DEFINED = re.compile(rb"<(?:\w+:)?definedName\b[^>]*>([^<]*)<", re.I)
_NAMED = re.compile(rb"\b(?:name|displayName|userId|author)\s*=\s*\"([^\"]*)\"", re.I)
_MAX_EXTRA_BYTES = 64 << 20  # text of extra parts read, at most
_MERGE = re.compile(rb"<(?:\w+:)?mergeCell\b[^>]*?\bref\s*=\s*[\"']([A-Za-z0-9:$]+)[\"']")


def check_container(path: Path, limits: Limits) -> None:
    """TableError unless `path` is a zip that inflates to a sane size."""
    source = path.name
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise TableError(f"{source} is not a valid .xlsx file (it is not a readable zip "
                         "archive)") from None
    if len(parts) > MAX_PARTS:
        raise TableError(f"{source} holds {len(parts)} parts; an .xlsx workbook with more "
                         f"than {MAX_PARTS} is refused")
    total = sum(part.file_size for part in parts)
    if total > limits.max_xlsx_uncompressed_bytes:
        raise TableError(f"{source} would inflate to {total:,} bytes, over the limit of "
                         f"{limits.max_xlsx_uncompressed_bytes:,} (a zip bomb?)")
    for part in parts:
        if part.file_size < _RATIO_FLOOR:
            continue
        ratio = part.file_size / max(part.compress_size, 1)
        if ratio > limits.max_xlsx_compression_ratio:
            raise TableError(f"{source}: the part {part.filename} inflates {ratio:,.0f} "
                             f"times, over the limit of {limits.max_xlsx_compression_ratio} "
                             "(a zip bomb?)")


def merged_ranges(path: Path, part: str) -> list[tuple[int, int, int, int]]:
    """The sheet's merged ranges as (min_row, min_col, max_row, max_col), 1-based."""
    refs: set[bytes] = set()
    tail = b""
    try:
        with zipfile.ZipFile(path) as archive, archive.open(part) as stream:
            while chunk := stream.read(1 << 20):
                data = tail + chunk
                if b"mergeCell" in data:
                    refs.update(_MERGE.findall(data))
                tail = data[-256:]  # an element cut by the chunk boundary is found next time
    except (KeyError, zipfile.BadZipFile, OSError, EOFError, zlib.error) as error:
        raise TableError(f"{path.name}: the sheet {part} cannot be read ({error})") from None
    ranges = []
    for ref in refs:
        try:
            min_col, min_row, max_col, max_row = range_boundaries(ref.decode("ascii"))
        except (ValueError, TypeError):
            continue
        if None not in (min_col, min_row, max_col, max_row):
            ranges.append((min_row, min_col, max_row, max_col))  # type: ignore[arg-type]
    return sorted(ranges)


def workbook_extras(path: Path) -> dict[str, list[str]]:
    """Kind (see EXTRA_PARTS) -> the texts its parts hold, for every kind present. Macros
    are binary: their entry holds no text. Defined names give their names and formulas."""
    found: dict[str, list[str]] = {}
    budget = _MAX_EXTRA_BYTES
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                for kind, pattern in EXTRA_PARTS:
                    if not pattern.match(info.filename):
                        continue
                    if kind == "macros":
                        found.setdefault(kind, [])
                        break
                    data = archive.read(info)[:budget]
                    budget -= len(data)
                    if kind == "defined names":
                        texts = [m.group(0) for m in re.finditer(
                            rb"<(?:\w+:)?definedName\b[^>]*>[^<]*<", data)]
                        if not texts:
                            break
                        data = b"".join(texts)
                        values = _DEFINED.findall(data) + _NAMED.findall(data)
                    else:
                        values = _TEXT.findall(data) + _NAMED.findall(data)
                    texts = [t for t in (html.unescape(v.decode("utf-8", "replace")).strip()
                                         for v in values) if t]
                    found.setdefault(kind, []).extend(texts)
                    break
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as error:
        raise TableError(f"{path.name}: the workbook cannot be read ({error})") from None
    return {k: v for k, v in found.items() if v or k == "macros"}
