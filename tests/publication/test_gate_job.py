"""The desensitization gate as a background job (portal/gate.py): publication_submit
returns before the gate has read a file, the review shows the job's progress, approval
waits for it, and a run a stopped process left unfinished runs again when the next
Portal starts, releasing nothing before it has finished."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, update

from portal.core.errors import ValidationError
from portal.models import Resource, ResourceRelease
from portal.services import Portal
from tests.conftest import Accounts
from tests.publication.conftest import County
from tests.publication.test_flow import cells, download, identifiers
from tests.support.gate import settle_gate
from tests.web.signin import sign_in


@pytest.fixture
def unsettled(county: County) -> County:
    """The county with calls returning at once, as in production (tests/support/gate.py)."""
    county.portal.settle_gate = False  # type: ignore[attr-defined]
    return county


def submit(county: County, ds: dict[str, Any]) -> dict[str, Any]:
    return county.portal.call("publication_submit", {"id": ds["id"], "note": "请审核"},
                              user=county.users["edu-editor"])


def releases(portal: Portal) -> list[ResourceRelease]:
    with portal.session() as session:
        return list(session.scalars(select(ResourceRelease)))


def test_submit_returns_before_the_gate_runs_and_approval_waits(unsettled: County,
                                                                client: Any) -> None:
    county, portal = unsettled, unsettled.portal
    ds = county.entry()
    with portal.jobs.hold():
        review = submit(county, ds)
        [report] = review["reports"]
        assert report["state"] == "pending" and report["decision"] == "pending"
        assert report["progress"] == 0 and report["treated_sha256"] is None
        assert portal.jobs.keys("gate:") == [f"gate:{[r.id for r in releases(portal)][0]}"]
        assert not review["approvable"]
        # Approval is refused, with the reason, while the gate has not decided.
        with pytest.raises(ValidationError) as refused:
            portal.call("publication_approve", {"id": ds["id"]}, user=county.users["bureau"])
        name = ds["resources"][0]["name"]
        assert refused.value.status == 409
        assert (f"the desensitization gate is still checking {name}; approve when it has "
                "finished") in str(refused.value.as_error_dict())
        shown = portal.call("publication_review_show", {"id": review["id"]},
                            user=county.users["bureau"])
        assert shown["reports"][0]["state"] == "pending" and shown["status"] == "pending"
        assert shown["dataset_state"] == "pending"

    settle_gate(portal)
    shown = portal.call("publication_review_show", {"id": review["id"]},
                        user=county.users["bureau"])
    [report] = shown["reports"]
    assert report["state"] == "done" and report["decision"] == "allowed_after_treatment"
    assert report["progress"] >= report["rows"] > 0
    assert report["report"]["columns"] and shown["approvable"]
    portal.call("publication_approve", {"id": ds["id"]}, user=county.users["bureau"])
    ids, mobiles, _ = identifiers()
    assert not set(cells(download(client, ds).data)) & set(ids + mobiles)


def test_the_review_page_shows_the_gate_s_progress(unsettled: County, app: Any) -> None:
    county, portal = unsettled, unsettled.portal
    Accounts(portal).user("reviewer", sysadmin=True)
    browser = app.test_client()
    assert sign_in(browser, "reviewer").status_code == 302
    ds = county.entry()
    with portal.jobs.hold():
        review = submit(county, ds)
        with portal.session() as session, session.begin():
            session.execute(update(ResourceRelease).values(state="running", progress=1234))
        html = browser.get(f"/console/review/{review['id']}").get_data(as_text=True)
        assert "脱敏检查进行中：已检查 1,234 行" in html
        assert "approve when it has finished" in html
    settle_gate(portal)
    html = browser.get(f"/console/review/{review['id']}").get_data(as_text=True)
    assert "脱敏检查进行中" not in html and "badge-decision-allowed_after_treatment" in html


def test_a_killed_run_runs_again_at_start_up(unsettled: County, client: Any) -> None:
    county, portal = unsettled, unsettled.portal
    ds = county.entry()
    with portal.jobs.hold():
        submit(county, ds)
        # The process "dies" half-way through the run: the release says running, the
        # queue is gone, nothing was stored.
        with portal.session() as session, session.begin():
            session.execute(update(ResourceRelease).values(state="running", progress=500))
        portal.jobs.stop()
    [left] = releases(portal)
    assert left.state == "running" and left.decision is None and left.treated_sha256 is None
    with portal.session() as session:
        assert session.get(Resource, ds["resources"][0]["id"]).released_sha256 is None
    with pytest.raises(ValidationError, match="still checking"):
        portal.call("publication_approve", {"id": ds["id"]}, user=county.users["bureau"])

    restarted = Portal(portal.settings)  # the same database and var dir
    try:
        restarted.settle_gate = False  # type: ignore[attr-defined]
        settle_gate(restarted)
        [done] = releases(restarted)
        assert done.id == left.id and done.state == "done"
        assert done.decision == "allowed_after_treatment" and done.treated_sha256
        assert restarted.blobs.exists(done.treated_sha256)
        restarted.call("publication_approve", {"id": ds["id"]}, user=county.users["bureau"])
        got = restarted.call("resource_download", {"id": ds["resources"][0]["id"]})
        assert got["sha256"] == done.treated_sha256
    finally:
        restarted.dispose()
    ids, mobiles, names = identifiers()
    served = cells(restarted.blobs.path(done.treated_sha256).read_bytes())
    assert served and not set(served) & set(ids + mobiles + names)


def test_bureau_staff_publishing_directly_release_once_the_job_allows(unsettled: County,
                                                                    client: Any) -> None:
    county, portal = unsettled, unsettled.portal
    with portal.jobs.hold():
        ds = county.entry(who="bureau", publication_state="published")
        assert ds["publication_state"] == "published"
        assert download(client, ds).status_code == 404  # withheld until the gate allows it
    settle_gate(portal)
    ids, _, _ = identifiers()
    served = cells(download(client, ds).data)
    assert served and not set(served) & set(ids)


def test_a_grading_the_target_refuses_is_decided_in_the_call(unsettled: County) -> None:
    county, portal = unsettled, unsettled.portal
    ds = county.entry(grading="important")
    with portal.jobs.hold():
        [report] = submit(county, ds)["reports"]
    assert report["state"] == "done" and report["decision"] == "blocked"
    assert not portal.jobs.keys("gate:")
