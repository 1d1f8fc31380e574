"""Security headers on every response: pages, the API, static files and error pages.

The policy allows scripts and styles from the portal itself only, so an injected
<script> or on*= attribute does not run; the theme keeps its scripts in static/js
(tests/web/test_headers.py scans the rendered pages for inline ones). HSTS is sent
only when `security.hsts` is on and the request came over TLS: a browser told to use
https for a host served over plain http could not reach it again. Answers made
outside Flask by the WSGI middleware around it (a query string that is not UTF-8)
get the same headers from `EveryResponse`, the outermost layer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, request
from werkzeug.wrappers import Response

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))

# Browser features no page of the portal uses.
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in (
    "accelerometer", "autoplay", "camera", "display-capture", "geolocation", "gyroscope",
    "magnetometer", "microphone", "midi", "payment", "usb",
))

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": PERMISSIONS_POLICY,
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def init(app: Flask) -> None:
    settings = app.extensions["shuyuan"].settings
    hsts_on = bool(settings.get("security", "hsts", False))
    max_age = int(settings.get("security", "hsts_max_age", 31536000))
    hsts = f"max-age={max_age}; includeSubDomains"

    def add_headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers[name] = value
        if hsts_on and request.is_secure:
            response.headers["Strict-Transport-Security"] = hsts
        return response

    app.after_request(add_headers)


class EveryResponse:
    """WSGI middleware, outermost: the headers on answers Flask never saw (what the
    after_request hook set is left as it is)."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        def start(status: str, headers: list[tuple[str, str]], *args: Any) -> Any:
            present = {name.lower() for name, _ in headers}
            headers = [*headers, *((name, value) for name, value in HEADERS.items()
                                   if name.lower() not in present)]
            return start_response(status, headers, *args)

        return self.app(environ, start)
