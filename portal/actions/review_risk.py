"""The risk a publication review asks the bureau to accept, and the items a reviewer
confirms (issue 13: the catalog's data items drive the gate).

Each gate report carries a risk summary (desensitize/risk.py); a review's risk is its
files' highest. Approving a high-risk release takes `accept_risk: true` and a
`reason` on publication_approve, kept with the review and in the audit log.

`publication_item_confirm` is the reviewer's answer to a conflict: the scanner found
personal data in a column whose data item says it is not personal. The bureau may
confirm the declaration with a reason (audited); the entry's files then go through
the gate again with the column published as declared.
"""

from __future__ import annotations

from typing import Any

from desensitize.risk import HIGH, LEVEL_LABELS, LOW, MEDIUM
from portal import audit
from portal.actions import lookup
from portal.actions.registry import action
from portal.core.context import Context
from portal.core.errors import NotFound, ValidationError
from portal.core.validation import reference, string
from portal.models import PublicationReview
from portal.models.base import utcnow

# The gate's levels, lowest first; a level the review does not know counts as high.
ORDER = {level: rank for rank, level in enumerate((LOW, MEDIUM, HIGH))}


def review_risk(review: PublicationReview) -> dict[str, Any]:
    """The review's level (its files' highest), with each file's reasons."""
    files = []
    level = LOW
    for release in review.releases:
        risk = (release.report or {}).get("risk")
        if not risk:
            continue
        files.append({"resource_id": release.resource_id, **risk})
        if ORDER.get(risk.get("level"), ORDER[HIGH]) > ORDER[level]:
            level = risk.get("level") if risk.get("level") in ORDER else HIGH
    return {"level": level, "label": LEVEL_LABELS[level], "files": files,
            "persons": sum(f.get("persons") or 0 for f in files),
            "direct_identifiers": sum(f.get("direct_identifiers") or 0 for f in files),
            "quasi_identifiers": sorted({q for f in files for q in f.get("quasi_identifiers")
                                         or []})}


def require_acceptance(review: PublicationReview, params: dict[str, Any]) -> str | None:
    """For a high-risk review: the acceptance reason, or a ValidationError naming what is
    missing. None when the risk needs no acceptance. `params` are publication_approve's,
    validated by its schema (accept_risk a boolean, reason a string)."""
    risk = review_risk(review)
    if risk["level"] != HIGH:
        return None
    errors: dict[str, list[str]] = {}
    if params.get("accept_risk") is not True:
        errors["accept_risk"] = ["The release is high risk (" + "; ".join(
            r for f in risk["files"] for r in f.get("reasons_en") or []) +
            "): approving it needs accept_risk: true and a reason"]
    if not str(params.get("reason") or "").strip():
        errors["reason"] = ["Missing value: say why the high risk is accepted"]
    if errors:
        raise ValidationError(errors, "High-risk release")
    return str(params["reason"]).strip()


CONFIRM_SCHEMA = {"id": [reference], "item": [string(200)], "reason": [string(2000)]}


@action(schema=CONFIRM_SCHEMA)
def publication_item_confirm(ctx: Context, params: dict[str, Any]) -> dict[str, Any]:
    """Confirm a data item's declaration against the gate's finding (a conflict):
    the column is then published as declared. Params: id (the entry), item (the data
    item's name), reason. Bureau staff only; audited; the entry's files are checked
    again."""
    from portal.actions import publication

    ds = lookup.dataset(ctx.session, params["id"])
    if ds.state == "deleted":
        raise NotFound(f"Dataset not found: {params['id']}")
    if not params["reason"].strip():
        raise ValidationError({"reason": ["Missing value: say why the declaration stands"]})
    items = [dict(i) for i in ds.data_items or []]
    found = next((i for i in items if i.get("name") == params["item"]), None)
    if found is None:
        raise ValidationError({"item": [f"The entry has no data item {params['item']!r}"]})
    if found.get("personal"):
        raise ValidationError({"item": ["The item is declared personal: it is treated, "
                                        "there is nothing to confirm"]})
    found.update(confirmed=True, confirmed_reason=params["reason"].strip(),
                 confirmed_by=ctx.actor, confirmed_at=utcnow().isoformat())
    ds.data_items = items  # a new list: the JSON column sees the change
    ds.metadata_modified = utcnow()
    review = None
    if ds.state == "pending":  # the gate reads the files again with the confirmation
        review = publication._open_review(ctx, ds, actor=ctx.actor,
                                          note="data item confirmed: " + params["item"])
    audit.append(ctx.session, actor=ctx.actor, action=ctx.action, object_type="dataset",
                 object_id=ds.id, detail={"name": ds.name, "item": params["item"],
                                          "reason": params["reason"].strip(),
                                          "review": review.id if review else None})
    return {"id": ds.id, "item": found,
            "review": publication.review_dict(ctx, review, full=False) if review else None}
