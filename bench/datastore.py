"""Benchmark: loading a 2M-row CSV into the datastore, then datastore_search over HTTP.

1. Generates a CSV of --rows rows x 10 columns (Chinese names, towns and notes,
   dates, timestamps, amounts, counts) in a temporary folder, uploads it to a
   resource (background loading off), and loads it with `shuyuan datastore load`
   in a child process: rows/s (the loader's own time, which includes encoding
   detection and type inference, and the process's wall time) and the child's
   peak RSS (os.wait4). The same for a quarter of the rows, to show that memory
   does not grow with the file. A bare csv.reader + executemany load of the
   same file (no encoding detection, no types: the issue's yardstick, ~247,000
   rows/s when the issue was written) is timed in the same run, since this
   machine's speed varies by a fifth from one minute to the next.
2. Serves the portal (`shuyuan serve`) and asks datastore_search for a filter +
   sort query with include_total, from one client: p50/p95 latency.
3. The baseline: the same SQLite table, same file, same indexes, served by
   datasette with `_nofacet=1` (its default URL also suggests facets). datasette
   is installed for this benchmark only; it is not a dependency of the portal:
   `.venv/bin/pip install datasette`.

    .venv/bin/python bench/datastore.py [--rows 2000000] [--requests 200]
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.pgcluster import free_port  # noqa: E402

SHUYUAN = str(Path(sys.executable).parent / "shuyuan")
DATASETTE = str(Path(sys.executable).parent / "datasette")
TOWNS = ["泗城镇", "墩集镇", "丁湖镇", "草沟镇", "长沟镇", "黑塔镇", "屏山镇", "山头镇",
         "刘圩镇", "大庄镇"]
SURNAMES = "张王李刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟"]
KINDS = ["教育", "医疗", "交通", "环境", "民政", "农业", "水利"]
FILTER = {"乡镇": "泗城镇"}
SORT = "金额 desc"


def generate(path: Path, rows: int, seed: int = 20241125) -> None:
    rng = random.Random(seed)
    start = date(2015, 1, 1)
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(["编号", "姓名", "乡镇", "村居", "登记日期", "更新时间", "金额", "人数",
                      "类别", "备注"])
        for i in range(1, rows + 1):
            day = start + timedelta(days=rng.randrange(3650))
            out.writerow([
                i, rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                rng.choice(TOWNS), f"第{rng.randrange(1, 30)}村民委员会", day.isoformat(),
                f"{day.isoformat()} {rng.randrange(24):02d}:{rng.randrange(60):02d}:"
                f"{rng.randrange(60):02d}",
                f"{rng.random() * 10000:.2f}", rng.randrange(1000), rng.choice(KINDS),
                f"{rng.choice(KINDS)}补助第{rng.randrange(100000)}号"])


def environment(var: Path, port: int) -> dict[str, str]:
    env = {**os.environ, "SHUYUAN_STORAGE_VAR_DIR": str(var),
           "SHUYUAN_SITE_URL": f"http://127.0.0.1:{port}", "SHUYUAN_DATASTORE_AUTO_LOAD": "false",
           "SHUYUAN_STORAGE_MAX_UPLOAD_BYTES": str(4 * 1024**3)}  # 2M rows are ~200 MB
    env.pop("SHUYUAN_CONFIG", None)
    env.pop("SHUYUAN_DATABASE_URL", None)
    return env


def upload(env: dict[str, str], csv_path: Path) -> str:
    """A portal with one published entry holding the file; the resource id."""
    subprocess.run([SHUYUAN, "init"], env=env, check=True, stdout=subprocess.DEVNULL)
    code = f"""
import sys
from portal.actions.resources import Upload
from portal.core.context import SYSTEM
from portal.services import Portal
from tests.conftest import org_params, package_params
p = Portal()
p.call("organization_create", org_params("stats"), user=SYSTEM)
ds = p.call("package_create", package_params("subsidies", "stats"), user=SYSTEM)
with open({str(csv_path)!r}, "rb") as f:
    res = p.call("resource_create", {{"package_id": ds["id"], "upload": Upload("补助发放.csv", f)}},
                 user=SYSTEM)
