"""Datastore dumps: /datastore/dump/RID?format=csv|tsv|json|xlsx, as CKAN serves them.

The rows come from the datastore_search action, called as the visitor a page
of 32,000 rows at a time (records_format=lists), so a dump shows exactly what
the API would and never holds more than a page. CKAN's dump parameters are
accepted: filters (JSON), q, fields, sort (default _id), distinct, limit,
offset, and bom (a UTF-8 BOM before CSV or TSV, so Excel reads Chinese
correctly). `_id` is left out of the file unless `fields` asks for it. A
grant's recipient of a conditionally open entry is refused (403, saying to
download their own file), as datastore_search refuses them.

CSV, TSV and JSON stream as they are read. XLSX is written to an anonymous
temporary file first (a zip is finished by its directory) and then sent.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, request, stream_with_context
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response
from werkzeug.wsgi import wrap_file

from portal import access
from portal.core.errors import NotAuthorized, ValidationError
from portal.web.public.downloads import content_disposition
from portal.web.public.dump_formats import (
    FORMATS,
    DumpFormat,
    Field,
    Row,
    delimited,
    json_document,
    sheet_title,
    write_xlsx,
)
from portal.web.support.calls import call, show_or_404

bp = Blueprint("datastore_dump", __name__)

PAGE = 32_000  # datastore_search's largest limit
ID_FIELD = "_id"
TRUE = {"true", "1", "yes", "on"}
FALSE = {"false", "0", "no", "off", ""}
DATA_EXTENSIONS = {"csv", "tsv", "txt", "xls", "xlsx", "json", "jsonl", "ndjson", "zip"}


@dataclass(frozen=True)
class DumpRequest:
    format: DumpFormat
    bom: bool
    search: dict[str, Any]  # datastore_search parameters other than paging
    limit: int | None
    offset: int
    with_id: bool

    @classmethod
    def from_args(cls, args: MultiDict[str, str]) -> DumpRequest:
        fmt = FORMATS.get(args.get("format", "csv").lower())
        if fmt is None:
            abort(400, description=f"format must be one of {', '.join(FORMATS)}")
        search: dict[str, Any] = {}
        if "filters" in args:
            search["filters"] = _json_object(args["filters"], "filters")
        if "q" in args:
            q = args["q"]
            search["q"] = _json_object(q, "q") if q.lstrip().startswith("{") else q
        if args.get("distinct"):
            search["distinct"] = _flag(args["distinct"], "distinct")
        fields = [f.strip() for f in args.get("fields", "").split(",") if f.strip()]
        if fields:
            search["fields"] = fields
        sort = args.get("sort", "").strip()
        if search.get("distinct"):
            if sort:  # distinct rows have no _id to order by
                search["sort"] = sort
        else:
            # Offset paging needs a total order: _id breaks ties between equal sort keys.
            sort = sort or ID_FIELD
            search["sort"] = sort if _sorts_by_id(sort) else f"{sort}, {ID_FIELD}"
        return cls(format=fmt, bom=_flag(args.get("bom", ""), "bom"), search=search,
                   limit=_count(args.get("limit"), "limit"),
                   offset=_count(args.get("offset"), "offset") or 0,
                   with_id=ID_FIELD in fields)


def _json_object(text: str, name: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: "[[[[..." thousands deep
        value = None
    if not isinstance(value, dict):
        abort(400, description=f"{name} must be a JSON object")
    return value


def _flag(text: str, name: str) -> bool:
    if text.lower() in TRUE:
        return True
    if text.lower() in FALSE:
        return False
    abort(400, description=f"{name} must be true or false")


def _count(text: str | None, name: str) -> int | None:
    if text is None or text == "":
        return None
    if not text.isdigit():
        abort(400, description=f"{name} must be a whole number")
    return int(text)


def _sorts_by_id(sort: str) -> bool:
    return any(part.split()[0].strip('"') == ID_FIELD for part in sort.split(",") if part.split())


class Pages:
    """The dump's rows, read through datastore_search one page at a time."""

    def __init__(self, resource_id: str, dump: DumpRequest) -> None:
        self.resource_id = resource_id
        self.dump = dump
        first = self._page(dump.offset, self._want(0))  # errors surface before any byte is sent
        columns = first["fields"]
        self.keep = [i for i, f in enumerate(columns) if dump.with_id or f["id"] != ID_FIELD]
        self.fields: list[Field] = [columns[i] for i in self.keep]
        self._first = first["records"]

    def _want(self, done: int) -> int:
        if self.dump.limit is None:
            return PAGE
        return max(0, min(PAGE, self.dump.limit - done))

    def _page(self, offset: int, limit: int) -> dict[str, Any]:
        params = {**self.dump.search, "resource_id": self.resource_id, "limit": limit,
                  "offset": offset, "records_format": "lists", "include_total": False}
        return call("datastore_search", params)

    def _rows(self, records: list[Row]) -> list[Row]:
        return [[row[i] for i in self.keep] for row in records]

    def __iter__(self) -> Iterator[list[Row]]:
        records, done = self._first, 0
        while True:
            yield self._rows(records)
            done += len(records)
            want = self._want(done)
            if len(records) < PAGE or want == 0:
                return
            records = self._page(self.dump.offset + done, want)["records"]


def _pages_or_error(resource_id: str, dump: DumpRequest) -> Pages:
    try:
        return Pages(resource_id, dump)
    except NotAuthorized as exc:
        if access.PER_RECIPIENT in exc.message:
            # A grant's recipient of a conditionally open entry: the rows come in the
            # file made for them (portal/access.py table_refusal), never as a dump.
            abort(403, description=_(
                "The rows of a conditionally open entry are given to each recipient in "
                "their own file: download the resource's file from the entry's page."))
        abort(404)  # an entry's table the visitor may not read: as if there were none
    except ValidationError as exc:  # a bad filter, field or sort: the page says which
        abort(400, description=str(exc))


def _filename(res: dict[str, Any], extension: str) -> str:
    name = str(res.get("name") or res["id"]).strip()
    stem, dot, ext = name.rpartition(".")
    if dot and stem and ext.lower() in DATA_EXTENSIONS:
        name = stem
    return f"{name}.{extension}"


def _xlsx_response(pages: Pages, title: str) -> Response:
    # Unlinked at once: gone from disk when the response closes it. noqa: the response owns it.
    spool = tempfile.TemporaryFile(prefix="shuyuan-dump-")  # noqa: SIM115
    try:
        write_xlsx(pages.fields, pages, spool, sheet_title=sheet_title(title))
        size = spool.tell()
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    response = Response(wrap_file(request.environ, spool), direct_passthrough=True,
                        content_type=FORMATS["xlsx"].content_type)
    response.content_length = size
    return response


def _streamed_response(pages: Pages, dump: DumpRequest) -> Response:
    if dump.format.name == "json":
        body = json_document(pages.fields, pages)
    else:
        body = delimited(pages.fields, pages, delimiter="\t" if dump.format.name == "tsv" else ",",
                         bom=dump.bom)
    return Response(stream_with_context(body), content_type=dump.format.content_type,
                    direct_passthrough=True)


@bp.route("/datastore/dump/<rid>")
def dump(rid: str) -> Response:
    res = show_or_404("resource_show", {"id": rid})
    request_ = DumpRequest.from_args(request.args)
    pages = _pages_or_error(res["id"], request_)
    if request_.format.name == "xlsx":
        response = _xlsx_response(pages, str(res.get("name") or "data"))
    else:
        response = _streamed_response(pages, request_)
    response.headers["Content-Disposition"] = content_disposition(
        _filename(res, request_.format.extension))
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
