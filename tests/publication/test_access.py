"""Who downloads what once an entry is published (portal/access.py), over the web routes
with an API key as a script would: conditionally open data only after an approved open
application, department sharing by share class, every use through a grant logged."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from openpyxl import load_workbook

from portal.core.clock import Clock
from portal.core.errors import NotAuthorized
from tests.publication.conftest import County, personal_plan


def later() -> str:
    return (Clock().today() + timedelta(days=365)).isoformat()


def ids_in(data: bytes) -> set[str]:
    sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    return {str(v) for row in sheet.iter_rows(values_only=True) for v in row if v is not None}


def raw_ids() -> set[str]:
    _, raw, _ = personal_plan()
    return {v for v in ids_in(raw) if len(v) == 18 and v[:6].isdigit()}


def published(county: County, **extra: Any) -> dict[str, Any]:
    ds = county.entry(**extra)
    county.call("edu-editor", "publication_submit", {"id": ds["id"]})
    county.call("bureau", "publication_approve", {"id": ds["id"]})
    return ds


def get(client: Any, ds: dict[str, Any], token: str | None = None) -> Any:
    path = f"/dataset/{ds['name']}/resource/{ds['resources'][0]['id']}/download"
    return client.get(path, headers={"Authorization": token} if token else None)


def test_conditionally_open_data_is_downloaded_only_under_an_approved_application(
        county: County, client: Any) -> None:
    ds = published(county, open_type="conditional", open_condition="实名申请，限学术研究使用")
    review = county.call("bureau", "publication_review_show", {"dataset_id": ds["id"]})
    assert review["target"] == "conditional-open"
    refused = get(client, ds)
    assert refused.status_code == 403 and "open_application_create" in refused.get_data(True)
    assert get(client, ds, county.tokens["citizen"]).status_code == 403

    application = county.call("citizen", "open_application_create", {
        "dataset": ds["name"], "scenario": "学生资助政策研究", "security_measures": "加密存储，专人管理",
        "period_end": later(), "applicant_type": "citizen"})
    assert get(client, ds, county.tokens["citizen"]).status_code == 403  # still pending
    approved = county.call("bureau", "open_application_approve", {"id": application["id"]})

    got = get(client, ds, county.tokens["citizen"])
    assert got.status_code == 200
    assert not ids_in(got.data) & raw_ids()  # the released (pseudonymised) file
    assert get(client, ds).status_code == 403  # nobody else
    assert get(client, ds, county.tokens["health-editor"]).status_code == 403
    uses = county.call("bureau", "grant_usage_list", {"id": approved["grant_id"]})
    assert [u["action"] for u in uses] == ["download"]

    # A grant token reads this entry and nothing else.
    token = county.call("citizen", "grant_token_create", {"grant_id": approved["grant_id"]})
    assert get(client, ds, token["token"]).status_code == 200
    other = published(county, name="other-entry", resource_code="other-entry-1")
    assert get(client, other, token["token"]).status_code == 404  # not even its page
    holder = county.portal.caller_by_token(token["token"])
    with pytest.raises(NotAuthorized, match="restricted to grant"):
        county.portal.call("resource_download", {"id": other["resources"][0]["id"]},
                           user=holder)

    county.call("bureau", "grant_revoke", {"id": approved["grant_id"], "reason": "超出申请用途"})
    assert get(client, ds, county.tokens["citizen"]).status_code == 403
    assert get(client, ds, token["token"]).status_code == 403


def test_departments_share_by_the_share_class(county: County, client: Any) -> None:
    # Not open at all, shared unconditionally: any government unit reads the raw file at once.
    shared = published(county, open_type="none", share_type="unconditional", legal_basis="",
                       license_id="other-closed")
    assert get(client, shared).status_code == 403
    assert get(client, shared, county.tokens["citizen"]).status_code == 403
    got = get(client, shared, county.tokens["health-editor"])
    assert got.status_code == 200 and raw_ids() <= ids_in(got.data)
    uses = county.call("bureau", "grant_usage_list", {"dataset": shared["id"]})
    assert [(u["grant_id"], u["user"]) for u in uses] == [(None, "health-editor")]

    # Shared on conditions: refused until the bureau approves a share request.
    conditional = published(county, name="conditional-share", resource_code="cond-share-1",
                            open_type="none", share_type="conditional",
                            license_id="other-closed")
    refused = get(client, conditional, county.tokens["health-editor"])
    assert refused.status_code == 403 and "share_request_create" in refused.get_data(True)
    request = county.call("health-editor", "share_request_create", {
        "organization_id": "health", "datasets": [conditional["name"]],
        "scenario": "学生健康档案比对", "period_end": later(),
        "materials": list(conditional["required_materials"])})
    assert request["status"] == "pending"
    county.call("bureau", "share_request_approve", {"id": request["id"]})
    got = get(client, conditional, county.tokens["health-editor"])
    assert got.status_code == 200 and raw_ids() <= ids_in(got.data)