print(res["id"])
p.dispose()
"""
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT,
                          capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"the upload failed: {done.stderr.strip().splitlines()[-1:]}")
    return done.stdout.strip().splitlines()[-1]


def drop(env: dict[str, str], rid: str) -> None:
    """Drop the table between repeats, so every measured load is a first load."""
    code = ("from portal.services import SYSTEM, Portal\np = Portal()\n"
            f"p.call('datastore_delete', {{'resource_id': {rid!r}}}, user=SYSTEM)\np.dispose()")
    subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=True)


def load(env: dict[str, str], rid: str, index: bool) -> dict[str, float]:
    """`shuyuan datastore load` in a child; its figures and its own peak RSS."""
    env = {**env, "SHUYUAN_DATASTORE_AUTO_INDEX": "true" if index else "false"}
    os.sync()  # the generated file's writeback is not the loader's cost
    began = time.perf_counter()
    child = subprocess.Popen([SHUYUAN, "datastore", "load", rid], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - began
    output = child.stdout.read() if child.stdout else ""
    if status != 0:
        raise SystemExit(f"the load failed: {output}")
    found = re.search(r"loaded (\d+) rows .* in ([\d.]+) s .*indexes in ([\d.]+) s", output)
    if not found:
        raise SystemExit(f"unexpected output: {output}")
    rows, seconds, index_s = int(found[1]), float(found[2]), float(found[3])
    return {"rows": rows, "load_s": seconds, "rate": rows / seconds, "index_s": index_s,
            "wall_s": wall, "wall_rate": rows / (wall - index_s),
            "rss_mb": usage.ru_maxrss / 1024}


BARE = """
import csv, sqlite3, sys
from itertools import islice
path, db = sys.argv[1], sys.argv[2]
con = sqlite3.connect(db, isolation_level=None)
with open(path, encoding="utf-8", newline="") as f:
    rows = csv.reader(f)
    header = next(rows)
    cols = ", ".join(f"c{i}" for i in range(len(header)))
    con.execute(f"CREATE TABLE t ({cols})")
    sql = f"INSERT INTO t VALUES ({', '.join('?' * len(header))})"
    con.execute("BEGIN")
    while batch := list(islice(rows, 10000)):
        con.executemany(sql, batch)
    con.execute("COMMIT")
