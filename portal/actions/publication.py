"""Publication review (发布审核, Art. 15 and 25): departments submit, the gate reports,
the bureau approves, rejects or withdraws.

    draft ──publication_submit──▶ pending ──publication_approve──▶ published
      ▲                              │                                 │
      └──────publication_reject──────┘        publication_withdraw ────▶ withdrawn

On submission every current uploaded file is queued for the desensitization
gate against the open class asked for (portal/gate.py: a background job per
file, run after the submission commits); the review holds the reports as the
jobs finish, and shows their progress meanwhile. Approval into an open class is refused unless every file's report
allows it; the files the public then downloads are the treated ones
(Resource.released_sha256), the raw files stay the department's.

`sync_releases` keeps that true after any later change to a published entry:
bureau staff publishing directly (CKAN's state=active, ckanapi load) have their
files withheld until the gate's job releases them (a grading the target refuses
is refused in the call itself), and a department that replaces a file or changes the
open class of a published entry sends it back to review.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from portal import audit
from portal.actions import lookup
from portal.actions.permissions import Target, authorize
from portal.actions.registry import action
from portal.actions.review_risk import require_acceptance, review_risk
from portal.core.context import Context
from portal.core.errors import NotFound, ValidationError
from portal.core.validation import (
    boolean,
    default,
    if_given,
    integer,
    one_of,
    optional,
    reference,
    string,
)
from portal.gate import target_for
from portal.models import Dataset, Organization, PublicationReview, Resource, ResourceRelease
from portal.models.base import new_id, utcnow
from portal.models.publication import ALLOWING, UNFINISHED
from portal.notify import bureau_staff, notify, organization_staff
from portal.release_preview import released_preview

if TYPE_CHECKING:
    from portal.blobs import BlobStore

log = logging.getLogger(__name__)

NOTE = [default(""), string(2000)]
REASON = [string(2000)]
SUBMIT_SCHEMA = {"id": [reference], "note": NOTE}
# accept_risk and reason: a high-risk review's acceptance (review_risk.require_acceptance).
APPROVE_SCHEMA = {
    "id": [reference],
    "note": NOTE,
    "accept_risk": [default(False), boolean],
    "reason": [default(""), string(2000)],
}
DECIDE_SCHEMA = {"id": [reference], "reason": REASON}
# A review by its id, or the latest review of an entry (dataset_id).
SHOW_SCHEMA = {"id": [if_given, reference], "dataset_id": [if_given, reference]}


def _active(ds: Dataset) -> list[Resource]:
    return sorted((r for r in ds.resources if r.state == "active"), key=lambda r: r.position)


def _uploads(ds: Dataset) -> list[Resource]:
    return [r for r in _active(ds) if r.url_type == "upload" and r.blob_sha256]


def _pending_review(ctx: Context, ds: Dataset) -> PublicationReview | None:
    return ctx.session.scalar(select(PublicationReview).where(
        PublicationReview.dataset_id == ds.id, PublicationReview.status == "pending"))


def _open_review(ctx: Context, ds: Dataset, *, actor: str, note: str) -> PublicationReview:
    """A new pending review with a gate release for every uploaded file (each one pending
    with its job queued unless the gate decides it without reading the file)."""
    for old in ctx.session.scalars(select(PublicationReview).where(
            PublicationReview.dataset_id == ds.id, PublicationReview.status == "pending")):
        old.status = "superseded"
    target = target_for(ds.open_type)
    review = PublicationReview(
        id=new_id(), dataset_id=ds.id, organization_id=ds.owner_org, status="pending",
        open_type=ds.open_type, share_type=ds.share_type, target=target, note=note,
        submitted_by=actor, submitted_at=utcnow(), reason="")
    ctx.session.add(review)
    if target is not None:
        for position, res in enumerate(_uploads(ds)):
            release = ctx.portal.gate.ask(ctx.session, res, target, ds.grading)
            release.review_id, release.position = review.id, position
    ctx.session.flush()
    ctx.session.refresh(review)
    return review


def blocking(ctx: Context, ds: Dataset, review: PublicationReview) -> list[str]:
    """Why `review` cannot be approved as the entry stands now (empty: it can)."""
    problems = []
    if review.open_type != ds.open_type or review.share_type != ds.share_type:
        problems.append("the open or share class changed after submission: submit it again")
    if review.target is None:
        return problems
    by_resource = {r.resource_id: r for r in review.releases}
    for res in _uploads(ds):
        label = res.name or res.id
        release = by_resource.get(res.id)
        if release is None or release.raw_sha256 != res.blob_sha256:
            problems.append(f"{label}: the file changed after submission and has no report; "
                            "submit the entry again")
        elif release.state in UNFINISHED:
            problems.append(f"the desensitization gate is still checking {label}; "
                            "approve when it has finished")
        elif release.decision not in ALLOWING:
            why = "; ".join(release.reasons) or release.decision
            problems.append(f"{label}: the desensitization gate decided {release.decision} "
                            f"for {review.target}: {why}")
    return problems


def _release_dict(release: ResourceRelease, res: Resource | None,
                  full: bool, blobs: BlobStore | None = None) -> dict[str, Any]:
    report = release.report or {}
    out: dict[str, Any] = {
        "resource_id": release.resource_id,
        "resource_name": res.name if res else "",
        "format": res.format if res else "",
        "raw_sha256": release.raw_sha256,
        "target": release.target,
        # pending / running while the gate's job has not decided, then done.
        "state": release.state,
        "progress": release.progress or 0,  # rows scanned so far
        "decision": release.decision if release.state == "done" else release.state,
        "reasons": list(release.reasons or []),
        "treated_sha256": release.treated_sha256,
        "rows": report.get("rows"),
        "found": report.get("found") or {},
    }
    if full:
        out["report"] = report
        # The released file's first rows: what the public will get, from the same file
        # the report's samples were cut from.
        out["preview"] = (released_preview(blobs, release.treated_sha256, report.get("format"))
                          if blobs is not None and release.state == "done" else None)
    return out


def review_dict(ctx: Context, review: PublicationReview, *, full: bool) -> dict[str, Any]:
    ds = ctx.session.get(Dataset, review.dataset_id)
    assert ds is not None
    org = ctx.session.get(Organization, review.organization_id)
    resources = {r.id: r for r in ds.resources}
    problems = blocking(ctx, ds, review) if review.status == "pending" else []
    return {
        "id": review.id,
        "dataset_id": ds.id,
        "dataset_name": ds.name,
        "dataset_title": ds.title,
        "dataset_state": ds.state,
        "organization": {"id": org.id, "name": org.name, "title": org.title} if org else None,
        "status": review.status,
        "open_type": review.open_type,
        "share_type": review.share_type,
        "target": review.target,
        "note": review.note,
        "submitted_by": review.submitted_by,
        "submitted_at": review.submitted_at.isoformat(),
        "decided_by": review.decided_by,
        "decided_at": review.decided_at.isoformat() if review.decided_at else None,
        "reason": review.reason,
        "approvable": review.status == "pending" and not problems,
        "risk": review_risk(review),
        "blocking": problems,
        "reports": [_release_dict(r, resources.get(r.resource_id), full, ctx.portal.blobs)
                    for r in review.releases],
        "data_items": list(ds.data_items or []) if full else None,
        # Links are not files the portal holds: the gate never reads them.
        "outside_gate": [{"id": r.id, "name": r.name or "", "url": r.url or ""}
                         for r in _active(ds) if r.url_type != "upload"],
    }


def _tell(ctx: Context, user_ids: list[str], kind: str, subject: str, body: str,
          ds: Dataset) -> None:
    me = ctx.user.id if ctx.user else ""
    notify(ctx.session, [u for u in user_ids if u != me], kind, subject, body,
           link=f"/console/dataset/{ds.name}")


def _record(ctx: Context, ds: Dataset, review: PublicationReview | None, **detail: Any) -> None:
    audit.append(ctx.session, actor=ctx.actor, action=ctx.action, object_type="dataset",
                 object_id=ds.id, detail={"name": ds.name, "state": ds.state,
                                          "review": review.id if review else None, **detail})


def _submitted(ctx: Context, ds: Dataset, note: str) -> PublicationReview:
    """A pending entry's new review, the bureau told, the submission audited."""
    review = _open_review(ctx, ds, actor=ctx.actor, note=note)
    _tell(ctx, bureau_staff(ctx.session), "publication_submitted", f"待审核：{ds.title}",
          f"{ds.organization.title}提交了目录条目「{ds.title}」，请审核。", ds)
    _record(ctx, ds, review)
    return review


