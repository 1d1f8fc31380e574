"""Rows written through the datastore API into an open entry pass the desensitization gate.

A file of an open entry (open_type unconditional or conditional) reaches the public
only as the treated file the gate released (portal/gate.py, publication review). Rows
pushed with datastore_create / datastore_upsert / datastore_delete have no file, so
they are checked here instead, in the write's own transaction: the whole table as it
stands after the write is written to a temporary CSV and run through
`desensitize.apply` for the entry's class and grading, exactly as an uploaded CSV
would be. The write is refused (409) unless the gate's decision is `allowed`: rows
that hold personal information the gate would have to treat (pseudonymise, mask,
generalise) or that it blocks must come as a file and go through review.

Whole-table, because what the gate judges is the table the public will read: an
update can join values into a new quasi-identifier combination, a delete can leave
an equivalence class smaller than k.

The catalog's `DatastoreTable.source_sha256` says what a table was made from: the
sha256 of a file (loads), API_UNCHECKED for rows written through the API without
the gate (an entry that was not open then), or `gated_marker(target)` (portal/gate.py)
once the gate allowed the table for that class. The public reads a table of an open entry only when
it is made from the released file, or when the gate allowed it for the entry's class
(portal/actions/datastore.py `_readable`).
"""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from portal.core.errors import ValidationError
from portal.datastore import TableMeta
from portal.datastore.backends import Db
from portal.gate import target_for
from portal.settings import private_dir

if TYPE_CHECKING:
    from portal.core.context import PortalServices as Portal
    from portal.models import Dataset

API_UNCHECKED = "api"
# States in which an open entry's data is (or is about to be) the public's.
GATED_STATES = ("published", "pending")


def gate_target(ds: Dataset) -> str | None:
    """The class rows written into `ds` are checked for; None when they are not checked
    (the entry is not open, or it is a draft or withdrawn: its tables are not public and
    stay unchecked until the gate allows them)."""
    if ds.state not in GATED_STATES:
        return None
    return target_for(ds.open_type)


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def check_table(portal: Portal, db: Db, meta: TableMeta, ds: Dataset, target: str) -> None:
    """Run the gate on the table `meta` as it stands in `db`'s transaction; raise
    ValidationError (the transaction is then rolled back) unless it is allowed as is."""
    from desensitize.apply import apply
    from portal.gate import shared_scanner

    b = db.backend
    names = [c.id for c in meta.columns]
    tmp_root = portal.var_dir / "tmp"
    private_dir(tmp_root)  # 0700: work files of raw data
    with tempfile.TemporaryDirectory(dir=tmp_root, prefix="gate-rows-") as work:
        source, out = Path(work) / "rows.csv", Path(work) / "treated.csv"
        with source.open("w", encoding="utf-8", newline="") as stream:
            writer = csv.writer(stream)
            writer.writerow(names)
            if names:
                cols = ", ".join(b.quote(n) for n in names)
                cur = db.execute(f"SELECT {cols} FROM {b.table(meta.resource_id)} "
                                 f"ORDER BY {b.quote('_id')}")
                while batch := cur.fetchmany(5000):
                    writer.writerows([_cell(v) for v in row] for row in batch)
        try:
            report = apply(source, target, out, grading=ds.grading or "general",
                           policy=portal.gate.policy, secret=portal.gate.secret,
                           scanner=shared_scanner(), format="csv")
        except ValueError as exc:
            decision, reasons = "not_checked", [f"the rows could not be checked: {exc}"]
        else:
            decision, reasons = report.decision, list(report.reasons)
    if decision != "allowed":
        why = "; ".join(reasons) or decision
        if decision == "allowed_after_treatment":
            why = (f"the rows hold data the gate would have to treat ({why}): rows written "
                   "through the datastore API are published only as they are")
        raise ValidationError(
            {"records": [f"This entry is open ({ds.open_type}); the desensitization gate "
                         f"does not allow this table into {target} as written: {why}. "
                         "Upload the data as a file and submit the entry for review"]},
            "Refused by the desensitization gate")
