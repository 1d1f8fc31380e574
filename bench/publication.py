"""Benchmark: publication review with the desensitization gate as a background job.

Issue 13's figures, on a fresh SQLite portal, for a catalog entry of the demo county's
泗县学生资助发放名单 (pupils' and guardians' names, resident IDs, mobiles) as a CSV of
--rows rows (default 1,000,000), asked for unconditional open:

- publication_submit returns at once (target: under 1 s), because the gate runs as
  a job after the call;
- the gate job's rows/s, from submit to the release decided, against
  `python -m desensitize apply` on the same file in its own process (the baseline);
  target: within 15 % (ratio ≥ 0.85).

Both treat the same file for the same class with the same policy and write the same
release; the job also stores the treated file in the blob store and records progress.
The table's datastore load is turned off here so that only the gate runs.

    .venv/bin/python bench/publication.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from portal.actions.resources import Upload  # noqa: E402
from portal.core.context import SYSTEM  # noqa: E402
from portal.db import upgrade  # noqa: E402
from portal.demo.catalog import build_plan  # noqa: E402
from portal.demo.loader import resources_for  # noqa: E402
from portal.gate import JOB_PREFIX  # noqa: E402
from portal.services import Portal  # noqa: E402
from portal.settings import instance_settings  # noqa: E402

SECRET = "bench-publication-secret-0123456789"


def roster(path: Path, rows: int) -> dict:
    """Write the first personal demo table repeated to `rows` rows; return its plan's
    package params."""
    for plan in build_plan():
        uploads = [r for r in plan.resources if r.is_upload]
        if plan.personal and uploads:
            table = uploads[0].table()
            with path.open("w", encoding="utf-8", newline="") as f:
                out = csv.writer(f)
                out.writerow([c.name for c in table.columns])
                for n in range(rows):
                    row = list(table.rows[n % len(table.rows)])
                    row[0] = n + 1
                    out.writerow(row)
            _, first = resources_for(plan)
            return plan.package_params(first)
    raise SystemExit("the demo county has no personal-information entry")


def baseline(path: Path, out: Path) -> float:
    """Seconds `python -m desensitize apply` takes on the file, in its own process."""
    env = {**os.environ, "SHUYUAN_DESENSITIZE_SECRET": SECRET}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "desensitize", "apply", str(path), "--target",
                    "unconditional-open", "-o", str(out), "--no-progress"],
                   check=True, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def through_portal(path: Path, params: dict, var: Path) -> tuple[float, float, str]:
    """(seconds publication_submit took, seconds until the gate decided, the decision)."""
    os.environ["SHUYUAN_DESENSITIZE_SECRET"] = SECRET
    url = f"sqlite:///{var}/bench.db"
    upgrade(url)
    # A 1,000,000-row file is past the default 100 MB upload limit: the bench raises it.
    portal = Portal(instance_settings(var, url, datastore={"auto_load": False},
                                      storage={"max_upload_bytes": 2 * path.stat().st_size}))
    try:
        portal.call("organization_create", {"name": "edu", "title": "县教育局",
                                            "code": "bench-edu"}, user=SYSTEM)
        with path.open("rb") as stream:
            made = portal.call("package_create", {
                **params, "name": "bench-entry", "resource_code": "bench-entry",
                "owner_org": "edu", "publication_state": "draft",
                "open_type": "unconditional", "grading": "general", "groups": [],
                "open_condition": "", "license_id": "cc-by",
                "resources": [{"name": "名单", "upload": Upload("名单.csv", stream)}]},
                user=SYSTEM)
        portal.jobs.wait_idle(timeout=None)
        # Warm the gate's recognizers and jieba, as a running portal has them.
        from portal.gate import shared_scanner

        shared_scanner()
        start = time.perf_counter()
        review = portal.call("publication_submit", {"id": made["id"]}, user=SYSTEM)
        submitted = time.perf_counter() - start
        assert review["reports"][0]["decision"] in ("pending", "running"), review["reports"]
        portal.jobs.wait_for(JOB_PREFIX, timeout=None)
        gated = time.perf_counter() - start
        shown = portal.call("publication_review_show", {"id": review["id"]}, user=SYSTEM)
        return submitted, gated, shown["reports"][0]["decision"]
    finally:
        portal.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--baseline-seconds", type=float,
                        help="reuse a measured baseline instead of running the CLI again")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "名单.csv"
        params = roster(path, args.rows)
        size = path.stat().st_size
        print(f"file: {args.rows:,} rows x {len(params['data_items'])} columns CSV, "
              f"{size / 1e6:,.1f} MB", flush=True)
        cli = args.baseline_seconds or baseline(path, folder / "cli-out.csv")
        print(f"python -m desensitize apply (baseline): {cli:8.1f} s "
              f"({args.rows / cli:,.0f} rows/s)", flush=True)
        var = folder / "var"
        var.mkdir()
        submitted, gated, decision = through_portal(path, params, var)
    print(f"publication_submit returned in:          {submitted * 1000:8.1f} ms   "
          f"(target < 1000 ms: {'met' if submitted < 1 else 'MISSED'})")
    print(f"gate job, submit to decision ({decision}): {gated:8.1f} s "
          f"({args.rows / gated:,.0f} rows/s)")
    ratio = cli / gated
    print(f"ratio gate job / baseline rows/s: {ratio:.2f}   "
          f"(target >= 0.85: {'met' if ratio >= 0.85 else 'MISSED'})")


if __name__ == "__main__":
    main()