def _send_back(ctx: Context, ds: Dataset, why: str) -> None:
    """A department changed what the public would get: the entry goes back to review."""
    for res in ds.resources:
        res.released_sha256 = res.released_size = None
    ds.state = "pending"
    review = _open_review(ctx, ds, actor=ctx.actor, note=why)
    _tell(ctx, bureau_staff(ctx.session), "publication_submitted",
          f"重新审核：{ds.title}", f"{ds.organization.title}修改了已发布的目录条目「{ds.title}」"
          f"（{why}），条目已退回审核。", ds)
    _record(ctx, ds, review, sent_back=why)


# What the bureau approved besides the files: changing one of these on a published entry
# is a new publication decision.
CLASS_FIELDS = ("open_type", "share_type", "private")


def classes(ds: Dataset) -> tuple[Any, ...]:
    return tuple(getattr(ds, f) for f in CLASS_FIELDS)


def after_entry_write(ctx: Context, ds: Dataset, before_state: str | None,
                      before_classes: tuple[Any, ...] | None) -> None:
    """Called by package_create/update/patch once the entry and its resources are written.

    A department setting publication_state=pending submits the entry (as
    publication_submit does); a department changing the open or share class of a
    published entry sends it back to review; otherwise sync_releases decides.
    """
    staff = bool(ctx.user and ctx.user.sysadmin)
    if ds.state == "pending" and before_state != "pending":
        ctx.session.flush()
        _submitted(ctx, ds, note="")
        return
    if ds.state != "pending":
        for review in ctx.session.scalars(select(PublicationReview).where(
                PublicationReview.dataset_id == ds.id, PublicationReview.status == "pending")):
            review.status, review.decided_by, review.decided_at = "superseded", ctx.actor, utcnow()
    if (ds.state == "published" and before_state == "published" and not staff
            and before_classes is not None and classes(ds) != before_classes):
        _send_back(ctx, ds, "the open or share class changed")
        return
    sync_releases(ctx, ds)


