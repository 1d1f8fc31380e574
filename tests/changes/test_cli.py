"""`shuyuan changes overdue`: lists what is late and exits 1, or exits 0 when nothing is."""

from __future__ import annotations

import os
from typing import Any

from click.testing import CliRunner

from portal.cli import main
from tests.changes.conftest import County
from tests.support.clock import CountyClock


def overdue(county: County, *options: str) -> Any:
    environ: dict[str, str | None] = {k: None for k in os.environ if k.startswith("SHUYUAN_")}
    env = {"SHUYUAN_DATABASE_URL": county.portal.settings.database_url,
           "SHUYUAN_STORAGE_VAR_DIR": str(county.portal.var_dir)}
    return CliRunner().invoke(main, ["changes", "overdue", "--on", county.portal.clock.today().isoformat(), *options], env={**environ, **env})


def test_overdue_changes_are_listed_with_working_days_late(county: County, clock: CountyClock) -> None:
    late = county.change(changed_on="2026-09-30")
    reported = county.change("health-editor", organization="health", kind="legal_basis",
                             changed_on="2026-09-30")
    county.change(changed_on="2026-09-30")  # updated in time, report pending
    done = county.call("bureau", "catalog_change_list", {"organization": "edu"})[1]
    clock.set("2026-10-20")
    for change in (reported, done):
        county.call("bureau", "catalog_change_update", {"id": change["id"]})
    county.call("bureau", "catalog_change_report", {"id": reported["id"], "catalog": "目录"})
    assert overdue(county).exit_code == 0

    clock.set("2026-10-26")  # Monday
    result = overdue(county)
    assert result.exit_code == 1, result.output
    lines = [line.split("\t") for line in result.stdout.splitlines()]
    assert lines == [
        ["edu", "duty", "update due 2026-10-20", "4 working day(s) late", late["id"]],
        ["edu", "duty", "report due 2026-10-23", "1 working day(s) late", done["id"]],
    ]
    assert "2 overdue catalog change(s)" in result.stderr


def test_overdue_refuses_a_date_it_cannot_read(county: County) -> None:
    environ: dict[str, str | None] = {k: None for k in os.environ if k.startswith("SHUYUAN_")}
    env = {"SHUYUAN_DATABASE_URL": county.portal.settings.database_url,
           "SHUYUAN_STORAGE_VAR_DIR": str(county.portal.var_dir)}
    result = CliRunner().invoke(main, ["changes", "overdue", "--on", "2026-13-01"],
                                env={**environ, **env})
    assert result.exit_code == 2
    assert "'2026-13-01' is not a date" in result.output
    assert "Traceback" not in result.output
