"""Sharing in the console (Art. 25-27): share requests between government units, the
grants they lead to with their usage log, and the bureau's queue of open applications.

As everywhere in the console, what a member may list, read and decide is what the
share_request_*, grant_* and open_application_* actions say: the page offers the
forms it expects to succeed, the action decides again, a refusal is a 403 page and a
field the action rejects is shown beside the form with the values typed kept.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from portal.core.errors import NotAuthorized, NotFound, ValidationError
from portal.web.account.auth import staff_only
from portal.web.console.staff import EDIT_ROLES, editable_orgs
from portal.web.support.calls import call, visitor
from portal.web.support.forms import field_errors

bp = Blueprint("console_sharing", __name__, url_prefix="/console")

LIST_ROWS = 200
SHARE_STATUSES = ("pending", "awaiting_confirmation", "approved", "rejected", "all")
APPLICATION_STATUSES = ("pending", "approved", "rejected", "all")
GRANT_STATUSES = ("active", "revoked", "all")
REQUEST_FIELDS = ("organization_id", "datasets", "scenario", "purpose", "fields", "period_end",
                  "materials")
SPLIT = re.compile(r"[\n\r,，、;；]+")

LABELS: Mapping[str, Mapping[str, LazyString]] = {
    "share_status": {
        "pending": _l("Waiting for the bureau"),
        "awaiting_confirmation": _l("Waiting for the county government"),
        "approved": _l("Approved"),
        "rejected": _l("Rejected"),
        "active": _l("In force"),
        "revoked": _l("Revoked"),
        "all": _l("All"),
    },
    "grant_kind": {
        "share": _l("Sharing"),
        "open": _l("Open data"),
    },
    "use": {
        "download": _l("Download"),
        "datastore_search": _l("Table query"),
        "share_access": _l("Unconditional sharing"),
    },
}


@bp.app_template_global()
def sharing_label(kind: str, value: str | None) -> str:
    """The label of a sharing code; unknown codes come back as they are."""
    if not value:
        return ""
    found = LABELS.get(kind, {}).get(value)
    return str(found) if found is not None else value


def split_list(text: str) -> list[str]:
    """Names one per line or separated by commas (also the Chinese ones)."""
    return [part.strip() for part in SPLIT.split(text or "") if part.strip()]


def _status_arg(allowed: tuple[str, ...], default: str) -> str:
    status = request.args.get("status", default)
    return status if status in allowed else default


def _run(name: str, params: dict[str, Any]) -> dict[str, list[str]] | None:
    """Run a decision: None when done, the field errors when the action refused a value."""
    try:
        call(name, params)
    except ValidationError as exc:
        return field_errors(exc)
    return None


# -- share requests ---------------------------------------------------------------------

@bp.route("/share-requests")
@staff_only
def share_requests() -> str:
    status = _status_arg(SHARE_STATUSES, "all")
    params: dict[str, Any] = {"limit": LIST_ROWS}
    if status != "all":
        params["status"] = status
    found = call("share_request_list", params)
    return render_template("console/share_requests.html", requests=found, status=status,
                           statuses=SHARE_STATUSES, orgs=editable_orgs())


def _confirms() -> bool:
    """Whether the visitor may confirm for the county government."""
    caller = visitor()
    if caller is None:
        return False
    if caller.sysadmin:
        return True
    mine = [oid for oid, role in caller.roles.items() if role in EDIT_ROLES]
    if not mine:
        return False
    orgs = call("organization_list", {"all_fields": True})
    return any(o["id"] in mine and o.get("organization_type") == "government" for o in orgs)


def _share_page(req: dict[str, Any], errors: dict[str, list[str]] | None = None,
                values: dict[str, str] | None = None) -> str:
    caller = visitor()
    return render_template(
        "console/share_request.html", req=req, errors=errors or {}, values=values or {},
        decides=bool(caller and caller.sysadmin) and req["status"] == "pending",
        confirms=req["status"] == "awaiting_confirmation" and _confirms())


@bp.route("/share-request/<req_id>")
@staff_only
def share_request(req_id: str) -> str:
    return _share_page(call("share_request_show", {"id": req_id}))


def _decide_share(req_id: str, action: str, done: str) -> str | Response:
    req = call("share_request_show", {"id": req_id})
    values = {"reason": request.form.get("reason", "").strip()}
    params: dict[str, Any] = {"id": req_id, **values}
    period_end = request.form.get("period_end", "").strip()
    if period_end:
        params["period_end"] = values["period_end"] = period_end
    errors = _run(action, params)
    if errors is not None:
        return _share_page(req, errors, values)
    flash(done, "success")
    return redirect(url_for(".share_request", req_id=req_id))


@bp.route("/share-request/<req_id>/approve", methods=["POST"])
@staff_only
def share_approve(req_id: str) -> str | Response:
    return _decide_share(req_id, "share_request_approve", _("The share request is approved."))


@bp.route("/share-request/<req_id>/confirm", methods=["POST"])
@staff_only
def share_confirm(req_id: str) -> str | Response:
    return _decide_share(req_id, "share_request_confirm", _("The share request is confirmed."))


@bp.route("/share-request/<req_id>/reject", methods=["POST"])
@staff_only
def share_reject(req_id: str) -> str | Response:
    return _decide_share(req_id, "share_request_reject",
                         _("The share request is rejected with your reason."))


@bp.route("/share-requests/new", methods=["GET", "POST"])
@staff_only
def share_request_new() -> str | Response:
    orgs = editable_orgs()
    values = {key: request.form.get(key, "").strip() for key in REQUEST_FIELDS}
    if not values["datasets"]:
        values["datasets"] = request.args.get("dataset", "").strip()
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        params: dict[str, Any] = {
            "organization_id": values["organization_id"],
            "datasets": split_list(values["datasets"]),
            "scenario": values["scenario"], "purpose": values["purpose"],
            "fields": split_list(values["fields"]),
            "period_end": values["period_end"],
            "materials": split_list(values["materials"])}
        if not values["organization_id"]:
            errors = {"organization_id": [_("Choose one of your organizations.")]}
        else:
            try:
                made = call("share_request_create", params)
            except NotFound:
                errors = {"organization_id": [_("Choose one of your organizations.")]}
            except ValidationError as exc:
                errors = field_errors(exc)
            else:
                flash(_("Your share request has been filed.") if made["status"] != "approved"
                      else _("Unconditionally shared data: the request is approved at once."),
                      "success")
                return redirect(url_for(".share_request", req_id=made["id"]))
    elif len(orgs) == 1:
        values["organization_id"] = orgs[0]["id"]
    return render_template("console/share_request_form.html", orgs=orgs, values=values,
                           errors=errors, known=REQUEST_FIELDS)


# -- grants -----------------------------------------------------------------------------

@bp.route("/grants")
@staff_only
def grants() -> str:
    status = _status_arg(GRANT_STATUSES, "all")
    params: dict[str, Any] = {"limit": LIST_ROWS}
    if status != "all":
        params["status"] = status
    kind = request.args.get("kind", "")
    if kind in ("share", "open"):
        params["kind"] = kind
    found = call("grant_list", params)
    return render_template("console/grants.html", grants=found, status=status,
                           statuses=GRANT_STATUSES, kind=kind)


def _revokes(grant: dict[str, Any]) -> bool:
    caller = visitor()
    if caller is None or grant.get("status") != "active":
        return False
    if caller.sysadmin:
        return True
    owners = {d.get("owner_org") for d in grant.get("datasets") or []}
    return any(caller.roles.get(o) == "admin" for o in owners)


def _grant_page(grant: dict[str, Any], errors: dict[str, list[str]] | None = None,
                values: dict[str, str] | None = None) -> str:
    try:
        uses = call("grant_usage_list", {"id": grant["id"], "limit": LIST_ROWS})
    except NotAuthorized:
        uses = []
    return render_template("console/grant.html", grant=grant, uses=uses, errors=errors or {},
                           values=values or {}, revokes=_revokes(grant))


@bp.route("/grant/<grant_id>")
@staff_only
def grant(grant_id: str) -> str:
    return _grant_page(call("grant_show", {"id": grant_id}))


@bp.route("/grant/<grant_id>/revoke", methods=["POST"])
@staff_only
def grant_revoke(grant_id: str) -> str | Response:
    found = call("grant_show", {"id": grant_id})
    values = {"reason": request.form.get("reason", "").strip()}
    errors = _run("grant_revoke", {"id": grant_id, **values})
    if errors is not None:
        return _grant_page(found, errors, values)
    flash(_("The grant is revoked; its tokens stop working at once."), "success")
    return redirect(url_for(".grant", grant_id=grant_id))


# -- open applications (the bureau) ------------------------------------------------------

@bp.route("/open-applications")
@staff_only
def open_applications() -> str:
    status = _status_arg(APPLICATION_STATUSES, "pending")
    params: dict[str, Any] = {"limit": LIST_ROWS}
    if status != "all":
        params["status"] = status
    found = call("open_application_list", params)
    return render_template("console/open_applications.html", applications=found,
                           status=status, statuses=APPLICATION_STATUSES)


def _application_page(app: dict[str, Any], errors: dict[str, list[str]] | None = None,
                      values: dict[str, str] | None = None) -> str:
    caller = visitor()
    return render_template(
        "console/open_application.html", app=app, errors=errors or {}, values=values or {},
        decides=bool(caller and caller.sysadmin) and app["status"] == "pending")


@bp.route("/open-application/<app_id>")
@staff_only
def open_application(app_id: str) -> str:
    return _application_page(call("open_application_show", {"id": app_id}))


def _decide_application(app_id: str, action: str, done: str) -> str | Response:
    app = call("open_application_show", {"id": app_id})
    values = {"reason": request.form.get("reason", "").strip()}
    errors = _run(action, {"id": app_id, **values})
    if errors is not None:
        return _application_page(app, errors, values)
    flash(done, "success")
    return redirect(url_for(".open_application", app_id=app_id))


@bp.route("/open-application/<app_id>/approve", methods=["POST"])
@staff_only
def application_approve(app_id: str) -> str | Response:
    return _decide_application(app_id, "open_application_approve",
                               _("The application is approved; the applicant is told."))


@bp.route("/open-application/<app_id>/reject", methods=["POST"])
@staff_only
def application_reject(app_id: str) -> str | Response:
    return _decide_application(app_id, "open_application_reject",
                               _("The application is rejected with your reason."))
