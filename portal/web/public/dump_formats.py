"""The file formats of datastore dumps: CSV, TSV, JSON and XLSX.

Each writer takes the table's fields ([{"id", "type"}]) and the rows in
batches (lists of values in field order, as datastore_search returns them
with records_format=lists) and never holds more than one batch.

Formula injection: a spreadsheet runs a cell that starts with = + - @ (or a
tab or carriage return, which some programs strip first) as a formula. In
CSV, TSV and XLSX such text cells get a leading apostrophe. Numbers are left
alone, and so is text that is just a number ("-12.5"), which no spreadsheet
reads as a formula. JSON is for programs and is written as stored.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, BinaryIO

# One rule for every spreadsheet the portal writes: the gate's released files and
# these dumps (a cell starting with =, +, -, @, tab or CR gets a leading apostrophe).
from desensitize.writers import neutralise

Field = dict[str, Any]
Row = list[Any]
Batches = Iterable[list[Row]]

BOM = "\ufeff".encode()


@dataclass(frozen=True)
class DumpFormat:
    name: str
    extension: str
    content_type: str


FORMATS = {
    "csv": DumpFormat("csv", "csv", "text/csv; charset=utf-8"),
    "tsv": DumpFormat("tsv", "tsv", "text/tab-separated-values; charset=utf-8"),
    "json": DumpFormat("json", "json", "application/json; charset=utf-8"),
    "xlsx": DumpFormat("xlsx", "xlsx",
                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


def _plain(value: Any) -> Any:
    """Values as JSON writes them: decimals as numbers, dates as ISO 8601 text."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def text_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return neutralise(value)
    return str(_plain(value))


# --- CSV and TSV ----------------------------------------------------------------------------------

def delimited(fields: list[Field], batches: Batches, *, delimiter: str,
              bom: bool) -> Iterator[bytes]:
    """CSV (RFC 4180, CRLF line ends) or TSV, UTF-8, optionally with a BOM for Excel."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([neutralise(str(f["id"])) for f in fields])
    head = buffer.getvalue().encode("utf-8")
    yield (BOM + head) if bom else head
    for batch in batches:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows([text_cell(v) for v in row] for row in batch)
        yield buffer.getvalue().encode("utf-8")


# --- JSON -----------------------------------------------------------------------------------------

def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=_plain, separators=(",", ":"))


def json_document(fields: list[Field], batches: Batches) -> Iterator[bytes]:
    """{"fields": [{"id", "type"}], "records": [[...], ...]}, as CKAN's JSON dump."""
    described = [{"id": f["id"], "type": f.get("type", "text")} for f in fields]
    yield f'{{"fields": {_json(described)}, "records": ['.encode()
    separator = "\n"
    for batch in batches:
        if not batch:
            continue
        yield (separator + ",\n".join(_json(row) for row in batch)).encode("utf-8")
        separator = ",\n"
    yield b"\n]}\n"


# --- XLSX -----------------------------------------------------------------------------------------

XLSX_MAX_ROWS = 1_048_576
XLSX_MAX_TEXT = 32_767
# Excel keeps 15 significant digits: larger integers (identifiers) are written as text.
XLSX_MAX_EXACT_INT = 10**15


def _illegal() -> re.Pattern[str]:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE


def _xlsx_text(value: str) -> str:
    return neutralise(_illegal().sub("", value))[:XLSX_MAX_TEXT]


def xlsx_cell(value: Any, kind: str) -> Any:
    """A value as Excel should hold it: numbers as numbers, dates as dates, text inert."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value if abs(value) < XLSX_MAX_EXACT_INT else str(value)
    if isinstance(value, float | Decimal):
        return float(value)
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, date):
        return value
    text = str(value)
    if kind in ("date", "timestamp"):
        try:
            parsed = (date.fromisoformat(text) if kind == "date"
                      else datetime.fromisoformat(text).replace(tzinfo=None))
        except ValueError:
            return _xlsx_text(text)
        return parsed
    return _xlsx_text(text)


def write_xlsx(fields: list[Field], batches: Batches, out: BinaryIO,
               sheet_title: str = "data") -> None:
    """A workbook in openpyxl's write-only mode (rows go to a temporary file as they
    come); tables longer than a sheet continue on further sheets, each with the header."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    header = [_xlsx_text(str(f["id"])) for f in fields]
    kinds = [str(f.get("type", "text")) for f in fields]
    try:
        sheet, rows_in_sheet, sheets = None, XLSX_MAX_ROWS, 0
        for batch in batches:
            for row in batch:
                if rows_in_sheet >= XLSX_MAX_ROWS:
                    sheets += 1
                    sheet = workbook.create_sheet(sheet_title if sheets == 1
                                                  else f"{sheet_title[:24]} ({sheets})")
                    sheet.freeze_panes = "A2"
                    sheet.append(header)
                    rows_in_sheet = 1
                sheet.append([xlsx_cell(v, k) for v, k in zip(row, kinds, strict=False)])
                rows_in_sheet += 1
        if sheet is None:  # no rows: the header alone
            workbook.create_sheet(sheet_title).append(header)
        workbook.save(out)
    except BaseException:
        _discard(workbook)
        raise


def _discard(workbook: Any) -> None:
    """Remove the temporary files of a workbook that will not be saved.

    openpyxl would remove them only at interpreter exit; a server runs for weeks.
    """
    for sheet in workbook.worksheets:
        writer = getattr(sheet, "_writer", None)
        if writer is None or sheet.closed:
            continue
        try:
            sheet.close()  # ends the sheet's XML stream, so its file can go
            writer.cleanup()
        except (OSError, ValueError, KeyError):
            pass


def sheet_title(name: str) -> str:
    """A worksheet name Excel accepts: at most 31 characters, none of []:*?/\\."""
    cleaned = re.sub(r"[\[\]:*?/\\]", " ", name).strip().strip("'")
    return cleaned[:31] or "data"
