"""The desensitization gate as the portal runs it: one resource file, one target class.

`Gate.release(res, target, grading)` hands the raw file (from the blob store) to
`desensitize.apply`, stores the treated file in the blob store when the policy
allows it, and returns a `ResourceRelease` row (not yet added to a session):
the decision, the reasons and the report, which holds masked samples and never
a raw value. A file the gate cannot read is "not_checked", which never opens.

The pseudonym secret is the bureau's: $SHUYUAN_DESENSITIZE_SECRET when set,
else a random key kept in var/secret/desensitize.key, so pseudonyms stay the
same across files and releases of one portal.
"""

from __future__ import annotations

import functools
import logging
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desensitize.scanner import TEXT_EXTENSIONS
from desensitize.tables import TableError
from portal.crypto import load_or_create_key
from portal.datastore.status import reader_format
from portal.models import Resource, ResourceRelease
from portal.models.base import new_id, utcnow

if TYPE_CHECKING:
    from desensitize.policy import Policy
    from desensitize.scanner import Scanner
    from portal.services import Portal

log = logging.getLogger(__name__)

# A dataset's open type -> the class its files are treated for; "none" opens nothing.
OPEN_TARGETS = {"unconditional": "unconditional-open", "conditional": "conditional-open"}
SECRET_ENV = "SHUYUAN_DESENSITIZE_SECRET"


def target_for(open_type: str) -> str | None:
    return OPEN_TARGETS.get(open_type)


@functools.cache
def _scanner() -> Scanner:
    # One per process: building the recognizers and loading jieba costs a second or two.
    from desensitize.scanner import Scanner

    return Scanner()


def _suffix(res: Resource) -> str:
    name = os.path.basename((res.url or "").split("?")[0])
    return os.path.splitext(name)[1].lower()


class Gate:
    def __init__(self, portal: Portal) -> None:
        self.portal = portal

    @functools.cached_property
    def policy(self) -> Policy:
        from desensitize.policy import load_policy
        from portal.settings import config_path

        path = str(self.portal.settings.get("desensitize", "policy", "") or "")
        return load_policy(config_path(path) if path else None)

    @functools.cached_property
    def secret(self) -> bytes:
        given = os.environ.get(SECRET_ENV, "")
        if given:
            return given.encode()
        return load_or_create_key(self.portal.var_dir / "secret" / "desensitize.key")

    def release(self, res: Resource, target: str, grading: str) -> ResourceRelease:
        """Run the gate on `res`'s current file for `target`."""
        assert res.blob_sha256, "only uploaded files are released"
        row = ResourceRelease(id=new_id(), resource_id=res.id, raw_sha256=res.blob_sha256,
                              target=target, created=utcnow(), reasons=[], report={})
        table = reader_format(res)
        suffix = _suffix(res)
        if table is None and suffix not in TEXT_EXTENSIONS:
            row.decision = "not_checked"
            row.reasons = [f"the gate reads tables (CSV, TSV, XLSX, JSON) and text files; "
                           f"a {res.format or suffix or 'file of unknown type'} file cannot be "
                           "checked, so it is not opened"]
            return row
        try:
            self._apply(row, res, target, grading, table, suffix)
        except (ValueError, TableError, OSError) as exc:  # unreadable: reported, never opened
            row.decision, row.reasons = "not_checked", [f"the file could not be checked: {exc}"]
            row.treated_sha256 = row.treated_size = None
        return row

    def _apply(self, row: ResourceRelease, res: Resource, target: str, grading: str,
               table: str | None, suffix: str) -> None:
        from desensitize.apply import apply

        blobs = self.portal.blobs
        blobs.tmp_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=blobs.tmp_dir, prefix="gate-") as work:
            # apply() reads the format from the name; the blob store's names have none.
            source = Path(work) / f"raw{suffix or '.' + (table or 'txt')}"
            os.symlink(blobs.path(res.blob_sha256 or ""), source)
            out = Path(work) / f"treated{source.suffix}"
            report = apply(source, target, out, grading=grading, policy=self.policy,
                           secret=self.secret, scanner=_scanner(), format=table)
            row.decision, row.reasons = report.decision, list(report.reasons)
            row.report = _public_report(report.to_json(), res)
            if report.decision in ("allowed", "allowed_after_treatment") and out.exists():
                with out.open("rb") as stream:
                    stored = blobs.put(stream)
                row.treated_sha256, row.treated_size = stored.sha256, stored.size


def _public_report(report: dict[str, Any], res: Resource) -> dict[str, Any]:
    """The report without the temporary paths it was made under."""
    report = dict(report)
    report["file"] = os.path.basename(res.url or "") or res.name
    report.pop("output", None)
    report.pop("policy", None)  # the whole policy per file; the target's rules are in the docs
    return report
