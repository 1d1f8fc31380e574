"""Human labels for the coded values users see (the glossary's code names -> words).

One map per field, all in one module so the .po file and the pages agree. The
msgids are English; the Chinese comes from the theme's catalog. Values that are
missing from a map (a new code the pages do not know yet) are shown as they are.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

CLASSIFICATION: Mapping[str, LazyString] = {
    "base": _l("Base library"),
    "thematic": _l("Thematic library"),
    "department": _l("Department library"),
}

# What each library holds, shown under its name on the home page.
CLASSIFICATION_HINT: Mapping[str, LazyString] = {
    "base": _l("Population, legal entities, natural resources, electronic licences"),
    "thematic": _l("Data gathered around one theme or scenario"),
    "department": _l("Data each department collects in its own work"),
}

SHARE_TYPE: Mapping[str, LazyString] = {
    "unconditional": _l("Unconditional sharing"),
    "conditional": _l("Conditional sharing"),
    "none": _l("Not shared"),
}

SHARE_METHOD: Mapping[str, LazyString] = {
    "api": _l("API"),
    "file": _l("File download"),
    "table_exchange": _l("Table exchange"),
}

OPEN_TYPE: Mapping[str, LazyString] = {
    "unconditional": _l("Unconditionally open"),
    "conditional": _l("Conditionally open"),
    "none": _l("Not open"),
}

UPDATE_PERIOD: Mapping[str, LazyString] = {
    "realtime": _l("Real time"),
    "daily": _l("Daily"),
    "weekly": _l("Weekly"),
    "monthly": _l("Monthly"),
    "quarterly": _l("Quarterly"),
    "yearly": _l("Yearly"),
    "irregular": _l("Irregular"),
}

GRADING: Mapping[str, LazyString] = {
    "general": _l("General data"),
    "important": _l("Important data"),
    "core": _l("Core data"),
}

ORGANIZATION_TYPE: Mapping[str, LazyString] = {
    "bureau": _l("Data resources bureau"),
    "department": _l("Government department"),
    "town": _l("Town"),
    "development_zone": _l("Development zone"),
    "public_utility": _l("Public utility"),
    "government": _l("County government"),
}

DATA_ITEM_TYPE: Mapping[str, LazyString] = {
    "text": _l("Text"),
    "integer": _l("Integer"),
    "number": _l("Number"),
    "date": _l("Date"),
    "datetime": _l("Date and time"),
    "boolean": _l("Yes/no"),
    "binary": _l("Binary"),
}

# Column types of datastore tables (portal/datastore/names.py TYPES).
DATASTORE_TYPE: Mapping[str, LazyString] = {
    "text": _l("Text"),
    "integer": _l("Integer"),
    "numeric": _l("Number"),
    "date": _l("Date"),
    "timestamp": _l("Date and time"),
}

MAPS: Mapping[str, Mapping[str, LazyString]] = {
    "classification": CLASSIFICATION,
    "classification_hint": CLASSIFICATION_HINT,
    "share_type": SHARE_TYPE,
    "share_method": SHARE_METHOD,
    "open_type": OPEN_TYPE,
    "update_period": UPDATE_PERIOD,
    "grading": GRADING,
    "organization_type": ORGANIZATION_TYPE,
    "data_item_type": DATA_ITEM_TYPE,
    "datastore_type": DATASTORE_TYPE,
}


def label(kind: str, value: str | None) -> str:
    """The label of one coded value; unknown kinds or values come back unchanged."""
    if not value:
        return ""
    found = MAPS.get(kind, {}).get(value)
    return str(found) if found is not None else value
