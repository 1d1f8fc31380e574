"""Chinese typed raw into a URL (raw UTF-8 bytes in the request line) is served.

Sent over a socket exactly as curl sends `curl 'http://…/package_search?q=学校'`:
the bytes are not percent-escaped. waitress refused such a request with
"400 Bad URI" before the portal saw it (portal/raw_utf8_uri.py).
"""

from __future__ import annotations

import json
import socket
from typing import Any

import pytest

from portal.core.context import SYSTEM
from portal.raw_utf8_uri import escape_non_ascii, install
from tests.conftest import org_params, package_params

pytestmark = pytest.mark.fresh_portal


def raw_get(port: int, target: bytes, accept: bytes = b"*/*") -> tuple[int, bytes]:
    """One GET with the target's bytes written as they are; (status, body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: " + accept
                     + b"\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


@pytest.fixture
def served(live_server_factory: Any) -> Any:
    install()  # what `shuyuan serve` and `make demo` do (portal/cli.py)
    server, portal = live_server_factory("raw")
    portal.call("organization_create", org_params("edu", title="泗县教育局"), user=SYSTEM)
    portal.call("package_create", package_params(
        "schools", "edu", title="全县中小学学校名录", classification="base"), user=SYSTEM)
    portal.call("package_create", package_params(
        "roads", "edu", title="农村公路里程", classification="base"), user=SYSTEM)
    return server


def test_raw_chinese_in_the_api_query_is_decoded_as_utf8(served: Any) -> None:
    target = "/api/3/action/package_search?q=学校&fq=classification:base".encode()
    status, body = raw_get(served.port, target, b"application/json")
    assert status == 200, body[:300]
    result = json.loads(body)["result"]
    assert [p["name"] for p in result["results"]] == ["schools"]


def test_raw_chinese_in_a_page_query_and_path(served: Any) -> None:
    status, body = raw_get(served.port, "/dataset?q=学校".encode(), b"text/html")
    assert status == 200
    # Titles are highlighted in the hits: the links say which entries matched.
    assert b'href="/dataset/schools"' in body and b'href="/dataset/roads"' not in body
    # In the path: the same page as its percent-escaped form (a 404 names no 400).
    status, _ = raw_get(served.port, "/dataset/schools?x=教育".encode(), b"text/html")
    assert status == 200


def test_raw_bytes_that_are_not_utf8_answer_as_their_escaped_form(served: Any) -> None:
    # An encoded lone surrogate and a bare continuation byte: what the same bytes
    # percent-escaped get (Werkzeug keeps undecodable escapes as text), never a 500.
    for target in (b"/api/3/action/package_search?q=\xed\xa0\x80", b"/dataset?q=\x80"):
        status, body = raw_get(served.port, target)
        escaped_status, escaped_body = raw_get(served.port, escape_non_ascii(target))
        assert status == escaped_status and status < 500, (target, body[:200])
        assert b"schools" not in body


def test_escaping_keeps_ascii_and_existing_escapes() -> None:
    assert escape_non_ascii("GET /a?q=%E5%AD%A6学 HTTP/1.1".encode()) == (
        b"GET /a?q=%E5%AD%A6%E5%AD%A6 HTTP/1.1")


def test_shuyuan_serve_installs_the_escaping_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    # `shuyuan serve` and `make demo` both go through portal/cli.py's _serve.
    import waitress
    from waitress.channel import HTTPChannel
    from waitress.parser import HTTPRequestParser

    from portal import cli
    from portal.raw_utf8_uri import Utf8RequestParser

    monkeypatch.setattr(HTTPChannel, "parser_class", HTTPRequestParser)
    seen: list[type] = []
    monkeypatch.setattr(waitress, "serve", lambda *a, **k: seen.append(HTTPChannel.parser_class))
    monkeypatch.setattr("portal.actions.datastore_loads.resume_unfinished", lambda p: 0)
    monkeypatch.setattr("portal.app.create_app", lambda p: object())

    class FakePortal:
        settings = type("S", (), {"get": staticmethod(lambda *a: 8)})()

        def start_search(self) -> None:
            pass

    cli._serve(FakePortal(), "127.0.0.1", 5000)
    assert seen == [Utf8RequestParser]
