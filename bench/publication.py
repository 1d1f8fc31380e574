"""Benchmark: what publication review costs a department and the bureau.

Submitting an entry for an open class runs every uploaded file through the
desensitization gate inside the call (portal/gate.py). This measures, on a fresh
SQLite portal, publication_submit and publication_approve for a catalog entry of the
demo county's 泗县学生资助发放名单 (pupils' and guardians' names, resident IDs,
mobiles) as an XLSX of --rows rows, asked for unconditional open, against the
baseline of the same submission for an entry that opens nothing (open_type none: no
gate), and prints the ratio. No target is set by the issue; the figure says how long
a department waits for a submit button.

    .venv/bin/python bench/publication.py [--rows 2000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from openpyxl import Workbook  # noqa: E402

from portal.actions.resources import Upload  # noqa: E402
from portal.db import upgrade  # noqa: E402
from portal.demo.catalog import build_plan  # noqa: E402
from portal.demo.loader import resources_for  # noqa: E402
from portal.services import SYSTEM, Portal  # noqa: E402
from portal.settings import instance_settings  # noqa: E402


def roster(rows: int) -> tuple[dict, bytes]:
    """The demo plan of the first personal entry, and its table repeated to `rows` rows."""
    for plan in build_plan():
        uploads = [r for r in plan.resources if r.is_upload]
        if plan.personal and uploads:
            table = uploads[0].table()
            wb = Workbook()
            ws = wb.active
            ws.append([c.name for c in table.columns])
            for n in range(rows):
                row = list(table.rows[n % len(table.rows)])
                row[0] = n + 1
                ws.append(row)
            out = io.BytesIO()
            wb.save(out)
            _, first = resources_for(plan)
            return plan.package_params(first), out.getvalue()
    raise SystemExit("the demo county has no personal-information entry")


def entry(portal: Portal, params: dict, data: bytes, n: int, open_type: str) -> str:
    made = portal.call("package_create", {
        **params, "name": f"bench-{open_type}-{n}", "resource_code": f"bench-{open_type}-{n}",
        "owner_org": "edu", "publication_state": "draft", "open_type": open_type,
        "grading": "general", "groups": [], "open_condition": "",
        "license_id": "cc-by" if open_type != "none" else "other-closed",
        "resources": [{"name": "名单", "upload": Upload("名单.xlsx", io.BytesIO(data))}]},
        user=SYSTEM)
    return str(made["id"])


def timed(portal: Portal, name: str, ds_id: str) -> float:
    start = time.perf_counter()
    portal.call(name, {"id": ds_id}, user=SYSTEM)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    params, data = roster(args.rows)
    with tempfile.TemporaryDirectory() as var:
        url = f"sqlite:///{var}/bench.db"
        upgrade(url)
        portal = Portal(instance_settings(Path(var), url))
        portal.call("organization_create", {"name": "edu", "title": "县教育局",
                                            "code": "bench-edu"}, user=SYSTEM)
        # Warm: the gate's recognizers and jieba load once per process.
        timed(portal, "publication_submit", entry(portal, params, data, 0, "unconditional"))
        gated, plain, approve = [], [], []
        for n in range(1, args.repeats + 1):
            ds = entry(portal, params, data, n, "unconditional")
            gated.append(timed(portal, "publication_submit", ds))
            approve.append(timed(portal, "publication_approve", ds))
            plain.append(timed(portal, "publication_submit",
                               entry(portal, params, data, n, "none")))
        portal.dispose()
    g, p, a = (statistics.median(x) for x in (gated, plain, approve))
    print(f"file: {args.rows} rows x {len(params['data_items'])} columns XLSX, "
          f"{len(data):,} bytes; median of {args.repeats}")
    print(f"publication_submit, unconditional open (gate): {g * 1000:8.1f} ms "
          f"({args.rows / g:,.0f} rows/s)")
    print(f"publication_submit, not open (baseline):       {p * 1000:8.1f} ms")
    print(f"publication_approve (treated file released):   {a * 1000:8.1f} ms")
    print(f"ratio gate / baseline: {g / p:.1f}x")


if __name__ == "__main__":
    main()
