"""Pseudonyms keyed per recipient, the tables (issue 13, item 8). A conditionally open
entry's table in the datastore is made from the public's released file, whose pseudonyms
are keyed for nobody in particular: two recipients reading it could join their rows on
them. So a grant's recipient reads no such table by any path (datastore_search,
datastore_info, datastore_search_sql, the dumps, the preview); they download the file
made for them. Written as the two recipients would try it.

Also the console's labels of releases the gate has not decided (pending, running): the
review page and the review queue name them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import update

from portal.access import PER_RECIPIENT
from portal.core.errors import ActionError, NotAuthorized
from portal.models import Resource, ResourceRelease
from tests.api.helpers import make_user, settle
from tests.conftest import Accounts
from tests.publication.conftest import County
from tests.publication.test_flow import identifiers
from tests.publication.test_recipient_pseudonyms import (
    CONDITIONAL,
    approved,
    published,
    rows,
    table,
)
from tests.support.gate import settle_gate
from tests.web.signin import close_session, open_session, sign_in

RECIPIENTS = ("citizen", "scholar")
DUMP_FORMATS = ("csv", "tsv", "json", "xlsx")
OWN_FILE_ZH = "本条件开放资源的数据为每位获批申请人单独生成文件"
DUMP_ZH = "条件开放资源的数据为每位获批申请人单独生成文件"


@pytest.fixture(scope="module")
def portal_config() -> dict[str, dict[str, Any]]:
    return {"datastore": {"sql_enabled": True}}


def conditional_entry(county: County) -> tuple[dict[str, Any], str, set[str]]:
    """A published conditionally open entry both recipients hold an approved open
    application for: (entry, resource id, the public released file's pseudonyms)."""
    ids = identifiers()[0][:6]
    county.users["scholar"], county.tokens["scholar"] = make_user(county.portal, "scholar")
    ds = published(county, "grants-2025", table(ids, [500, 600, 700, 800, 900, 1000]))
    for who in RECIPIENTS:
        approved(county, who, ds)
    settle(county.portal)
    rid = ds["resources"][0]["id"]
    with county.portal.session() as session:
        res = session.get(Resource, rid)
        assert res is not None and res.released_sha256 and res.datastore is not None
        # The table is the released file's: what a recipient would read through it.
        assert res.datastore.source_sha256 == res.released_sha256
        shared = county.portal.blobs.path(res.released_sha256).read_bytes()
    pseudonyms = {r["身份证号"] for r in rows(shared)}
    assert pseudonyms and not pseudonyms & set(ids)
    return ds, rid, pseudonyms


def leaked(text: str, pseudonyms: set[str]) -> set[str]:
    return {p for p in pseudonyms if p in text}


def refused(county: County, who: str, action: str, params: dict[str, Any]) -> str:
    with pytest.raises(NotAuthorized) as caught:
        county.call(who, action, params)
    return caught.value.message


def test_recipients_read_no_table_through_the_actions(county: County) -> None:
    ds, rid, pseudonyms = conditional_entry(county)
    for who in RECIPIENTS:
        for action, params in (
                ("datastore_search", {"resource_id": rid, "limit": 1000}),
                ("datastore_search", {"resource_id": rid, "q": "1", "fields": ["身份证号"]}),
                ("datastore_search", {"resource_id": rid, "distinct": True,
                                      "fields": ["身份证号"], "records_format": "csv"}),
                ("datastore_info", {"id": rid}),
                ("datastore_search_sql", {"sql": f'SELECT * FROM "{rid}"'}),
                ("datastore_search_sql", {"sql": f'SELECT "身份证号" FROM "{rid}" '
                                                 "UNION SELECT 'x'"}),
                ("datastore_search_sql", {"sql": f'WITH t AS (SELECT * FROM "{rid}") '
                                                 "SELECT * FROM t"})):
            message = refused(county, who, action, params)
            assert PER_RECIPIENT in message, (who, action, message)
            assert not leaked(message, pseudonyms)

    # Their own files still come: each made for its recipient, none with the shared
    # pseudonyms, and the two do not join.
    mine: dict[str, set[str]] = {}
    for who in RECIPIENTS:
        got = county.call(who, "resource_download", {"id": rid})
        assert got["file"] == "released"
        mine[who] = {r["身份证号"] for r in rows(county.portal.blobs.path(got["sha256"])
                                               .read_bytes())}
        assert len(mine[who]) == 6 and not mine[who] & pseudonyms
    assert not mine["citizen"] & mine["scholar"]

    # The department and the bureau keep reading the table.
    for who in ("edu-editor", "bureau"):
        found = county.call(who, "datastore_search", {"resource_id": rid})
        # ...the released file's rows: the very pseudonyms the recipients must not share.
        assert {r["身份证号"] for r in found["records"]} == pseudonyms
        assert county.call(who, "datastore_info", {"id": rid})["meta"]["count"] == 6
    sql = county.call("edu-editor", "datastore_search_sql", {"sql": f'SELECT * FROM "{rid}"'})
    assert len(sql["records"]) == 6

    # Anonymous callers still get nothing, and not the recipients' message either.
    for action, params in (("datastore_search", {"resource_id": rid}),
                           ("datastore_info", {"id": rid}),
                           ("datastore_search_sql", {"sql": f'SELECT * FROM "{rid}"'})):
        with pytest.raises(ActionError) as caught:
            county.call("anonymous", action, params)
        assert not leaked(caught.value.message, pseudonyms)


def test_recipients_read_no_table_through_the_api_dumps_and_preview(
        county: County, client: Any) -> None:
    ds, rid, pseudonyms = conditional_entry(county)
    for who in RECIPIENTS:
        auth = {"Authorization": county.tokens[who]}
        for action, body in (("datastore_search", {"resource_id": rid}),
                             ("datastore_info", {"id": rid}),
                             ("datastore_search_sql", {"sql": f'SELECT * FROM "{rid}"'})):
            got = client.post(f"/api/3/action/{action}", json=body, headers=auth)
            answer = got.get_json()
            assert got.status_code == 403 and answer["success"] is False, (who, action)
            assert answer["error"]["__type"] == "Authorization Error"
            assert PER_RECIPIENT in answer["error"]["message"]
            assert not leaked(got.get_data(as_text=True), pseudonyms)
        got = client.get(f"/api/3/action/datastore_search?resource_id={rid}", headers=auth)
        assert got.status_code == 403 and not leaked(got.get_data(as_text=True), pseudonyms)

        # The dumps, every format, with the token a script would use.
        for fmt in DUMP_FORMATS:
            got = client.get(f"/datastore/dump/{rid}?format={fmt}&bom=true", headers=auth)
            assert got.status_code == 403, (who, fmt)
            text = got.get_data(as_text=True)
            assert DUMP_ZH in text and not leaked(text, pseudonyms)

        # The file download works, and is theirs.
        got = client.get(f"/dataset/{ds['name']}/resource/{rid}/download", headers=auth)
        assert got.status_code == 200
        assert len(rows(got.data)) == 6 and not leaked(got.data.decode("utf-8"), pseudonyms)

        # The entry's page, signed in: a note instead of the preview and the table links.
        open_session(client, county.users[who].id)
        html = client.get(f"/dataset/{ds['name']}").get_data(as_text=True)
        assert OWN_FILE_ZH in html
        assert f'data-resource-id="{rid}"' not in html and f"/datastore/dump/{rid}" not in html
        assert not leaked(html, pseudonyms)
        close_session(client)

    # Anonymous: no rows by any path, and no recipient's note.
    for fmt in DUMP_FORMATS:
        got = client.get(f"/datastore/dump/{rid}?format={fmt}")
        assert got.status_code == 404 and not leaked(got.get_data(as_text=True), pseudonyms)
    got = client.post("/api/3/action/datastore_search", json={"resource_id": rid})
    assert got.status_code == 403 and not leaked(got.get_data(as_text=True), pseudonyms)
    html = client.get(f"/dataset/{ds['name']}").get_data(as_text=True)
    assert OWN_FILE_ZH not in html and not leaked(html, pseudonyms)

    # The department reads the table and its dumps as before.
    editor = {"Authorization": county.tokens["edu-editor"]}
    got = client.get(f"/datastore/dump/{rid}?format=json", headers=editor)
    assert got.status_code == 200 and len(json.loads(got.data)["records"]) == 6
    open_session(client, county.users["edu-editor"].id)
    html = client.get(f"/dataset/{ds['name']}").get_data(as_text=True)
    assert OWN_FILE_ZH not in html and f'data-resource-id="{rid}"' in html


def test_a_table_the_gate_treated_nothing_in_stays_readable(county: County) -> None:
    """Fail-closed, not blanket: rows with nothing to pseudonymise carry no pseudonym a
    recipient could join on, so the table of such a file stays readable."""
    county.users["scholar"], county.tokens["scholar"] = make_user(county.portal, "scholar")
    ds = county.entry(raw="补助金额,学段\n500,小学\n600,初中\n".encode(),
                      filename="amounts-2025.csv", name="amounts-2025",
                      resource_code="amounts-2025", **{
                          **CONDITIONAL, "data_items": [
                              {"name": "补助金额", "type": "text", "personal": False},
                              {"name": "学段", "type": "text", "personal": False}]})
    county.call("edu-editor", "publication_submit", {"id": ds["id"]})
    county.call("bureau", "publication_approve", {"id": ds["id"]})
    approved(county, "citizen", ds)
    settle(county.portal)
    rid = ds["resources"][0]["id"]
    found = county.call("citizen", "datastore_search", {"resource_id": rid})
    assert [r["补助金额"] for r in found["records"]] == [500, 600]


def test_the_review_page_and_queue_name_unfinished_checks(county: County, app: Any) -> None:
    portal = county.portal
    portal.settle_gate = False  # type: ignore[attr-defined]
    Accounts(portal).user("reviewer", sysadmin=True)
    browser = app.test_client()
    assert sign_in(browser, "reviewer").status_code == 302
    ds = county.entry()
    with portal.jobs.hold():
        review = portal.call("publication_submit", {"id": ds["id"]},
                             user=county.users["edu-editor"])
        assert review["reports"][0]["decision"] == "pending"
        queue = browser.get("/console/reviews").get_data(as_text=True)
        page = browser.get(f"/console/review/{review['id']}").get_data(as_text=True)
        assert "待检查" in queue and "待检查" in page and "等待脱敏检查开始" in page
        assert ">pending<" not in queue and ">pending<" not in page
        with portal.session() as session, session.begin():
            session.execute(update(ResourceRelease).values(state="running", progress=4321))
        queue = browser.get("/console/reviews").get_data(as_text=True)
        page = browser.get(f"/console/review/{review['id']}").get_data(as_text=True)
        assert "检查中 · 4,321" in queue and "检查中" in page and "待检查" not in page
        assert "脱敏检查进行中：已检查 4,321 行" in page
    settle_gate(portal)
    queue = browser.get("/console/reviews").get_data(as_text=True)
    assert "处理后允许发布" in queue and "检查中" not in queue and "待检查" not in queue
