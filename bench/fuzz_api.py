"""Fuzz the Action API: schemathesis over every action of /api/3/openapi.json.

The same harness as tests/api/test_fuzz.py (tests/support/fuzz.py) with many more
examples: a fresh portal in a temporary var dir (SQLite, or a throwaway PostgreSQL
cluster with --postgresql), seeded with a department, an editor, the bureau and an
entry with a datastore table; every operation (GET and POST) called anonymously,
with the editor's token and with the bureau's, with valid and invalid values. Prints
the requests sent, the statuses seen and every 5xx with the request that caused it;
exits 1 when there was any.

    .venv/bin/python bench/fuzz_api.py [--max-examples 25] [--seed 15] [--only a,b] [--postgresql]
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from portal.app import create_app  # noqa: E402
from portal.db import upgrade  # noqa: E402
from portal.services import Portal  # noqa: E402
from portal.settings import instance_settings  # noqa: E402
from tests.support.fuzz import fuzz, seed_portal  # noqa: E402
from tests.support.pgcluster import PgCluster  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=25,
                        help="cases per operation, caller and mode (default 25)")
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--only", default="", help="comma-separated action names")
    parser.add_argument("--postgresql", action="store_true",
                        help="a throwaway PostgreSQL cluster instead of SQLite")
    args = parser.parse_args()
    # The API logs each failure with its traceback; the report below lists them.
    logging.basicConfig(level=logging.CRITICAL)

    cluster = PgCluster().start() if args.postgresql else None
    try:
        with tempfile.TemporaryDirectory(prefix="shuyuan-fuzz-") as tmp:
            var = Path(tmp) / "var"
            url = cluster.create_database("fuzz") if cluster else f"sqlite:///{var}/fuzz.db"
            upgrade(url)
            portal = Portal(instance_settings(var, url))
            try:
                app = create_app(portal)
                app.config["PROPAGATE_EXCEPTIONS"] = False
                callers = seed_portal(portal)
                started = time.monotonic()
                report = fuzz(app, callers, max_examples=args.max_examples,
                              random_seed=args.seed,
                              only=[n for n in args.only.split(",") if n] or None)
                elapsed = time.monotonic() - started
            finally:
                portal.dispose()
    finally:
        if cluster:
            cluster.stop()

    print(f"{report.summary()} in {elapsed:.0f} s "
          f"({report.requests / max(elapsed, 1e-9):.0f} requests/s)")
    for error in report.server_errors:
        print(error)
    return 1 if report.server_errors else 0


if __name__ == "__main__":
    sys.exit(main())
