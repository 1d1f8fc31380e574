"""The catalog's data items drive the gate in the portal: what the law makes public is
published as it is, a department cannot set a reviewer's confirmation itself, a
conflict is confirmed by the bureau with a reason (audited), and a high-risk release
is approved only with an explicit acceptance kept with the review."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from sqlalchemy import select

from portal.core.errors import NotAuthorized, ValidationError
from portal.models import AuditEntry
from tests.conftest import Accounts
from tests.publication.conftest import County
from tests.publication.test_flow import download, submit
from tests.web.signin import sign_in

COMPANY = "91341324MA2N000018"  # a valid credit code (checked below)
SCHOOL_PHONES = [f"1385570{i:04d}" for i in range(8)]


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    return out.getvalue().encode("utf-8")


def _items(**flags: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"name": name, "type": "text", "description": "", **f} for name, f in flags.items()]


def test_credit_code_fixture_is_valid() -> None:
    from stdnum.cn import uscc

    assert uscc.is_valid(COMPANY)


def test_public_by_law_needs_a_basis_and_excludes_personal(county: County) -> None:
    with pytest.raises(ValidationError) as err:
        county.entry(data_items=_items(代码={"public_by_law": True}))
    assert "legal_basis" in str(err.value.as_error_dict())
    with pytest.raises(ValidationError) as err:
        county.entry(data_items=_items(代码={"public_by_law": True, "personal": True,
                                            "legal_basis": "条例"}))
    assert "both" in str(err.value.as_error_dict())


def test_a_department_cannot_confirm_its_own_declaration(county: County) -> None:
    raw = _csv(["学校", "办公电话"], [[f"第{i}小学", p] for i, p in enumerate(SCHOOL_PHONES)])
    items = _items(学校={}, 办公电话={"confirmed": True, "confirmed_reason": "自己说的"})
    ds = county.entry(raw=raw, filename="学校.csv", data_items=items)
    stored = {i["name"]: i for i in ds["data_items"]}
    assert "confirmed" not in stored["办公电话"]
    with pytest.raises(NotAuthorized):
        county.call("edu-editor", "publication_item_confirm",
                    {"id": ds["id"], "item": "办公电话", "reason": "办公电话"})


def test_public_by_law_values_reach_the_public_as_they_are(county: County, client: Any) -> None:
    raw = _csv(["企业名称", "统一社会信用代码", "法定代表人"],
               [["泗县宏达建材有限公司", COMPANY, "王建国"]] * 6)
    basis = "企业信息公示暂行条例"
    ds = county.entry(raw=raw, filename="企业.csv", data_items=_items(
        企业名称={}, 统一社会信用代码={"public_by_law": True, "legal_basis": basis},
        法定代表人={"public_by_law": True, "legal_basis": basis}))
    review = submit(county, ds)
    [report] = review["reports"]
    assert report["decision"] in ("allowed", "allowed_after_treatment"), report["reasons"]
    assert review["risk"]["level"] == "low"
    county.call("bureau", "publication_approve", {"id": ds["id"]})
    served = download(client, ds).data.decode("utf-8")
    assert COMPANY in served and "王建国" in served
    # One treatment, two views: the review's preview is the file the public is served.
    shown = county.call("bureau", "publication_review_show", {"id": review["id"]})
    preview = shown["reports"][0]["preview"]
    served_rows = list(csv.reader(io.StringIO(served)))
    assert preview["columns"] == served_rows[0]
    assert preview["rows"] == served_rows[1:6]
    assert {i["name"]: i["public_by_law"] for i in shown["data_items"]}["法定代表人"] is True


def test_review_page_shows_the_released_rows_beside_the_items(county: County,
                                                               app: Any) -> None:
    """The reviewer sees the treated rows (what the public will get), not the raw ones,
    with each column's declaration."""
    rid = "110101199003074514"
    raw = _csv(["姓名", "身份证号", "婚姻状况"], [["王秀英", rid, "已婚"]] * 6)
    ds = county.entry(raw=raw, filename="名册.csv", data_items=_items(
        姓名={"personal": True}, 身份证号={"personal": True}, 婚姻状况={"personal": True}))
    review = submit(county, ds)
    Accounts(county.portal).user("reviewer", sysadmin=True)
    browser = app.test_client()
    assert sign_in(browser, "reviewer").status_code == 302
    page = browser.get(f"/console/review/{review['id']}").get_data(as_text=True)
    assert "公众将获得的内容" in page and "声明为个人信息" in page
    assert rid not in page and "已婚" not in page and "王秀英" not in page


def test_conflict_confirmed_then_high_risk_accepted(county: County) -> None:
    raw = _csv(["学校", "办公电话"], [[f"第{i}小学", p] for i, p in enumerate(SCHOOL_PHONES)])
    ds = county.entry(raw=raw, filename="学校.csv",
                      data_items=_items(学校={}, 办公电话={"personal": False}))
    review = submit(county, ds)
    [report] = review["reports"]
    columns = {c["column"]: c for c in county.call(
        "bureau", "publication_review_show", {"id": review["id"]})["reports"][0]["report"]
        ["columns"]}
    assert columns["办公电话"]["conflict"] is True  # classified mobiles, declared not personal
    assert review["risk"]["level"] == "medium"

    confirmed = county.call("bureau", "publication_item_confirm",
                            {"id": ds["id"], "item": "办公电话", "reason": "学校办公电话，依法公开"})
    assert confirmed["item"]["confirmed"] is True
    review = confirmed["review"]
    if review["reports"][0]["decision"] in ("pending", "running"):  # a background gate
        review = county.call("bureau", "publication_review_show", {"id": review["id"]})
    assert review["risk"]["level"] == "high"

    with pytest.raises(ValidationError) as refused:
        county.call("bureau", "publication_approve", {"id": ds["id"]})
    assert "accept_risk" in refused.value.as_error_dict()
    with pytest.raises(ValidationError):
        county.call("bureau", "publication_approve", {"id": ds["id"], "accept_risk": True})
    approved = county.call("bureau", "publication_approve",
                           {"id": ds["id"], "accept_risk": True, "reason": "办公电话依法公开"})
    assert approved["status"] == "approved" and approved["reason"] == "办公电话依法公开"
    with county.portal.session() as session:
        actions = [e.action for e in session.scalars(
            select(AuditEntry).where(AuditEntry.object_id == ds["id"]))]
    assert "publication_item_confirm" in actions and "publication_approve" in actions
