"""Reader speed: `.venv/bin/python bench/reader.py [ROWS]`.

Writes a 10-column CSV (Chinese text, dates, numbers) in UTF-8 and in GBK,
then reports rows/s for reading alone and with TypeInferrer (detection
included: each figure times open_table + the full read). The baseline is a
bare csv.reader over the same file with the encoding given: the ratio says
what detection, padding and None-for-empty cost on top of the C parser.
"""

from __future__ import annotations

import csv
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from desensitize.tables import open_table
from desensitize.tables.types import TypeInferrer

TOWNS = ["城关镇", "东溪乡", "西坪镇", "南山街道", "北岭村", "青石镇", "白马乡", "龙潭村"]
ITEMS = ["低保补助", "养老保险", "医疗救助", "危房改造", "教育补贴", "就业培训"]


def write_sample(path: Path, rows: int, encoding: str) -> None:
    rng = random.Random(7)
    with path.open("w", encoding=encoding, newline="") as f:
        w = csv.writer(f)
        w.writerow(["序号", "乡镇", "项目", "日期", "金额", "人数", "编号", "登记时间",
                     "备注", "比例"])
        for i in range(rows):
            w.writerow([i + 1, rng.choice(TOWNS), rng.choice(ITEMS),
                        f"2023-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                        f"{rng.randint(0, 99999)}.{rng.randint(0, 99):02d}",
                        rng.randint(1, 500), f"{rng.randint(0, 999999):06d}",
                        f"2023-05-{rng.randint(1, 28):02d} {rng.randint(0, 23):02d}:"
                        f"{rng.randint(0, 59):02d}:00",
                        rng.choice(["", "已核实", "待复核", "已发放到户"]),
                        f"0.{rng.randint(0, 999):03d}"])


def measure(path: Path, infer: bool) -> tuple[float, list[str]]:
    start = time.perf_counter()
    types: list[str] = []
    with open_table(path) as table:
        if infer:
            inferrer = TypeInferrer(len(table.info.columns))
            feed = inferrer.feed
            n = 0
            for n, row in enumerate(table.rows(), start=1):  # noqa: B007
                feed(row)
            types = inferrer.result()
        else:
            n = sum(1 for _ in table.rows())
    return n / (time.perf_counter() - start), types


def baseline(path: Path, encoding: str) -> float:
    start = time.perf_counter()
    with path.open(encoding=encoding, newline="") as f:
        n = sum(1 for _ in csv.reader(f)) - 1
    return n / (time.perf_counter() - start)


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    with tempfile.TemporaryDirectory() as tmp:
        for encoding in ("utf-8", "gbk"):
            path = Path(tmp) / f"sample-{encoding}.csv"
            write_sample(path, rows, encoding)
            size = path.stat().st_size / 1e6
            bare = baseline(path, encoding)
            plain, _ = measure(path, infer=False)
            inferred, types = measure(path, infer=True)
            print(f"{encoding:6} {rows} rows, {size:.0f} MB: bare csv.reader (baseline) "
                  f"{bare:,.0f} rows/s; open_table {plain:,.0f} rows/s "
                  f"({plain / bare:.2f}x); + TypeInferrer {inferred:,.0f} rows/s "
                  f"({inferred / bare:.2f}x); types {types}")


if __name__ == "__main__":
    main()
