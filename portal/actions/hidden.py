"""A hidden catalog entry answers as a missing one.

An action refuses a caller who may not see an entry at all with HiddenEntry
(portal/access.py). Answered as a 403, it would tell a prober that the name or id
exists (a department's draft). The registry gives the refusal the very NotFound the
action gives for an id that names nothing (portal/actions/lookup.py), with the id as
the caller gave it (after the schema's `reference`, as the lookup saw it), and the
API answers with that: the two answers are the same byte for byte.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from portal.core.errors import NotFound

DATASET = "Dataset not found: {}"
RESOURCE = "Resource not found: {}"

# action -> (the parameters naming the entry, first given wins; what a missing one says)
LOOKUPS: dict[str, tuple[tuple[str, ...], str]] = {
    "package_show": (("id",), DATASET),
    "package_update": (("id", "name"), DATASET),
    "package_patch": (("id",), DATASET),
    "package_delete": (("id",), DATASET),
    "resource_show": (("id",), RESOURCE),
    "resource_download": (("id",), RESOURCE),
    "resource_create": (("package_id",), DATASET),
    "resource_update": (("id",), RESOURCE),
    "resource_patch": (("id",), RESOURCE),
    "resource_delete": (("id",), RESOURCE),
    "datastore_search": (("resource_id", "id"), RESOURCE),
    "datastore_info": (("resource_id", "id"), RESOURCE),
    "datastore_upsert": (("resource_id", "id"), RESOURCE),
    "datastore_delete": (("resource_id", "id"), RESOURCE),
}


def as_missing(action: str, params: Mapping[str, Any]) -> NotFound | None:
    """The NotFound a missing entry gets from `action` called with `params` (validated);
    None for an action whose refusal is not about an entry it looked up by a parameter
    (the refusal stays a 403)."""
    known = LOOKUPS.get(action)
    if known is None:
        return None
    keys, message = known
    key = next((k for k in keys if k in params), None)
    if key is None or not isinstance(params[key], str | int):
        return None
    # datastore actions read their key with lookup.required_id, which strips it too.
    return NotFound(message.format(str(params[key]).strip()))
