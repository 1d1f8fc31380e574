"""Write tables as the files a county office publishes: CSV (UTF-8 or GBK), XLSX, JSON.

The output is byte-for-byte reproducible: no clock, no random zip timestamps.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

from portal.demo.places import FIXED_DAY
from portal.demo.tables import Table
from portal.demo.tables.base import Value

FIXED_TIME = datetime(FIXED_DAY.year, FIXED_DAY.month, FIXED_DAY.day, 9, 0, 0)


@dataclass(frozen=True)
class FileFormat:
    key: str        # csv, csv-gbk, xlsx, json
    extension: str
    label: str      # the resource's format as shown in the catalog
    mimetype: str
    encoding: str = ""


FORMATS: dict[str, FileFormat] = {
    "csv": FileFormat("csv", "csv", "CSV", "text/csv", "UTF-8"),
    "csv-gbk": FileFormat("csv-gbk", "csv", "CSV", "text/csv", "GBK"),
    "xlsx": FileFormat(
        "xlsx", "xlsx", "XLSX",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "json": FileFormat("json", "json", "JSON", "application/json", "UTF-8"),
}


def _text(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.6f}".rstrip("0").rstrip(".") if value != int(value) else f"{value:.1f}"
    return str(value)


def to_csv(tbl: Table, encoding: str = "utf-8") -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.name for c in tbl.columns])
    writer.writerows([_text(v) for v in row] for row in tbl.rows)
    # County systems often export GBK; characters outside it would be a bug here.
    return out.getvalue().encode(encoding)


def to_json(tbl: Table) -> bytes:
    names = [c.name for c in tbl.columns]
    records = [
        {n: (v.isoformat() if isinstance(v, date) else v) for n, v in zip(names, row, strict=True)}
        for row in tbl.rows
    ]
    return (json.dumps(records, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def _fixed_zip(data: bytes) -> bytes:
    """Rewrite a zip archive with fixed member timestamps and order."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def to_xlsx(tbl: Table, sheet: str = "数据") -> bytes:
    wb = Workbook(write_only=True)
    wb.properties.creator = "泗县政务数据共享开放平台"
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    ws = wb.create_sheet(sheet[:31])
    ws.append([c.name for c in tbl.columns])
    for row in tbl.rows:
        ws.append(list(row))
    buf = io.BytesIO()
    # ExcelWriter rather than wb.save(), which stamps the current time as "modified".
    ExcelWriter(wb, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED)).save()
    return _fixed_zip(buf.getvalue())


def render(tbl: Table, fmt: str, sheet: str = "数据") -> bytes:
    if fmt == "csv":
        return to_csv(tbl)
    if fmt == "csv-gbk":
        return to_csv(tbl, "gbk")
    if fmt == "xlsx":
        return to_xlsx(tbl, sheet)
    if fmt == "json":
        return to_json(tbl)
    raise ValueError(f"unknown demo file format {fmt}")
