"""Pseudonyms keyed per recipient (portal/gate.py): a conditionally open file downloaded
under an approved open application is made for its recipient. Two recipients cannot
join their copies on pseudonyms; one recipient's copies of two entries still join."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

from portal.core.clock import Clock
from portal.models import ResourceRelease
from tests.api.helpers import make_user
from tests.publication.conftest import County
from tests.publication.test_flow import identifiers

CONDITIONAL = {"open_type": "conditional", "open_condition": "实名申请，限学术研究使用",
               "data_items": [{"name": "身份证号", "type": "text", "personal": True},
                              {"name": "补助金额", "type": "text", "personal": False}]}


def table(ids: list[str], amounts: list[int]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["身份证号", "补助金额"])
    writer.writerows([i, a] for i, a in zip(ids, amounts, strict=True))
    return out.getvalue().encode("utf-8")


def rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def published(county: County, name: str, raw: bytes) -> dict[str, Any]:
    ds = county.entry(raw=raw, filename=f"{name}.csv", name=name, resource_code=name,
                      **CONDITIONAL)
    county.call("edu-editor", "publication_submit", {"id": ds["id"]})
    county.call("bureau", "publication_approve", {"id": ds["id"]})
    return ds


def approved(county: County, who: str, ds: dict[str, Any]) -> None:
    made = county.call(who, "open_application_create", {
        "dataset": ds["name"], "scenario": "学生资助政策研究", "security_measures": "加密存储，专人管理",
        "period_end": (Clock().today() + timedelta(days=365)).isoformat(), "applicant_type": "citizen"})
    county.call("bureau", "open_application_approve", {"id": made["id"]})


def downloaded(county: County, who: str, ds: dict[str, Any]) -> tuple[str, bytes]:
    got = county.call(who, "resource_download", {"id": ds["resources"][0]["id"]})
    assert got["file"] == "released"
    return got["sha256"], county.portal.blobs.path(got["sha256"]).read_bytes()


def test_two_recipients_get_different_pseudonyms_one_recipient_joins(county: County) -> None:
    ids = identifiers()[0][:6]
    county.users["scholar"], county.tokens["scholar"] = make_user(county.portal, "scholar")
    grants = published(county, "grants-2025", table(ids, [500, 600, 700, 800, 900, 1000]))
    meals = published(county, "meals-2025", table(list(reversed(ids)),
                                                  [30, 40, 50, 60, 70, 80]))
    for who in ("citizen", "scholar"):
        approved(county, who, grants)
        approved(county, who, meals)

    sha_c, mine = downloaded(county, "citizen", grants)
    sha_s, theirs = downloaded(county, "scholar", grants)
    _, my_meals = downloaded(county, "citizen", meals)
    _, their_meals = downloaded(county, "scholar", meals)
    mine_rows, theirs_rows = rows(mine), rows(theirs)
    raw = set(ids)

    # Both copies treated as the bureau approved: same columns, same amounts, no raw ID.
    assert [r["补助金额"] for r in mine_rows] == [r["补助金额"] for r in theirs_rows]
    assert not {r["身份证号"] for r in mine_rows + theirs_rows} & raw
    # Two recipients cannot join their copies on the pseudonyms...
    assert sha_c != sha_s
    assert not {r["身份证号"] for r in mine_rows} & {r["身份证号"] for r in theirs_rows}
    # ...while one recipient's copies of two entries carry one pseudonym per person.
    mine_by_amount = {r["补助金额"]: r["身份证号"] for r in mine_rows}
    meals_by_amount = {r["补助金额"]: r["身份证号"] for r in rows(my_meals)}
    for grant_amount, meal_amount in zip(range(500, 1001, 100), range(80, 29, -10),
                                         strict=True):
        assert mine_by_amount[str(grant_amount)] == meals_by_amount[str(meal_amount)]
    assert {r["身份证号"] for r in rows(their_meals)} == {r["身份证号"] for r in theirs_rows}

    # The file is made once per recipient: a second download is the same file.
    assert downloaded(county, "citizen", grants)[0] == sha_c
    with county.portal.session() as session:
        made = session.query(ResourceRelease).filter(
            ResourceRelease.recipient.is_not(None)).all()
    assert len(made) == 4 and {r.decision for r in made} == {"allowed_after_treatment"}
    assert len({r.recipient for r in made}) == 2

    # The department and the bureau still read the raw file.
    own = county.call("edu-editor", "resource_download", {"id": grants["resources"][0]["id"]})
    assert own["file"] == "raw"
    assert {r["身份证号"] for r in rows(county.portal.blobs.path(own["sha256"]).read_bytes())} \
        == raw


def test_the_recipient_key_is_derived_per_recipient(county: County) -> None:
    gate = county.portal.gate
    one, two = gate.recipient_secret("user:a"), gate.recipient_secret("user:b")
    assert one != two and len(one) == 32 and one != gate.secret
    assert gate.recipient_secret("user:a") == one  # stable: the cache stays valid
