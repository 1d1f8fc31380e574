"""Which reader opens a file: the format named, else the extension, else the content.

Formats may be named the way CKAN resources name them ("CSV", "text/csv",
".xlsx", "jsonl"...). Content sniffing, for a file without a telling
extension (a blob stored under its hash): a ZIP is read as XLSX, text whose
first character is `[` as JSON, `{` as NDJSON (or JSON), anything else as CSV.
"""

from __future__ import annotations

from pathlib import Path

from desensitize.tables import Limits, Table, TableError
from desensitize.tables.encoding import BOMS, SAMPLE_BYTES, binary_kind

EXTENSIONS = {
    ".csv": "csv", ".txt": "csv", ".tsv": "tsv", ".tab": "tsv",
    ".xlsx": "xlsx", ".xlsm": "xlsx",
    ".json": "json", ".ndjson": "ndjson", ".jsonl": "ndjson",
}

# Resource formats and mimetypes, as catalog entries name their files, that are tables:
# the one map the datastore (what it loads) and the gate (what it reads as a table) use.
TABLE_FORMATS = {
    "csv": "csv", "text/csv": "csv", "application/csv": "csv",
    "tsv": "tsv", "text/tab-separated-values": "tsv",
    "xlsx": "xlsx", "xlsm": "xlsx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "json": "json", "application/json": "json",
    "ndjson": "ndjson", "jsonl": "ndjson", "application/x-ndjson": "ndjson",
    "application/jsonl": "ndjson",
}
# A format named to open_table may also be one of these looser names for the same readers
# (a resource whose format is "TXT" is still not a table).
ALIASES = {
    **TABLE_FORMATS,
    "txt": "csv", "text/plain": "csv", "tab": "tsv", "excel": "xlsx", "json lines": "ndjson",
}

OLD_EXCEL = {"xls", "application/vnd.ms-excel"}


def table_format(*names: str | None) -> str | None:
    """The reader of a file declared with these formats or mimetypes (the first that is a
    table wins), or None when none is."""
    for name in names:
        found = TABLE_FORMATS.get((name or "").strip().lower().lstrip("."))
        if found:
            return found
    return None


def open_any(path: Path, *, format: str | None, sheet: str | int | None,
             encoding: str | None, limits: Limits) -> Table:
    source = path.name
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            head = f.read(SAMPLE_BYTES)
    except FileNotFoundError:
        raise TableError(f"{source} does not exist") from None
    except IsADirectoryError:
        raise TableError(f"{source} is a folder, not a file") from None
    except OSError as error:
        raise TableError(f"{source} cannot be read: {error.strerror}") from None
    if size == 0:
        raise TableError(f"{source} is empty")
    kind = _format(path, format, head)
    if kind == "xlsx":
        from desensitize.tables.xlsx_reader import XlsxTable

        return XlsxTable(path, sheet=sheet, limits=limits)
    if kind in ("json", "ndjson"):
        from desensitize.tables.json_reader import open_json

        return open_json(path, head=head, ndjson=kind == "ndjson", encoding=encoding,
                         limits=limits)
    from desensitize.tables.csv_reader import CsvTable

    return CsvTable(path, head=head, tsv=kind == "tsv", encoding=encoding, limits=limits)


def _format(path: Path, given: str | None, head: bytes) -> str:
    if given:
        name = given.strip().lower().lstrip(".")
        if name in OLD_EXCEL:
            raise _old_excel(path)
        if name not in ALIASES:
            raise TableError(f"{path.name}: the format {given!r} cannot be read as a table "
                             "(CSV, TSV, XLSX, JSON and NDJSON can)")
        return ALIASES[name]
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise _old_excel(path)
    if suffix in EXTENSIONS:
        return EXTENSIONS[suffix]
    return sniff_format(head)


def sniff_format(head: bytes) -> str:
    """Guess the format from the first bytes of a file."""
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if binary_kind(head) is None:
        text = head
        for bom, encoding in BOMS:
            if head.startswith(bom):
                text = head.decode(encoding, "ignore").encode("utf-8")
                break
        first = text.lstrip()[:1]
        if first == b"[":
            return "json"
        if first == b"{":
            return "ndjson"
    return "csv"  # the CSV reader explains what is wrong with a binary file


def _old_excel(path: Path) -> TableError:
    return TableError(f"{path.name} is an old Excel (.xls) workbook, which cannot be read as "
                      "a table; save it as .xlsx or CSV")
