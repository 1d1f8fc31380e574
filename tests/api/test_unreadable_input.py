"""Input no action can use is refused as the caller's mistake, never a 500: JSON nested
thousands deep or larger than the body limit (400), lone surrogates anywhere in any
action's parameters (409 naming the field), bytes in a query string that are not UTF-8
(400, API and pages), and date math past the calendar in q/fq (400 naming q or fq).
Each refusal changes nothing and its answer is valid JSON in CKAN's error shape."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest

from portal.core.validation import MAX_DEPTH
from tests.api.conftest import Site
from tests.api.helpers import fingerprint, unchanged
from tests.conftest import package_params

LONE = "\ud800"  # a high surrogate with no low one after it


@pytest.fixture(scope="module")
def site(shared_site: Site) -> Iterator[Site]:
    """The shared site with one entry, "schools", that searches should find."""
    shared_site.portal.call("package_create", package_params("schools", "edu"),
                            user=shared_site.portal.caller_by_name("bureau"))
    for token in (shared_site.admin, shared_site.editor):
        # A token's first use from an address is recorded (and audited): done here, so
        # each refusal below can be checked to change nothing at all.
        shared_site.api.post("status_show", {}, token=token)
    yield shared_site


def post_raw(site: Site, action: str, data: bytes, token: str | None = None,
             content_type: str = "application/json", **kwargs: Any) -> tuple[int, Any]:
    headers = {"Authorization": token} if token else {}
    response = site.api.client.post(f"/api/3/action/{action}", data=data, headers=headers,
                                    content_type=content_type, **kwargs)
    return response.status_code, json.loads(response.get_data())  # strict: valid JSON


def as_json(body: Any) -> bytes:
    """JSON text as a client writes it: a lone surrogate becomes the escape \\ud800."""
    text = json.dumps(body)  # ensure_ascii: surrogates are written as \\uXXXX escapes
    assert "\\ud800" in text or LONE not in str(body)
    return text.encode("ascii")


def refused(status: int, body: Any, http: int, kind: str) -> bool:
    return (status == http and body["success"] is False
            and set(body) == {"help", "success", "error"} and body["error"]["__type"] == kind)


# --- nesting and size ---------------------------------------------------------------

@pytest.mark.parametrize("opening", ["[", '{"a":'])
def test_json_nested_thousands_deep_is_a_bad_request(site: Site, opening: str) -> None:
    closing = "]" if opening == "[" else "}"
    data = (opening * 2000 + "1" + closing * 2000).encode()
    with unchanged(site.portal):
        status, body = post_raw(site, "package_create", data, site.admin)
    assert refused(status, body, 400, "Bad request")
    assert "nested" in body["error"]["message"]


def nested(depth: int) -> dict[str, Any]:
    """A body `depth` containers deep: the object itself, then lists in `id`."""
    value: Any = "schools"
    for _ in range(depth - 1):
        value = [value]
    return {"id": value}


def test_the_depth_limit_is_exact(site: Site) -> None:
    status, body = post_raw(site, "package_show", as_json(nested(MAX_DEPTH + 1)))
    assert refused(status, body, 400, "Bad request") and "nested" in body["error"]["message"]
    status, body = post_raw(site, "package_show", as_json(nested(MAX_DEPTH)))
    assert refused(status, body, 409, "Validation Error") and "id" in body["error"]


def test_deep_json_text_in_a_form_field_is_refused_naming_it(site: Site) -> None:
    deep = "[" * 5000 + "]" * 5000
    with unchanged(site.portal):
        status, body = post_raw(site, "notification_mark_read", f"ids={quote(deep)}".encode(),
                                site.editor, "application/x-www-form-urlencoded")
    assert refused(status, body, 409, "Validation Error") and "ids" in body["error"]


def test_deep_json_text_in_a_query_string_is_refused(site: Site) -> None:
    status, body = site.api.get("package_search", {"facet.field": "[" * 5000})
    assert refused(status, body, 400, "Search Query Error")


def test_a_body_over_the_limit_is_refused_before_it_is_read(site: Site) -> None:
    limit = site.portal.settings.get("api", "max_body_bytes")
    assert limit == 10 * 2**20
    padding = b" " * (limit - 40)
    status, body = post_raw(site, "package_show", b'{"id": "schools"}' + padding)
    assert status != 400, body  # just under the limit: read as usual
    with unchanged(site.portal):
        status, body = post_raw(site, "package_create",
                                as_json(package_params("big", "edu")) + padding + b" " * 80,
                                site.admin)
    assert refused(status, body, 400, "Bad request") and "larger" in body["error"]["message"]


def test_a_chunked_body_over_the_limit_is_refused(site: Site) -> None:
    limit = site.portal.settings.get("api", "max_body_bytes")
    data = b'{"id": "schools"' + b" " * limit + b"}"
    response = site.api.client.post(
        "/api/3/action/package_show", input_stream=io.BytesIO(data),
        headers={"Transfer-Encoding": "chunked", "Content-Type": "application/json"},
        environ_overrides={"wsgi.input_terminated": True})  # as waitress says of chunked
    assert response.status_code == 400, response.get_data()[:300]
    assert response.get_json()["error"]["__type"] == "Bad request"


# --- lone surrogates ----------------------------------------------------------------

def test_a_lone_surrogate_in_any_parameter_of_any_action_is_refused_naming_it(
        site: Site) -> None:
    """Every registered action, every declared field at once, plus a key it ignores:
    409 naming each one, whatever the validators (as_given, other_keys) would pass on."""
    before = fingerprint(site.portal)
    for name, spec in site.portal.actions.items():
        params = {key: f"x{LONE}" for key in spec.schema} | {"ignored": ["a", {"b": LONE}]}
        status, body = post_raw(site, name, as_json(params), site.admin)
        assert refused(status, body, 409, "Validation Error"), (name, status, body)
        assert set(spec.schema) | {"ignored"} <= set(body["error"]), (name, body)
        assert "surrogate" in body["error"]["ignored"][0]
    assert fingerprint(site.portal) == before


@pytest.mark.parametrize("params, field", [
    ({"title": f"学校{LONE}名单"}, "title"),
    ({"tags": [{"name": f"学校{LONE}"}]}, "tags"),
    ({"resources": [{"url": "http://example.cn/a.csv", "name": "\udfff"}]}, "resources"),
    ({"extras": [{"key": "来源", "value": f"{LONE}"}]}, "extras"),
    ({f"note{LONE}": "x"}, "note\\ud800"),  # the key itself: echoed as an escape
])
def test_a_lone_surrogate_nested_in_an_entry_is_refused(site: Site,
                                                        params: dict[str, Any],
                                                        field: str) -> None:
    with unchanged(site.portal):
        status, body = post_raw(site, "package_create",
                                as_json(package_params("surrogates", "edu", **params)),
                                site.admin)
    assert refused(status, body, 409, "Validation Error") and field in body["error"], body


def test_a_surrogate_pair_is_text_and_is_kept(site: Site) -> None:
    """The check refuses lone halves only: an emoji written as a pair is accepted."""
    status, body = post_raw(site, "package_create",
                            as_json(package_params("pair", "edu", title="学校 \ud83c\udfeb")),
                            site.admin)
    try:
        assert status == 200 and body["result"]["title"] == "学校 \U0001f3eb"
    finally:
        site.portal.call("package_delete", {"id": "pair"},
                                user=site.portal.caller_by_name("bureau"))


def test_a_lone_surrogate_inside_json_text_gives_valid_json(site: Site) -> None:
    """facet.field is JSON text the search decodes itself: its refusal echoes the name,
    and the answer is still valid JSON (the surrogate escaped), never a 500."""
    response = site.api.client.get(
        "/api/3/action/package_search?facet.field=" + quote('["\\ud800"]'))
    body = json.loads(response.get_data())
    assert response.status_code == 400 and body["error"]["__type"] == "Search Query Error"


def test_a_lone_surrogate_in_json_text_of_a_form_field_is_refused(site: Site) -> None:
    status, body = post_raw(site, "notification_mark_read",
                            b"ids=" + quote('["\\udc80"]').encode(), site.editor,
                            "application/x-www-form-urlencoded")
    assert refused(status, body, 409, "Validation Error") and "ids" in body["error"]


# --- query strings that are not UTF-8 -----------------------------------------------

def test_percent_escaped_surrogate_bytes_are_just_text(site: Site) -> None:
    status, body = site.api.get("package_search", {"q": "%ED%A0%80"})
    assert status == 200 and body["result"]["count"] == 0


@pytest.mark.parametrize("path", ["/api/3/action/package_search", "/api/3/action/no_such"])
def test_raw_bytes_in_an_api_query_string_are_a_bad_request(site: Site,
                                                            path: str) -> None:
    response = site.api.client.get(
        path, environ_overrides={"QUERY_STRING": "q=\xed\xa0\x80&rows=1"})
    body = json.loads(response.get_data())
    assert response.status_code == 400 and body["error"]["__type"] == "Bad request"
    assert body["success"] is False and "help" in body


@pytest.mark.parametrize("path", ["/dataset", "/", "/organization", "/no-such-page"])
def test_raw_bytes_in_a_page_query_string_are_a_bad_request(site: Site,
                                                            path: str) -> None:
    response = site.api.client.get(
        path, environ_overrides={"QUERY_STRING": "q=\xff\xfe&lang=\xed\xa0\x80"})
    assert response.status_code == 400
    assert "UTF-8" in response.get_data(as_text=True)


def test_a_form_post_with_raw_bytes_is_no_server_error(site: Site) -> None:
    for content_type, data in [
        ("application/x-www-form-urlencoded", b"name=\xed\xa0\x80&password=x"),
        ("multipart/form-data; boundary=B",
         b'--B\r\nContent-Disposition: form-data; name="name"\r\n\r\n\xed\xa0\x80\r\n--B--\r\n'),
    ]:
        response = site.api.client.post("/user/login", data=data,
                                               content_type=content_type)
        assert response.status_code < 500, response.status_code
        response = site.api.client.post("/api/3/action/package_show", data=data,
                                               content_type=content_type)
        assert response.status_code == 409 and json.loads(response.get_data())


# --- date math in q and fq ----------------------------------------------------------

@pytest.mark.parametrize("which, clause", [
    ("fq", "metadata_modified:[NOW-99999999999DAYS TO NOW]"),
    ("fq", "metadata_created:[* TO NOW+9999999YEARS]"),
    ("fq", "metadata_modified:[NOW-1001YEARS TO NOW]"),
    ("fq", "metadata_modified:[NOW-99999999999999999999SECONDS TO *]"),
    ("q", "metadata_modified:[NOW-1000000MONTHS TO NOW]"),
    ("q", "学校 AND metadata_modified:{NOW-400000DAYS/DAY TO NOW}"),
])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_date_math_beyond_the_calendar_is_a_search_query_error(
        site: Site, which: str, clause: str, method: str) -> None:
    call = site.api.get if method == "GET" else site.api.post
    status, body = call("package_search", {which: clause})
    assert refused(status, body, 400, "Search Query Error"), body
    assert f" in {which}: " in body["error"]["message"]


@pytest.mark.parametrize("clause", [
    "metadata_modified:[NOW-1000YEARS TO NOW]",
    "metadata_modified:[NOW-30DAYS/DAY TO NOW+1DAY]",
    "metadata_modified:[0001-01-01T00:00:00+14:00 TO 9999-12-31T23:59:59-14:00]",
])
def test_date_math_within_bounds_still_searches(site: Site, clause: str) -> None:
    status, body = site.api.get("package_search", {"fq": clause}, token=site.admin)
    assert status == 200, body
    assert "schools" in [r["name"] for r in body["result"]["results"]]


def test_date_math_overflow_on_the_search_page_is_a_bad_request(site: Site) -> None:
    response = site.api.client.get(
        "/dataset?q=" + quote("metadata_modified:[NOW-99999999999DAYS TO NOW]"))
    assert response.status_code == 400


# --- JSON text an action decodes itself (datastore filters and records) --------------

@pytest.fixture(scope="module")
def table(site: Site) -> str:
    """A resource of "schools" with a datastore table; its id."""
    bureau = site.portal.caller_by_name("bureau")
    res = site.portal.call("resource_create", {"package_id": "schools", "name": "名单",
                                               "url": "http://example.cn/s.csv"}, user=bureau)
    site.portal.call("datastore_create", {
        "resource_id": res["id"], "fields": [{"id": "学校", "type": "text"}],
        "records": [{"学校": "泗县第一中学"}]}, user=bureau)
    return str(res["id"])


@pytest.mark.parametrize("text, problem", [
    ('{"学校": "\\ud800"}', "surrogate"),
    ("[" * 5000, "JSON"),
])
def test_json_text_in_datastore_filters_is_refused_naming_it(site: Site, table: str,
                                                             text: str, problem: str) -> None:
    status, body = site.api.get("datastore_search", {"resource_id": table, "filters": text},
                                token=site.admin)
    assert refused(status, body, 409, "Validation Error") and "filters" in body["error"], body
    assert problem in body["error"]["filters"][0]


def test_json_text_in_datastore_records_is_refused_naming_it(site: Site, table: str) -> None:
    records = quote('[{"学校": "\\udc00"}]')  # JSON text with the escape \udc00
    with unchanged(site.portal):
        status, body = post_raw(site, "datastore_upsert",
                                f"resource_id={table}&method=insert&records={records}".encode(),
                                site.admin, "application/x-www-form-urlencoded")
    assert refused(status, body, 409, "Validation Error") and "records" in body["error"], body


def test_json_text_in_a_dump_filter_is_a_bad_request_page(site: Site, table: str) -> None:
    for text in ('{"学校": "\\ud800"}', "[" * 5000):
        response = site.api.client.get(
            f"/datastore/dump/{table}?filters={quote(text)}",
            headers={"Authorization": site.admin})
        assert response.status_code == 400, response.status_code
