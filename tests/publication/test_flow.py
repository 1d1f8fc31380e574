"""The publication path on the demo county's 学生资助发放名单 (pupils' and guardians' names,
resident ID numbers, mobile numbers): blocked by the desensitization gate until the
entry may be treated for the class asked, published treated, the raw file never
reachable by the public (download, version, ZIP, datastore)."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from openpyxl import load_workbook

from portal.actions.resources import Upload
from portal.core.errors import NotAuthorized, NotFound, ValidationError
from tests.api.helpers import settle, unchanged
from tests.publication.conftest import County, personal_plan


def cells(data: bytes) -> list[str]:
    sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    return [str(v) for row in sheet.iter_rows(values_only=True) for v in row if v is not None]


def identifiers() -> tuple[list[str], list[str], list[str]]:
    """Resident IDs, mobiles and names of the raw demo file."""
    _, raw, _ = personal_plan()
    rows = load_workbook(io.BytesIO(raw), read_only=True).worksheets[0].iter_rows(values_only=True)
    header = [str(h) for h in next(rows)]
    body = [dict(zip(header, row, strict=False)) for row in rows]
    return ([str(r["身份证号"]) for r in body], [str(r["监护人电话"]) for r in body],
            [str(r["学生姓名"]) for r in body])


def download(client: Any, ds: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
    res = ds["resources"][0]
    return client.get(f"/dataset/{ds['name']}/resource/{res['id']}/download", headers=headers)


def submit(county: County, ds: dict[str, Any], who: str = "edu-editor") -> dict[str, Any]:
    return county.call(who, "publication_submit", {"id": ds["id"], "note": "请审核"})


def test_the_whole_path_blocked_then_treated_then_published(county: County, client: Any) -> None:
    ids, mobiles, names = identifiers()
    ds = county.entry(grading="important")
    with pytest.raises((NotAuthorized, NotFound)):
        county.call("anonymous", "package_show", {"id": ds["id"]})

    # Important data opens conditionally at most: the gate blocks the file.
    review = submit(county, ds)
    assert review["status"] == "pending" and review["target"] == "unconditional-open"
    [report] = review["reports"]
    assert report["decision"] == "blocked" and not review["approvable"]
    assert any("important" in r for r in report["reasons"]), report["reasons"]
    with unchanged(county.portal), pytest.raises(ValidationError) as refused:
        county.call("bureau", "publication_approve", {"id": ds["id"]})
    assert "blocked" in str(refused.value.as_error_dict())
    assert download(client, ds).status_code == 404  # still not public

    # The department corrects the grading and submits again: now treated.
    county.call("edu-editor", "package_patch", {"id": ds["id"], "grading": "general"})
    review = submit(county, ds)
    [report] = review["reports"]
    assert report["decision"] == "allowed_after_treatment" and review["approvable"]
    assert report["found"]["CN_RESIDENT_ID"] >= len(ids) and report["found"]["CN_MOBILE"] > 0
    shown = str(review)
    assert not any(value in shown for value in ids + mobiles)  # masked samples only
    queue = county.call("bureau", "publication_review_list", {})
    assert [r["dataset_name"] for r in queue["results"]] == [ds["name"]]

    approved = county.call("bureau", "publication_approve", {"id": ds["id"], "note": "同意"})
    assert approved["status"] == "approved" and approved["dataset_state"] == "published"

    # The public gets the treated file: no resident ID, mobile or pupil's name left.
    public = download(client, ds)
    assert public.status_code == 200
    served = cells(public.data)
    assert not set(served) & set(ids + mobiles + names)
    assert any(c.startswith(ids[0][:6]) and c.endswith("*") for c in served)
    raw_sha = county.call("edu-editor", "resource_download", {"id": ds["resources"][0]["id"]})
    assert raw_sha["file"] == "raw" and raw_sha["sha256"] == ds["resources"][0]["hash"]
    got = county.call("anonymous", "resource_download", {"id": ds["resources"][0]["id"]})
    assert got["file"] == "released" and got["sha256"] != raw_sha["sha256"]
    assert public.headers["ETag"].strip('"') == got["sha256"]

    # ...and never the raw one: not by its version URL, the ZIP or the datastore.
    rid = ds["resources"][0]["id"]
    raw_version = client.get(f"/dataset/{ds['name']}/resource/{rid}/version/"
                             f"{raw_sha['sha256']}/download")
    assert raw_version.status_code == 404
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/dataset/{ds['name']}/download.zip").data))
    members = [n for n in archive.namelist() if n != "README.txt"]
    assert len(members) == 1 and not set(cells(archive.read(members[0]))) & set(ids + mobiles)
    settle(county.portal)
    rows = county.call("anonymous", "datastore_search", {"resource_id": rid, "limit": 1000})
    values = {str(v) for row in rows["records"] for v in row.values()}
    assert rows["records"] and not values & set(ids + mobiles + names)
    # The department still works with its own raw file.
    own = download(client, ds, {"Authorization": county.tokens["edu-editor"]})
    assert set(ids) <= set(cells(own.data))


def test_replacing_a_file_sends_a_published_entry_back_to_review(county: County,
                                                                 client: Any) -> None:
    ds = county.entry()
    submit(county, ds)
    county.call("bureau", "publication_approve", {"id": ds["id"]})
    _, raw, name = personal_plan()
    county.call("edu-editor", "resource_patch", {"id": ds["resources"][0]["id"],
                                                 "upload": Upload(name, io.BytesIO(raw + b""))})
    assert county.call("edu-editor", "package_show", {"id": ds["id"]})["publication_state"] == "published"
    # Same bytes: the released file still matches, nothing to review.
    ids, _, _ = identifiers()
    other = f"序号,学生姓名,身份证号\n1,张伟,{ids[0]}\n".encode()
    county.call("edu-editor", "resource_patch", {"id": ds["resources"][0]["id"],
                                                 "upload": Upload("名单.csv", io.BytesIO(other))})
    shown = county.call("edu-editor", "package_show", {"id": ds["id"]})
    assert shown["publication_state"] == "pending"
    assert download(client, ds).status_code == 404
    with pytest.raises((NotAuthorized, NotFound)):
        county.call("anonymous", "package_show", {"id": ds["id"]})
    [pending] = county.call("bureau", "publication_review_list", {})["results"]
    assert pending["reports"][0]["decision"] == "allowed_after_treatment"
    county.call("bureau", "publication_approve", {"id": ds["id"]})
    text = download(client, ds).data.decode()
    assert ids[0] not in text and "张伟" not in text and ids[0][:6] in text


def test_a_department_changing_the_open_class_sends_the_entry_back(county: County) -> None:
    ds = county.entry()
    submit(county, ds)
    county.call("bureau", "publication_approve", {"id": ds["id"]})
    county.call("edu-editor", "package_patch", {"id": ds["id"], "open_type": "conditional",
                                                "open_condition": "实名注册并说明用途"})
    review = county.call("bureau", "publication_review_show", {"dataset_id": ds["id"]})
    assert review["status"] == "pending" and review["target"] == "conditional-open"
    assert review["dataset_state"] == "pending"


def test_bureau_staff_publishing_directly_still_pass_the_gate(county: County,
                                                             client: Any) -> None:
    ids, _, _ = identifiers()
    with unchanged(county.portal), pytest.raises(ValidationError) as refused:
        county.entry(who="bureau", publication_state="published", grading="important")
    assert "desensitization gate" in str(refused.value.as_error_dict())
    ds = county.entry(who="bureau", publication_state="published")
    assert ds["publication_state"] == "published"
    served = cells(download(client, ds).data)
    assert not set(served) & set(ids)


def test_reject_returns_the_entry_with_the_reason(county: County) -> None:
    ds = county.entry()
    submit(county, ds)
    rejected = county.call("bureau", "publication_reject",
                           {"id": ds["id"], "reason": "信息项说明不完整"})
    assert rejected["status"] == "rejected" and rejected["reason"] == "信息项说明不完整"
    assert county.call("edu-editor", "package_show", {"id": ds["id"]})["publication_state"] == "draft"
    notices = county.call("edu-editor", "notification_list", {})
    assert any("信息项说明不完整" in n["body"] for n in notices)


def test_withdrawn_entries_leave_the_public_catalog(county: County, client: Any) -> None:
    ds = county.entry()
    submit(county, ds)
    county.call("bureau", "publication_approve", {"id": ds["id"]})
    assert download(client, ds).status_code == 200
    county.call("bureau", "publication_withdraw", {"id": ds["id"], "reason": "数据有误"})
    assert download(client, ds).status_code == 404
    with pytest.raises((NotAuthorized, NotFound)):
        county.call("anonymous", "package_show", {"id": ds["id"]})


REFUSALS = [
    ("another department submits", "health-editor", "publication_submit", {}, NotAuthorized),
    ("a member (not editor) submits", "edu-member", "publication_submit", {}, NotAuthorized),
    ("anonymous submits", "anonymous", "publication_submit", {}, NotAuthorized),
    ("the department approves its own", "edu-editor", "publication_approve", {},
     NotAuthorized),
    ("a citizen approves", "citizen", "publication_approve", {}, NotAuthorized),
    ("anonymous approves", "anonymous", "publication_approve", {}, NotAuthorized),
    ("the department rejects", "edu-editor", "publication_reject", {"reason": "x"},
     NotAuthorized),
    ("the bureau rejects without a reason", "bureau", "publication_reject", {"reason": " "},
     ValidationError),
    ("the department withdraws", "edu-editor", "publication_withdraw", {"reason": "x"},
     NotAuthorized),
    ("withdrawing what is not published", "bureau", "publication_withdraw", {"reason": "x"},
     ValidationError),
]


@pytest.mark.parametrize(("who", "name", "extra", "error"),
                         [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS])
def test_refusals_change_nothing(county: County, who: str, name: str, extra: dict[str, Any],
                                 error: type[Exception]) -> None:
    ds = county.entry()
    if name != "publication_submit":
        submit(county, ds)
    with unchanged(county.portal), pytest.raises(error):
        county.call(who, name, {"id": ds["id"], **extra})


def test_approving_an_entry_nobody_submitted_is_refused(county: County) -> None:
    ds = county.entry()
    with unchanged(county.portal), pytest.raises(ValidationError):
        county.call("bureau", "publication_approve", {"id": ds["id"]})


@pytest.mark.parametrize("who", ["anonymous", "citizen", "health-editor"])
def test_reviews_are_read_by_the_bureau_and_the_department_only(county: County,
                                                               who: str) -> None:
    ds = county.entry()
    review = submit(county, ds)
    assert county.call("edu-member", "publication_review_show", {"id": review["id"]})
    with pytest.raises(NotAuthorized):
        county.call(who, "publication_review_show", {"id": review["id"]})
    if who == "health-editor":
        assert county.call(who, "publication_review_list", {})["count"] == 0
    else:
        with pytest.raises(NotAuthorized):
            county.call(who, "publication_review_list", {})


def test_a_file_the_gate_cannot_read_is_withheld_from_the_public(county: County,
                                                                 client: Any) -> None:
    ds = county.entry(who="bureau", publication_state="published",
                      raw=b"PK\x03\x04 not really a workbook", filename="broken.xlsx")
    assert ds["publication_state"] == "published"
    assert download(client, ds).status_code == 404
    with pytest.raises(NotFound, match="not passed publication review"):
        county.call("anonymous", "resource_download", {"id": ds["resources"][0]["id"]})
    own = download(client, ds, {"Authorization": county.tokens["edu-editor"]})
    assert own.status_code == 200 and own.data.startswith(b"PK\x03\x04 not really")
    # A department submitting it cannot have it approved: nothing vouches for the file.
    county.call("edu-editor", "resource_patch", {"id": ds["resources"][0]["id"],
                                                 "description": "原始文件"})
    draft = county.entry(raw=b"PK\x03\x04 not really a workbook", filename="broken.xlsx",
                         name="broken-draft", resource_code="broken-draft-1")
    review = submit(county, draft)
    assert review["reports"][0]["decision"] == "not_checked" and not review["approvable"]
    with pytest.raises(ValidationError):
        county.call("bureau", "publication_approve", {"id": draft["id"]})


def test_refusals_are_logged(county: County, caplog: pytest.LogCaptureFixture) -> None:
    ds = county.entry(grading="important")
    submit(county, ds)
    with caplog.at_level("WARNING", logger="portal.refusals"), pytest.raises(ValidationError):
        county.call("bureau", "publication_approve", {"id": ds["id"]})
    with caplog.at_level("WARNING", logger="portal.refusals"), pytest.raises(NotAuthorized):
        county.call("edu-editor", "publication_approve", {"id": ds["id"]})
    logged = [r.getMessage() for r in caplog.records if r.name == "portal.refusals"]
    assert any("publication_approve by bureau" in m and "blocked" in m for m in logged)
    assert any("publication_approve by edu-editor" in m for m in logged)


def test_an_anonymous_read_refused_is_info_and_a_write_a_warning(
        county: County, caplog: pytest.LogCaptureFixture) -> None:
    """The public meeting a closed door is not an operator's concern; a write is."""
    with caplog.at_level("INFO", logger="portal.refusals"), pytest.raises(NotAuthorized):
        county.portal.call("publication_review_list", {}, user=None)
    with caplog.at_level("INFO", logger="portal.refusals"), pytest.raises(NotAuthorized):
        county.portal.call("package_create", {"name": "x"}, user=None)
    levels = {r.getMessage().split(":")[0]: r.levelname for r in caplog.records
              if r.name == "portal.refusals"}
    assert levels == {"refused publication_review_list by anonymous": "INFO",
                      "refused package_create by anonymous": "WARNING"}
