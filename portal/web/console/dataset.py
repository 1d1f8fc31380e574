"""Console pages for one catalog entry: the form (new / edit), the entry's page with
its resources (upload, delete) and the "submit for review" button.

A department editor does all of it here without the API; each step is one
action called as them (package_create / package_patch, resource_create,
resource_delete, publication_submit), so what they may do is what the actions
allow. Form errors are shown beside their fields and the values typed are kept.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from portal.actions.resources import Upload
from portal.core.errors import NotAuthorized, NotFound, ValidationError
from portal.core.licenses import license_list
from portal.web.account.auth import staff_only
from portal.web.console import entry_form
from portal.web.console.staff import can_edit, editable_orgs
from portal.web.support import labels
from portal.web.support.calls import call, show_or_404
from portal.web.support.forms import field_errors

bp = Blueprint("console_dataset", __name__, url_prefix="/console/dataset")

MORE_ROWS = 3


def _form_page(values: dict[str, Any], errors: dict[str, list[str]], *,
               pkg: dict[str, Any] | None, orgs: list[dict[str, Any]], extra_rows: int) -> str:
    known = set(entry_form.FIELDS)
    return render_template(
        "console/dataset_form.html", values=values, errors=errors, pkg=pkg,
        orgs=[(o["id"], o["title"] or o["name"]) for o in orgs],
        licences=[(lic["id"], lic["title"]) for lic in license_list()],
        choices={kind: [(code, text) for code, text in labels.MAPS[kind].items()]
                 for kind in {f.choices for f in entry_form.FIELDS.values() if f.choices}},
        fieldsets=entry_form.FIELDSETS, item_types=entry_form.ITEM_TYPES,
        item_rows=entry_form.rows_to_show(values, extra_rows),
        other_errors={k: v for k, v in errors.items() if k not in known})


def _orgs_with(orgs: list[dict[str, Any]], pkg: dict[str, Any]) -> list[dict[str, Any]]:
    """The entry's own organization stays selectable (a bureau editor may keep it)."""
    if any(o["id"] == pkg["owner_org"] for o in orgs):
        return orgs
    return [pkg["organization"], *orgs]


def _save(pkg: dict[str, Any] | None) -> tuple[dict[str, Any] | None, dict[str, list[str]]]:
    """package_create (a new entry) or package_patch: the saved entry, or the errors."""
    params = entry_form.to_params(request.form)
    try:
        if pkg is None:
            return call("package_create", params), {}
        return call("package_patch", {**params, "id": pkg["id"]}), {}
    except ValidationError as exc:
        return None, field_errors(exc)


def _handle_form(orgs: list[dict[str, Any]], pkg: dict[str, Any] | None) -> str | Response:
    values = entry_form.from_form(request.form)
    if "more_rows" in request.form:  # the no-script way to add data-item rows: nothing saved
        return _form_page(values, {}, pkg=pkg, orgs=orgs,
                          extra_rows=entry_form.BLANK_ROWS + MORE_ROWS)
    saved, errors = _save(pkg)
    if saved is None:
        return _form_page(values, errors, pkg=pkg, orgs=orgs, extra_rows=entry_form.BLANK_ROWS)
    flash(_("The entry has been saved."), "success")
    return redirect(url_for(".entry", id=saved["name"]))


@bp.route("/new", methods=["GET", "POST"])
@staff_only
def new() -> str | Response:
    orgs = editable_orgs()
    if not orgs:
        abort(403)  # members who are not editors anywhere create nothing
    if request.method == "POST":
        return _handle_form(orgs, None)
    preset = request.args.get("owner_org", "")
    owner = preset if any(o["id"] == preset for o in orgs) else orgs[0]["id"]
    return _form_page(entry_form.new_values(owner), {}, pkg=None, orgs=orgs,
                      extra_rows=entry_form.BLANK_ROWS)


def _editable(id: str) -> dict[str, Any]:
    pkg = show_or_404("package_show", {"id": id})
    if not can_edit(pkg):
        abort(403)
    return pkg


@bp.route("/<id>/edit", methods=["GET", "POST"])
@staff_only
def edit(id: str) -> str | Response:
    pkg = _editable(id)
    orgs = _orgs_with(editable_orgs(), pkg)
    if request.method == "POST":
        return _handle_form(orgs, pkg)
    return _form_page(entry_form.from_package(pkg), {}, pkg=pkg, orgs=orgs,
                      extra_rows=entry_form.BLANK_ROWS)


def _latest_review(pkg: dict[str, Any]) -> dict[str, Any] | None:
    try:
        return call("publication_review_show", {"dataset_id": pkg["id"]})
    except (NotFound, NotAuthorized, ValidationError):
        return None


def _entry_page(pkg: dict[str, Any], upload_errors: dict[str, list[str]] | None = None,
                upload_values: dict[str, str] | None = None) -> str:
    return render_template(
        "console/dataset_page.html", pkg=pkg, review=_latest_review(pkg),
        editable=can_edit(pkg),
        upload_errors=upload_errors or {}, upload_values=upload_values or {})


@bp.route("/<id>")
@staff_only
def entry(id: str) -> str:
    return _entry_page(show_or_404("package_show", {"id": id}))


@bp.route("/<id>/resource", methods=["POST"])
@staff_only
def upload(id: str) -> str | Response:
    pkg = _editable(id)
    values = {k: request.form.get(k, "").strip() for k in ("name", "description")}
    storage = request.files.get("upload")
    if storage is None or not storage.filename:
        return _entry_page(pkg, {"upload": [_("Choose a file to upload.")]}, values)
    try:
        call("resource_create", {"package_id": pkg["id"], **values,
                                 "upload": Upload(storage.filename, storage.stream)})
    except ValidationError as exc:
        return _entry_page(pkg, field_errors(exc), values)
    flash(_("The file has been uploaded."), "success")
    return redirect(url_for(".entry", id=pkg["name"]) + "#resources")


@bp.route("/<id>/resource/<rid>/delete", methods=["POST"])
@staff_only
def delete_resource(id: str, rid: str) -> Response:
    pkg = _editable(id)
    if rid not in {r["id"] for r in pkg["resources"]}:
        abort(404)
    call("resource_delete", {"id": rid})
    flash(_("The resource has been deleted."), "success")
    return redirect(url_for(".entry", id=pkg["name"]) + "#resources")


@bp.route("/<id>/submit", methods=["POST"])
@staff_only
def submit(id: str) -> Response:
    pkg = _editable(id)
    try:
        call("publication_submit", {"id": pkg["id"], "note": request.form.get("note", "").strip()})
    except ValidationError as exc:
        _flash_errors(exc)
        return redirect(url_for(".entry", id=pkg["name"]))
    flash(_("The entry has been submitted for review by the bureau."), "success")
    return redirect(url_for(".entry", id=pkg["name"]))


@bp.route("/<id>/withdraw", methods=["POST"])
@staff_only
def withdraw(id: str) -> Response:
    """The bureau takes a published entry off the public catalog (a reason is required)."""
    pkg = show_or_404("package_show", {"id": id})
    try:
        call("publication_withdraw", {"id": pkg["id"],
                                      "reason": request.form.get("reason", "").strip()})
    except ValidationError as exc:
        _flash_errors(exc)
        return redirect(url_for(".entry", id=pkg["name"]) + "#withdraw")
    flash(_("The entry has been withdrawn from the public catalog."), "success")
    return redirect(url_for(".entry", id=pkg["name"]))


def _flash_errors(exc: ValidationError) -> None:
    for messages in field_errors(exc).values():
        for message in messages:
            flash(message, "error")

