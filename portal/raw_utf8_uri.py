"""Raw UTF-8 in a request line (`GET /dataset?q=学校`) is accepted, as nginx accepts it.

curl, browsers' address bars and many scripts send Chinese typed into a URL as raw
UTF-8 bytes. waitress splits the request target with `urllib.parse.urlsplit`, which
decodes bytes as ASCII, so such a request was refused with "400 Bad URI" before the
portal saw it. Here the bytes above 0x7F in the request target are percent-escaped
first (what a browser does before sending): the path then reaches the app as the same
bytes (WSGI's latin-1 string), the query string as %XX escapes that Werkzeug decodes
as UTF-8. Bytes that are not UTF-8 stay refused further on (portal/request_guard.py).
"""

from __future__ import annotations

import re

from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser

_NON_ASCII = re.compile(rb"[\x80-\xff]")


def escape_non_ascii(target: bytes) -> bytes:
    """Percent-escape each byte above 0x7F; ASCII (including existing %XX) is kept."""
    return _NON_ASCII.sub(lambda m: b"%%%02X" % m.group()[0], target)


class Utf8RequestParser(HTTPRequestParser):
    """waitress's parser with the request line's target escaped before it is split."""

    def parse_header(self, header_plus: bytes) -> None:
        end = header_plus.find(b"\r\n")
        if end > 0:
            header_plus = escape_non_ascii(header_plus[:end]) + header_plus[end:]
        super().parse_header(header_plus)


def install() -> None:
    """Make every waitress server in this process use the escaping parser (idempotent).

    waitress builds its channels from the class attribute; it offers no per-server hook.
    """
    HTTPChannel.parser_class = Utf8RequestParser
