"""Labels of the staff workflow's codes: review statuses, desensitization decisions,
targets, entity types and treatments, data-request states.

Kept apart from labels.py beside it (the catalog's coded values) because these
belong to the console and the account pages. A template global, `status_label`.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

LABELS: Mapping[str, Mapping[str, LazyString]] = {
    "status": {
        "pending": _l("Waiting for review"),
        "approved": _l("Approved"),
        "rejected": _l("Returned"),
        "superseded": _l("Superseded"),
        "all": _l("All"),
    },
    "decision": {
        "allowed": _l("Allowed"),
        "allowed_after_treatment": _l("Allowed after treatment"),
        "blocked": _l("Blocked"),
        "not_checked": _l("Not checked"),
        # A release the gate has not decided yet (a background job, portal/gate.py): the
        # review dict's report reads its state as the decision until it is done.
        "pending": _l("Waiting to be checked"),
        "running": _l("Checking"),
    },
    "target": {
        "unconditional-open": _l("Unconditionally open"),
        "conditional-open": _l("Conditionally open"),
        "conditional-share": _l("Conditional sharing"),
    },
    "entity": {
        "CN_RESIDENT_ID": _l("Resident ID number"),
        "CN_USCC": _l("Unified social credit code"),
        "CN_MOBILE": _l("Mobile number"),
        "CN_LANDLINE": _l("Landline number"),
        "CN_BANK_CARD": _l("Bank card number"),
        "CN_PASSPORT": _l("Passport number"),
        "CN_HK_MACAU_PERMIT": _l("Hong Kong and Macau travel permit"),
        "CN_LICENSE_PLATE": _l("Vehicle licence plate"),
        "EMAIL_ADDRESS": _l("E-mail address"),
        "IP_ADDRESS": _l("IP address"),
        "PERSON": _l("Personal name"),
        "LOCATION": _l("Address"),
    },
    "request_state": {
        "submitted": _l("Submitted"),
        "routed": _l("Being handled"),
        "answered": _l("Answered"),
        "declined": _l("Declined"),
    },
    "application_status": {
        "submitted": _l("Submitted"),
        "pending": _l("Waiting for a decision"),
        "approved": _l("Approved"),
        "rejected": _l("Rejected"),
        "withdrawn": _l("Withdrawn"),
    },
    "entry_state": {
        "draft": _l("Draft"),
        "pending": _l("In review"),
        "published": _l("Published"),
        "withdrawn": _l("Withdrawn"),
        "deleted": _l("Deleted"),
    },
    "treatment": {
        "keep": _l("kept"),
        "mask": _l("masked"),
        "pseudonym": _l("pseudonymised"),
        "generalise": _l("generalised"),
        "surrogate": _l("replaced by surrogates"),
        "redact": _l("removed"),
        "replace": _l("replaced"),
        "block": _l("blocks publication"),
        "drop": _l("column dropped"),
        "public_by_law": _l("published as public by law"),
    },
    "risk": {
        "low": _l("Low"),
        "medium": _l("Medium"),
        "high": _l("High"),
    },
    "declared": {
        "personal": _l("declared personal"),
        "public_by_law": _l("public by law"),
        "confirmed": _l("confirmed not personal"),
    },
}


def status_label(kind: str, value: str | None) -> str:
    """The label of a workflow code; unknown kinds or codes come back as they are."""
    if not value:
        return ""
    found = LABELS.get(kind, {}).get(value)
    if found is not None:
        return str(found)
    head, sep, detail = value.partition(": ")  # a treatment with its level: "generalise: town"
    found = LABELS.get(kind, {}).get(head) if sep else None
    return f"{found} ({detail})" if found is not None else value
