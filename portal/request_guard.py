"""A request whose query string is not UTF-8 is refused (400) before Flask reads it.

Werkzeug decodes the query string strictly: raw bytes such as 0xED 0xA0 0x80 (an
encoded lone surrogate) raised UnicodeDecodeError wherever `request.args` was first
read (a view, the locale selector, even the error page), so the answer was a 500.
Percent-escaped bytes (%ED%A0%80) are another matter: Werkzeug keeps them as the
text "%ED%A0%80", which is harmless. The API gets CKAN's error envelope, pages a
short bilingual text.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.wrappers import Request, Response

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
MESSAGE = "the query string is not UTF-8 text"


class Utf8QueryString:
    """WSGI middleware around the Flask app (portal/app.py)."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        try:
            # WSGI hands the raw bytes over as a latin-1 string (PEP 3333).
            str(environ.get("QUERY_STRING", "")).encode("latin-1").decode("utf-8")
        except UnicodeError:
            return refusal(environ)(environ, start_response)
        return self.app(environ, start_response)


def refusal(environ: dict[str, Any]) -> Response:
    request = Request(environ)
    if request.path == "/api" or request.path.startswith("/api/"):
        body = {"help": f"{request.host_url.rstrip('/')}/api/3/action/help_show",
                "success": False,
                "error": {"__type": "Bad request", "message": f"Bad request: {MESSAGE}"}}
        return Response(json.dumps(body), status=400, mimetype="application/json")
    return Response(f"400 Bad request: {MESSAGE}.\n请求参数不是有效的 UTF-8 文本。\n",
                    status=400, mimetype="text/plain")
