"""Benchmark: how fast `python -m desensitize scan` reads a large table, and in what memory.

1. Generates a CSV of --rows rows (default 1,000,000) x 8 columns holding
   personal information: 姓名, 性别, 身份证号 (valid check digits), 手机号码,
   家庭住址 (county-style street addresses), 银行卡号 (Luhn-valid UnionPay
   numbers), 金额, 备注 (free text; one in ten holds a phone number, a name
   or an e-mail inside a sentence). Names come from a pool of 20,000 Faker
   zh_CN names (names repeat in a county: 王伟 is common), everything else is
   made per row. A fixed seed gives the same file on every run; --keep DIR
   reuses it.
2. `python -m desensitize scan FILE --workers 2` in a child process (it forks
   a second scanning process), on the first 100,000 rows and on the whole
   file, then the whole file in one process: rows/s, cells/s and the peak
   memory of the process tree, sampled every 0.2 s as the sum of the
   processes' PSS (pages the forked workers share with their parent counted
   once) and of their RSS (shared pages counted in every process).
3. The baseline: Presidio's AnalyzerEngine.analyze() called per cell with the
   same recognizers and the offline NLP engine (desensitize.registry), on the
   first --baseline-rows rows, extrapolated to cells/s.

Targets: scan at least 50x the per-cell baseline (cells/s), peak memory under
500 MB and flat from 100k to 1M rows (within 10 %).

    .venv/bin/python bench/desensitize_speed.py [--rows 1000000] [--keep DIR] [--quick]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import shlex
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COLUMNS = ["姓名", "性别", "身份证号", "手机号码", "家庭住址", "银行卡号", "金额", "备注"]
REGIONS = ["341324", "341302", "341321", "341322", "341323", "340102", "320102"]
TOWNS = ["泗城镇", "墩集镇", "丁湖镇", "草庙镇", "长沟镇", "黑塔镇", "大庄镇", "草沟镇",
         "山头镇", "刘圩镇", "屏山镇", "大杨乡", "瓦坊乡", "大路口乡", "黄圩镇"]
VILLAGES = ["张集村", "王圩村", "李桥村", "新华社区", "东关社区", "朱山村", "红光村", "前进村"]
STREETS = ["东关路", "人民路", "解放路", "汴河大道", "清水湾路", "运河路", "泗州大道"]
REMARKS = ["已核实", "材料齐全", "待补充材料", "无", "按时发放", "已电话回访", "暂缓办理",
           "家庭困难，申请临时救助", "2024年度复核通过"]
TARGET_RATIO = 50
TARGET_RSS_MB = 500


def _resident_id(rng: random.Random) -> str:
    from stdnum.cn import ric

    birth = f"{rng.randint(1940, 2015)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    body = f"{rng.choice(REGIONS)}{birth}{rng.randint(0, 999):03d}"
    return body + ric.calc_check_digit(body + "0")  # stdnum expects a placeholder check digit


def _card(rng: random.Random) -> str:
    from stdnum import luhn

    body = "62" + "".join(str(rng.randint(0, 9)) for _ in range(rng.choice((14, 16)) - 1))
    return body + luhn.calc_check_digit(body)


def _mobile(rng: random.Random) -> str:
    return f"1{rng.choice('3456789')}{rng.randint(0, 999_999_999):09d}"


def _address(rng: random.Random) -> str:
    town = rng.choice(TOWNS)
    if rng.random() < 0.5:
        return f"泗县{town}{rng.choice(VILLAGES)}{rng.randint(1, 12)}组"
    return f"泗县{town}{rng.choice(STREETS)}{rng.randint(1, 300)}号"


def _remark(rng: random.Random, names: list[str]) -> str:
    roll = rng.random()
    if roll < 0.04:
        return f"请联系{rng.choice(names)}核实"
    if roll < 0.08:
        return f"家属电话{_mobile(rng)}，已回访"
    if roll < 0.10:
        return f"材料已发至{rng.choice(('zhang', 'li', 'wang'))}{rng.randint(1, 999)}@163.com"
    return rng.choice(REMARKS)


def generate(path: Path, rows: int, seed: int = 2026) -> None:
    from faker import Faker
    from tqdm import tqdm

    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    rng = random.Random(seed)
    names = list(dict.fromkeys(fake.name() for _ in range(25_000)))[:20_000]
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(COLUMNS)
        for _ in tqdm(range(rows), desc=f"writing {path.name}", unit=" rows",
                      unit_scale=True, file=sys.stderr, mininterval=1):
            out.writerow([rng.choice(names), rng.choice("男女"), _resident_id(rng), _mobile(rng),
                          _address(rng), _card(rng), f"{rng.randint(100, 99999)}.{rng.randint(0, 99):02d}",
                          _remark(rng, names)])


def head(source: Path, target: Path, rows: int) -> None:
    with source.open(encoding="utf-8") as f, target.open("w", encoding="utf-8") as out:
        for i, line in enumerate(f):
            if i > rows:
                break
            out.write(line)


def _tree(pid: int) -> list[int]:
    """pid and its descendants (the scan's worker processes)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            kids = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        todo += [int(k) for k in kids]
    return found


def _memory_kb(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of one process in kB: PSS splits pages shared with the forked workers
    among them, so the tree's PSS is the memory it really holds."""
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0, 0
    values = {line.split(":")[0]: int(line.split()[1]) for line in text.splitlines()[1:]}
    return values.get("Rss", 0), values.get("Pss", 0)


class MemoryWatch(threading.Thread):
    """Samples the summed RSS and PSS of a process tree every 0.2 s; keeps the peaks."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_rss = self.peak_pss = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.2):
            sizes = [_memory_kb(p) for p in _tree(self.pid)]
            self.peak_rss = max(self.peak_rss, sum(r for r, _ in sizes))
            self.peak_pss = max(self.peak_pss, sum(p for _, p in sizes))


def run_scan(path: Path, workers: int) -> tuple[float, int, float, float]:
    """(seconds, findings, peak RSS MB, peak PSS MB of the whole process tree) of
    `python -m desensitize scan path --workers N` in a child."""
    command = [sys.executable, "-m", "desensitize", "scan", str(path), "--no-progress",
               "--workers", str(workers)]
    start = time.perf_counter()
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE)
    watch = MemoryWatch(proc.pid)
    watch.start()
    assert proc.stdout is not None
    findings = sum(chunk.count(b"\n") for chunk in iter(lambda: proc.stdout.read(1 << 20), b""))
    status = proc.wait()
    seconds = time.perf_counter() - start
    watch.done.set()
    watch.join()
    if status != 0:
        raise SystemExit(f"scan failed on {path} (status {status})")
    return seconds, findings, watch.peak_rss / 1024, watch.peak_pss / 1024


def baseline(path: Path, rows: int) -> tuple[float, int]:
    """(cells/s, cells) of AnalyzerEngine.analyze() per cell, same recognizers."""
    from desensitize.entities import ALL, LANGUAGE
    from desensitize.registry import analyzer_engine

    engine = analyzer_engine(ALL)
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        next(reader)
        cells = [c for _, row in zip(range(rows), reader, strict=False) for c in row if c]
    engine.analyze(text=cells[0], language=LANGUAGE)  # warm: jieba's dictionary, caches
    start = time.perf_counter()
    for cell in cells:
        engine.analyze(text=cell, language=LANGUAGE, score_threshold=0.5)
    return len(cells) / (time.perf_counter() - start), len(cells)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--small-rows", type=int, default=100_000)
    parser.add_argument("--baseline-rows", type=int, default=2_000)
    parser.add_argument("--keep", type=Path, help="folder to keep (and reuse) the CSV in")
    parser.add_argument("--workers", type=int, default=2, help="scan processes (default 2)")
    parser.add_argument("--quick", action="store_true", help="20,000 rows, 5,000 for the small run")
    args = parser.parse_args()
    if args.quick:
        args.rows, args.small_rows, args.baseline_rows = 20_000, 5_000, 300
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-desensitize-"))
    folder.mkdir(parents=True, exist_ok=True)
    big = folder / f"people-{args.rows}.csv"
    if not big.exists():
        generate(big, args.rows)
    small = folder / f"people-{args.small_rows}.csv"
    head(big, small, args.small_rows)
    print(f"$ {shlex.join([sys.executable, *sys.argv])}")
    print(f"load average at start: {'/'.join(f'{x:.1f}' for x in os.getloadavg())}; 2 cores, "
          "shared machine")
    print(f"file: {big} ({big.stat().st_size / 1e6:.0f} MB, {args.rows:,} rows x "
          f"{len(COLUMNS)} columns)")

    figures = {}
    runs = [("small", small, args.small_rows, args.workers), ("full", big, args.rows, args.workers)]
    if args.workers != 1:
        runs.append(("one process", big, args.rows, 1))
    for label, path, rows, workers in runs:
        seconds, findings, rss, pss = run_scan(path, workers)
        figures[label] = (seconds, pss)
        print(f"scan {rows:>9,} rows, {workers} process(es): {seconds:7.1f} s = "
              f"{rows / seconds:8,.0f} rows/s = {rows * len(COLUMNS) / seconds:9,.0f} cells/s; "
              f"{findings:,} findings; peak memory of the process tree: PSS {pss:.0f} MB "
              f"(RSS summed {rss:.0f} MB)")
    base_rate, base_cells = baseline(big, args.baseline_rows)
    print(f"baseline: AnalyzerEngine.analyze() per cell, same recognizers: {base_rate:,.0f} cells/s "
          f"(measured on {base_cells:,} cells of the first {args.baseline_rows:,} rows, "
          f"extrapolated: {args.rows * len(COLUMNS) / base_rate / 60:.0f} min for the file)")

    seconds, rss = figures["full"]
    rate = args.rows * len(COLUMNS) / seconds
    ratio = rate / base_rate
    small_rss = figures["small"][1]
    growth = rss / small_rss - 1
    if "one process" in figures:
        one = args.rows * len(COLUMNS) / figures["one process"][0]
        print(f"one process: {one:,.0f} cells/s = {one / base_rate:.0f}x the baseline, "
              f"PSS {figures['one process'][1]:.0f} MB")
    print(f"== bench/desensitize_speed.py summary: {args.rows:,} rows x {len(COLUMNS)} columns")
    print(f"scan: {args.rows / seconds:,.0f} rows/s, {rate:,.0f} cells/s; "
          f"{ratio:.0f}x the per-cell baseline   target >= {TARGET_RATIO}x: "
          f"{'PASS' if ratio >= TARGET_RATIO else 'MISS'}")
    print(f"peak memory (PSS of the scan's processes): {small_rss:.0f} MB at "
          f"{args.small_rows:,} rows, {rss:.0f} MB at "
          f"{args.rows:,} rows ({growth:+.0%})   target < {TARGET_RSS_MB} MB and flat (within "
          f"10 %): {'PASS' if rss < TARGET_RSS_MB and growth <= 0.10 else 'MISS'}")
    print(f"(this process's own peak RSS: "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)")


if __name__ == "__main__":
    main()