def _latest_release(ctx: Context, res: Resource, target: str) -> ResourceRelease | None:
    """The gate's newest verdict on the resource's current file for `target`."""
    return ctx.session.scalar(select(ResourceRelease).where(
        ResourceRelease.resource_id == res.id, ResourceRelease.raw_sha256 == res.blob_sha256,
        ResourceRelease.target == target, ResourceRelease.recipient.is_(None))
        .order_by(ResourceRelease.created.desc()).limit(1))


def _released_ok(ctx: Context, res: Resource, target: str) -> bool:
    release = _latest_release(ctx, res, target)
    return (release is not None and release.decision in ALLOWING
            and res.released_sha256 == release.treated_sha256)


def sync_releases(ctx: Context, ds: Dataset) -> None:
    """After a write to `ds` or its resources: what the public downloads stays what the
    gate released for the entry's current files and open class."""
    ctx.session.flush()
    if ds.state != "published":
        return
    target = target_for(ds.open_type)
    if target is None:
        for res in ds.resources:
            res.released_sha256 = res.released_size = None
        return
    stale = [r for r in _uploads(ds) if not _released_ok(ctx, r, target)]
    if not stale:
        return
    if not (ctx.user and ctx.user.sysadmin):
        _send_back(ctx, ds, "a file or the open class changed")
        return
    # Bureau staff publishing directly (CKAN's state=active, ckanapi load): their call is
    # the review, and the gate still decides. A grading the target refuses is refused here;
    # the file itself is read by the gate's job, and withheld from the public until that
    # job allows it (gate_finished). A file it blocks or cannot read (a PDF, a broken
    # table) stays withheld, its release saying why.
    refused = []
    for res in stale:
        release = _latest_release(ctx, res, target)
        if release is None:
            release = ctx.portal.gate.ask(ctx.session, res, target, ds.grading)
        if release.state in UNFINISHED:
            res.released_sha256 = res.released_size = None
        elif release.decision in ALLOWING:
            _release(ctx, res, release)
        elif release.decision == "blocked":
            refused.append(f"{res.name or res.id}: " + ("; ".join(release.reasons) or "blocked"))
        else:
            res.released_sha256 = res.released_size = None
    if refused:
        raise ValidationError({"resources": [
            f"The desensitization gate does not allow this file into {target}: {r}"
            for r in refused]}, "Publication refused by the desensitization gate")