"""


def bare(path: Path, rows: int) -> dict[str, float]:
    """The issue's yardstick on this machine, now: csv.reader + executemany into SQLite,
    no encoding detection, no types (a calibration for the loader's figure)."""
    db = path.with_suffix(".bare.db")
    os.sync()
    began = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", BARE, str(path), str(db)])
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - began
    db.unlink()
    if status != 0:
        raise SystemExit("the bare baseline failed")
    return {"rate": rows / wall, "rss_mb": usage.ru_maxrss / 1024}


def wait_for(url: str) -> None:
    for _ in range(300):
        try:
            requests.get(url, timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not answer")


def latencies(url: str, count: int, check: str) -> dict[str, float]:
    session = requests.Session()
    for _ in range(10):  # warm up
        session.get(url, timeout=30)
    times = []
    for _ in range(count):
        started = time.perf_counter()
        resp = session.get(url, timeout=30)
        times.append(time.perf_counter() - started)
        if resp.status_code != 200 or check not in resp.text:
            raise SystemExit(f"bad answer from {url}: {resp.status_code} {resp.text[:300]}")
    times.sort()
    return {"p50": statistics.median(times) * 1000,
            "p95": times[max(0, int(len(times) * 0.95) - 1)] * 1000}


def serve(args: list[str], env: dict[str, str], url: str) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(url)
    return server


def search_figures(env: dict[str, str], var: Path, rid: str, port: int, count: int
                   ) -> tuple[dict[str, float], dict[str, float], dict[str, float], int]:
    ours = serve([SHUYUAN, "serve", "--port", str(port)], env,
                 f"http://127.0.0.1:{port}/api/3/action/status_show")
    try:
        params = (f"resource_id={rid}&filters={quote(json.dumps(FILTER, ensure_ascii=False))}"
                  f"&sort={quote(SORT)}&limit=100&include_total=true")
        url = f"http://127.0.0.1:{port}/api/3/action/datastore_search?{params}"
        total = requests.get(url, timeout=60).json()["result"]["total"]
        mine = latencies(url, count, '"success": true')
    finally:
        ours.terminate()
        ours.wait(timeout=10)
    dport = free_port()
    theirs = serve([DATASETTE, "serve", str(var / "datastore.db"), "--port", str(dport),
                    "--setting", "sql_time_limit_ms", "10000"], env,
                   f"http://127.0.0.1:{dport}/-/versions.json")
    try:
        column, value = next(iter(FILTER.items()))
        url = (f"http://127.0.0.1:{dport}/datastore/{rid}.json?{quote(column)}={quote(value)}"
               f"&_sort_desc={quote(SORT.split()[0])}&_size=100&_nofacet=1")
        check = requests.get(url, timeout=60).json()
        if check.get("filtered_table_rows_count") != total:
            raise SystemExit(f"datasette counts {check.get('filtered_table_rows_count')} rows, "
                             f"datastore_search {total}: not the same query")
        baseline = latencies(url, count, '"rows"')
        no_count = latencies(url + "&_nocount=1", count, '"rows"')
    finally:
        theirs.terminate()
        theirs.wait(timeout=10)
    return mine, baseline, no_count, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--requests", type=int, default=200, help="per measured server")
    parser.add_argument("--repeat", type=int, default=3,
                        help="loads per file (the median is reported; indexes on the last)")
    parser.add_argument("--no-datasette", action="store_true", help="skip the HTTP part")
    args = parser.parse_args()
    if not args.no_datasette and importlib.util.find_spec("datasette") is None:
        raise SystemExit("datasette is the baseline of this benchmark only (not a dependency "
                         "of the portal): .venv/bin/pip install datasette, or --no-datasette")
    with tempfile.TemporaryDirectory(prefix="shuyuan-bench-ds-") as tmp:
        print(f"{os.cpu_count()} CPUs; generating {args.rows:,} rows x 10 columns ...", flush=True)
        runs = {}
        for rows in (args.rows // 4, args.rows):
            path = Path(tmp) / f"rows-{rows}.csv"
            generate(path, rows)
            var, port = Path(tmp) / f"var-{rows}", free_port()
            env = environment(var, port)
            rid = upload(env, path)
            yardstick = bare(path, rows)
            path.unlink()
            tries = []
            for n in range(args.repeat):
                last = n == args.repeat - 1
                tries.append(load(env, rid, index=last))
                if not last:
                    drop(env, rid)
            r = {**tries[-1], "rate": statistics.median(t["rate"] for t in tries),
                 "rates": [t["rate"] for t in tries],
                 "rss_mb": max(t["rss_mb"] for t in tries), "bare": yardstick}
            runs[rows] = (r, env, var, rid, port)
            print(f"load {rows:>9,} rows: median {r['rate']:>9,.0f} rows/s over {len(tries)} "
                  f"loads ({', '.join(f'{x:,.0f}' for x in r['rates'])}); last: "
                  f"{r['load_s']:.2f} s, process wall {r['wall_s']:.2f} s incl. start-up and "
                  f"indexes ({r['wall_rate']:,.0f} rows/s without indexes); indexes "
                  f"{r['index_s']:.2f} s; peak RSS {r['rss_mb']:.0f} MB", flush=True)
            print(f"  yardstick, bare csv.reader + executemany (no types): "
                  f"{yardstick['rate']:,.0f} rows/s, peak RSS {yardstick['rss_mb']:.0f} MB; "
                  f"loader/bare {r['rate'] / yardstick['rate']:.2f}", flush=True)
        small, big = runs[args.rows // 4][0], runs[args.rows][0]
        print(f"peak RSS {args.rows // 4:,} vs {args.rows:,} rows: {small['rss_mb']:.0f} MB vs "
              f"{big['rss_mb']:.0f} MB (x{big['rss_mb'] / small['rss_mb']:.2f} for 4x the rows)")
        if args.no_datasette:
            return
        _, env, var, rid, port = runs[args.rows]
        mine, baseline, no_count, total = search_figures(env, var, rid, port, args.requests)
        print(f"datastore_search filters={json.dumps(FILTER, ensure_ascii=False)} sort={SORT!r} "
              f"include_total ({total:,} matches), {args.requests} requests, one client:")
        print(f"  shuyuan   p50 {mine['p50']:7.2f} ms   p95 {mine['p95']:7.2f} ms")
        print(f"  datasette p50 {baseline['p50']:7.2f} ms   p95 {baseline['p95']:7.2f} ms "
              "(same table and indexes, _nofacet=1)")
        print(f"  datasette p50 {no_count['p50']:7.2f} ms   p95 {no_count['p95']:7.2f} ms "
              "(and _nocount=1: no total, for reference)")
        print(f"  ratio p95 shuyuan/datasette: {mine['p95'] / baseline['p95']:.2f}")


if __name__ == "__main__":
    main()
