"""Publication review in the console: the queue, one review with its desensitization
reports, and the bureau's approve / reject forms.

Who may list, read and decide is what the publication_* actions say (the
bureau decides; an organization's staff may read their own reviews); a refusal
is shown as 403. A blocked report makes publication_approve refuse: its reasons
are shown on the page and nothing changes.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from portal.core.errors import NotAuthorized, NotFound, ValidationError
from portal.web.account.auth import staff_only
from portal.web.console.staff import working_days_since
from portal.web.support.calls import call, visitor
from portal.web.support.forms import field_errors

bp = Blueprint("console_review", __name__, url_prefix="/console")

PAGE_SIZE = 20
STATUSES = ("pending", "approved", "rejected", "all")


@bp.route("/reviews")
@staff_only
def queue() -> str:
    status = request.args.get("status", "pending")
    if status not in STATUSES:
        status = "pending"
    page = max(1, request.args.get("page", 1, type=int) or 1)
    found = call("publication_review_list", {
        "status": status, "limit": PAGE_SIZE, "offset": (page - 1) * PAGE_SIZE})
    reviews = list(found.get("results") or [])
    for review in reviews:
        review["waiting_days"] = working_days_since(review.get("submitted_at"))
    pages = max(1, -(-int(found.get("count") or 0) // PAGE_SIZE))
    return render_template("console/reviews.html", reviews=reviews, count=found.get("count", 0),
                           status=status, statuses=STATUSES, page=page, pages=pages)


def _review_page(review: dict[str, Any], errors: dict[str, list[str]] | None = None,
                 values: dict[str, str] | None = None) -> str:
    try:
        pkg = call("package_show", {"id": review["dataset_id"]})
    except (NotFound, NotAuthorized):
        pkg = None  # the entry was deleted meanwhile: the review still shows what was asked
    caller = visitor()
    return render_template(
        "console/review.html", review=review, pkg=pkg, errors=errors or {},
        values=values or {}, decides=bool(caller and caller.sysadmin),
        waiting_days=working_days_since(review.get("submitted_at")))


@bp.route("/review/<review_id>")
@staff_only
def show(review_id: str) -> str:
    return _review_page(call("publication_review_show", {"id": review_id}))


def _decide(review_id: str, action: str, params: dict[str, Any], done: str) -> str | Response:
    """Run a decision; its refusal (blocked report, missing reason) is shown on the page."""
    review = call("publication_review_show", {"id": review_id})
    if review["status"] != "pending":
        # The actions decide on the entry's pending review: if the department submitted
        # again since this page was loaded, that is a review the reviewer has not seen.
        return _review_page(review, {"status": [_(
            "This review is no longer waiting for a decision; open the entry's latest review.")]})
    try:
        call(action, {"id": review["dataset_id"], **params})
    except ValidationError as exc:
        return _review_page(review, field_errors(exc), {k: str(v) for k, v in params.items()})
    flash(done, "success")
    return redirect(url_for(".show", review_id=review_id))


@bp.route("/review/<review_id>/approve", methods=["POST"])
@staff_only
def approve(review_id: str) -> str | Response:
    params: dict[str, Any] = {"note": request.form.get("note", "").strip()}
    if request.form.get("accept_risk"):  # the high-risk confirmation on the page
        params.update(accept_risk=True, reason=request.form.get("risk_reason", "").strip())
    return _decide(review_id, "publication_approve", params,
                   _("Approved: the entry is published."))


@bp.route("/review/<review_id>/confirm-item", methods=["POST"])
@staff_only
def confirm_item(review_id: str) -> str | Response:
    """The bureau confirms a data item's declaration against the gate's finding."""
    review = call("publication_review_show", {"id": review_id})
    params = {"id": review["dataset_id"], "item": request.form.get("item", ""),
              "reason": request.form.get("confirm_reason", "").strip()}
    try:
        result = call("publication_item_confirm", params)
    except ValidationError as exc:
        return _review_page(review, field_errors(exc), {"confirm_reason": params["reason"]})
    flash(_("Declaration confirmed: the files are checked again."), "success")
    latest = (result.get("review") or {}).get("id") or review_id
    return redirect(url_for(".show", review_id=latest))


@bp.route("/review/<review_id>/reject", methods=["POST"])
@staff_only
def reject(review_id: str) -> str | Response:
    return _decide(review_id, "publication_reject",
                   {"reason": request.form.get("reason", "").strip()},
                   _("Returned to the department with your reason."))