def gate_finished(ctx: Context, release: ResourceRelease) -> bool:
    """The gate's job decided `release` (in the job's transaction): a file of an entry
    bureau staff published directly is released now if the gate allows it and it is
    still the entry's file for its open class. True when a resource changed."""
    if release.recipient is not None or release.decision not in ALLOWING:
        if release.decision not in ALLOWING:
            log.info("gate: release %s of resource %s decided %s", release.id,
                     release.resource_id, release.decision)
        return False
    res = ctx.session.get(Resource, release.resource_id)
    if res is None or res.state != "active" or res.blob_sha256 != release.raw_sha256:
        return False
    ds = res.dataset
    if ds.state != "published" or target_for(ds.open_type) != release.target:
        return False
    latest = _latest_release(ctx, res, release.target)
    if latest is None or latest.id != release.id:
        return False
    if res.released_sha256 == release.treated_sha256:
        return False
    _release(ctx, res, release)
    return True


def _release(ctx: Context, res: Resource, release: ResourceRelease) -> None:
    from portal.actions import datastore_loads as datastore_status

    res.released_sha256, res.released_size = release.treated_sha256, release.treated_size
    table = res.datastore
    if table is not None and table.source_sha256 not in (None, release.treated_sha256):
        # The table is rebuilt from the treated file: the datastore answers the public too.
        datastore_status.file_changed(ctx, res)


def _dataset(ctx: Context, params: dict[str, Any]) -> Dataset:
    ds = lookup.dataset(ctx.session, params["id"])
    if ds.state == "deleted":
        raise NotFound(f"Dataset not found: {params['id']}")
    return ds


