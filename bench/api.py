"""Benchmark: the CKAN Action API over HTTP on the demo county.

Loads the demo into a temporary var dir, serves it with the production WSGI
server (`shuyuan serve`, waitress) in a separate process, then drives
package_show and package_search from client threads on loopback. The baseline
is status_show on the same server: the cost of HTTP + the action layer with no
catalog work, so the ratio says what the catalog query itself adds.

    .venv/bin/python bench/api.py [--seconds 10] [--clients 4] [--database-url URL]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.pgcluster import PgCluster, free_port  # noqa: E402

QUERIES = ["学校", "公交", "空气质量", "企业", "医疗", "道路", "低保", "供水", "旅游", "药店"]


def run_load(url: str, make_path: callable, seconds: float, clients: int) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker(seed: int) -> None:
        nonlocal errors
        rng = random.Random(seed)
        session = requests.Session()
        mine: list[float] = []
        bad = 0
        while time.monotonic() < deadline:
            start = time.perf_counter()
            resp = session.get(url + make_path(rng), timeout=30)
            mine.append(time.perf_counter() - start)
            if resp.status_code != 200 or not resp.json().get("success"):
                bad += 1
        with lock:
            latencies.extend(mine)
            errors += bad

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    latencies.sort()
    return {
        "requests": len(latencies),
        "errors": errors,
        "rps": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p95_ms": latencies[int(len(latencies) * 0.95) - 1] * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="per measured action")
    parser.add_argument("--clients", type=int, default=4, help="concurrent client threads")
    parser.add_argument("--postgresql", action="store_true",
                        help="run against a throwaway PostgreSQL cluster instead of SQLite")
    args = parser.parse_args()

    cluster = PgCluster().start() if args.postgresql else None
    with tempfile.TemporaryDirectory(prefix="shuyuan-bench-") as tmp:
        port = free_port()
        env = {**os.environ, "SHUYUAN_STORAGE_VAR_DIR": str(Path(tmp) / "var"),
               "SHUYUAN_SITE_URL": f"http://127.0.0.1:{port}"}
        if cluster:
            env["SHUYUAN_DATABASE_URL"] = cluster.create_database("bench")
        shuyuan = str(Path(sys.executable).parent / "shuyuan")
        t0 = time.perf_counter()
        subprocess.run([shuyuan, "demo", "--no-serve", "--port", str(port)], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        load_s = time.perf_counter() - t0
        server = subprocess.Popen([shuyuan, "serve", "--port", str(port)], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            url = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    requests.get(url + "/api/3/action/status_show", timeout=1)
                    break
                except requests.ConnectionError:
                    time.sleep(0.1)
            names = requests.get(url + "/api/3/action/package_list").json()["result"]
            print(f"demo loaded in {load_s:.1f} s; {len(names)} public datasets; "
                  f"{args.clients} clients, {args.seconds:.0f} s per action, "
                  f"backend {'postgresql' if cluster else 'sqlite'}")
            cases = {
                "status_show (baseline)": lambda rng: "/api/3/action/status_show",
                "package_show": lambda rng: f"/api/3/action/package_show?id={rng.choice(names)}",
                "package_search": lambda rng: (
                    f"/api/3/action/package_search?q={rng.choice(QUERIES)}&rows=20"
                    '&facet.field=["organization","tags","res_format"]'),
            }
            results = {}
            for label, make_path in cases.items():
                run_load(url, make_path, 1.0, args.clients)  # warm up
                results[label] = run_load(url, make_path, args.seconds, args.clients)
            base = results["status_show (baseline)"]
            print(f"{'action':<24}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'errors':>8}"
                  f"{'p50 vs baseline':>17}")
            for label, r in results.items():
                print(f"{label:<24}{r['rps']:>9.1f}{r['p50_ms']:>9.1f}{r['p95_ms']:>9.1f}"
                      f"{r['errors']:>8}{r['p50_ms'] / base['p50_ms']:>16.2f}x")
        finally:
            server.terminate()
            server.wait(timeout=10)
            if cluster:
                cluster.stop()


if __name__ == "__main__":
    main()