@action(schema=SUBMIT_SCHEMA)
def publication_submit(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Submit a catalog entry for the bureau's review; every uploaded file is checked by
    the desensitization gate against the entry's open class, in the background: the
    reports returned are pending (state, progress) until their jobs finish. Params: id,
    note."""
    ds = _dataset(ctx, params)
    authorize(ctx, Target(dataset=ds))
    if ds.state == "published":
        raise ValidationError({"state": ["The entry is already published"]})
    ds.state = "pending"
    ds.metadata_modified = utcnow()
    return review_dict(ctx, _submitted(ctx, ds, note=params["note"]), full=True)


def _review_to_decide(ctx: Context, ds: Dataset) -> PublicationReview:
    review = _pending_review(ctx, ds)
    if review is None or ds.state != "pending":
        raise ValidationError({"state": [f"The entry is {ds.state}, not waiting for review"]})
    return review


@action(schema=APPROVE_SCHEMA)
def publication_approve(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Publish a submitted entry with its open and share class. Refused while any file's
    desensitization report blocks it or the gate is still checking a file. Params: id,
    note."""
    ds = _dataset(ctx, params)
    review = _review_to_decide(ctx, ds)
    problems = blocking(ctx, ds, review)
    if problems:
        raise ValidationError({"resources": problems},
                              "Publication refused: " + "; ".join(problems))
    accepted = require_acceptance(review, params)  # a high risk needs a reason
    by_resource = {r.resource_id: r for r in review.releases}
    for res in _uploads(ds):
        release = by_resource.get(res.id)
        if release is not None:
            _release(ctx, res, release)
        else:
            res.released_sha256 = res.released_size = None  # not opened: not for the public
    ds.state = "published"
    ds.issued = ds.issued or ctx.today()
    ds.metadata_modified = utcnow()
    review.status, review.decided_by, review.decided_at = "approved", ctx.actor, utcnow()
    review.reason = params["note"] if accepted is None else accepted
    _tell(ctx, organization_staff(ctx.session, [ds.owner_org], ("admin", "editor")),
          "publication_approved", f"已发布：{ds.title}", f"目录条目「{ds.title}」已审核通过并发布。", ds)
    _record(ctx, ds, review, open_type=ds.open_type, share_type=ds.share_type,
            **({"accepted_risk": "high", "reason": accepted} if accepted else {}))
    return review_dict(ctx, review, full=True)


@action(schema=DECIDE_SCHEMA)
def publication_reject(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Send a submitted entry back to its department as a draft. Params: id, reason."""
    ds = _dataset(ctx, params)
    if not params["reason"].strip():
        raise ValidationError({"reason": ["Missing value"]})
    review = _review_to_decide(ctx, ds)
    ds.state = "draft"
    ds.metadata_modified = utcnow()
    review.status, review.decided_by, review.decided_at = "rejected", ctx.actor, utcnow()
    review.reason = params["reason"]
    _tell(ctx, organization_staff(ctx.session, [ds.owner_org], ("admin", "editor")),
          "publication_rejected", f"未通过审核：{ds.title}",
          f"目录条目「{ds.title}」未通过审核：{params['reason']}", ds)
    _record(ctx, ds, review, reason=params["reason"])
    return review_dict(ctx, review, full=True)


@action(schema=DECIDE_SCHEMA)
def publication_withdraw(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Take a published entry off the public catalog. Params: id, reason."""
    from portal.core.dictize import package_dict

    ds = _dataset(ctx, params)
    if not params["reason"].strip():
        raise ValidationError({"reason": ["Missing value"]})
    if ds.state != "published":
        raise ValidationError({"state": [f"The entry is {ds.state}, not published"]})
    ds.state = "withdrawn"
    ds.metadata_modified = utcnow()
    for res in ds.resources:
        res.released_sha256 = res.released_size = None
    _tell(ctx, organization_staff(ctx.session, [ds.owner_org], ("admin", "editor")),
          "publication_withdrawn", f"已撤回：{ds.title}",
          f"目录条目「{ds.title}」已撤回：{params['reason']}", ds)
    _record(ctx, ds, None, reason=params["reason"])
    ctx.session.flush()
    return package_dict(ds, ctx.portal.site_url)


@action(read_only=True, schema=SHOW_SCHEMA)
def publication_review_show(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """A review with the desensitization report of every file. Params: id (the review's)
    or dataset_id (its latest review)."""
    if "id" in params:
        review = ctx.session.get(PublicationReview, params["id"])
    else:
        ds = lookup.dataset(ctx.session, lookup.required_id(params, "dataset_id"))
        review = ctx.session.scalar(select(PublicationReview).where(
            PublicationReview.dataset_id == ds.id)
            .order_by(PublicationReview.submitted_at.desc()).limit(1))
    if review is None:
        raise NotFound("Publication review not found")
    authorize(ctx, Target(organization_id=review.organization_id))
    return review_dict(ctx, review, full=True)


LIST_SCHEMA = {
    "status": [default("pending"), one_of(("pending", "approved", "rejected", "superseded",
                                           "all"))],
    "organization": [optional, string(100)],
    "limit": [default(50), integer(minimum=0, maximum=1000)],
    "offset": [default(0), integer(minimum=0)],
}


@action(read_only=True, schema=LIST_SCHEMA)
def publication_review_list(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """The review queue, oldest submission first: all of it for bureau staff, their own
    organizations' for department staff. Params: status (pending by default, or all),
    organization, limit, offset."""
    authorize(ctx)  # org_staff: staff of some organization, or the bureau
    query = select(PublicationReview)
    if params["status"] != "all":
        query = query.where(PublicationReview.status == params["status"])
    if "organization" in params:
        org = lookup.organization(ctx.session, params["organization"])
        query = query.where(PublicationReview.organization_id == org.id)
    user = ctx.user
    assert user is not None  # the rule requires staff
    if not user.sysadmin:
        query = query.where(PublicationReview.organization_id.in_(list(user.roles)))
    count = ctx.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = ctx.session.scalars(query.order_by(PublicationReview.submitted_at, PublicationReview.id)
                               .offset(params["offset"]).limit(params["limit"]))
    return {"count": count, "results": [review_dict(ctx, r, full=False) for r in rows]}
