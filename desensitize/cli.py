"""`python -m desensitize scan|apply`: the command-line contract other tools rely on.

    scan PATH      JSON Lines on stdout, one finding per line:
                   {"row", "column", "line", "start", "end", "entity", "score"}
    apply PATH --target CLASS -o OUT [--report REPORT.json]
                   the treated file in the same format and encoding; exit 0 when
                   the policy allows it, 3 when it blocks it (reason on stderr)

A file that cannot be read exits 2 with one line naming the problem. Progress
bars go to stderr for files large enough to wait for.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson

from desensitize.entities import ALL
from desensitize.findings import Finding
from desensitize.tables import TableError

EXIT_OK = 0
EXIT_ERROR = 2
EXIT_BLOCKED = 3
TARGETS = ("unconditional-open", "conditional-open", "conditional-share")
GRADINGS = ("general", "important", "core")
# Below this size a file is done before a bar would be worth drawing.
PROGRESS_BYTES = 2_000_000


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m desensitize",
                                     description="Find and treat personal information in "
                                                 "tables (CSV, XLSX, JSON) and text files.")
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("path", type=Path)
        p.add_argument("--format", help="csv, tsv, xlsx, json or ndjson (default: guessed)")
        p.add_argument("--encoding", help="text encoding (default: detected)")
        p.add_argument("--sheet", help="XLSX sheet name (default: the first)")
        p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")

    scan = sub.add_parser("scan", help="write findings as JSON Lines to stdout")
    common(scan)
    scan.add_argument("--entities", help="comma-separated entity types (default: all)")
    scan.add_argument("--threshold", type=float, help="least score kept (default 0.5)")
    scan.add_argument("--workers", type=int,
                      help="processes scanning a large table (default: 2 on a file over 2 MB "
                           "with two or more cores, else 1)")

    apply = sub.add_parser("apply", help="write the file treated for a target class")
    common(apply)
    apply.add_argument("--target", required=True, choices=TARGETS)
    apply.add_argument("-o", "--output", required=True, type=Path)
    apply.add_argument("--report", type=Path, help="write the JSON report here")
    apply.add_argument("--grading", default="general", choices=GRADINGS,
                       help="the data's grading (core never opens)")
    apply.add_argument("--policy", type=Path, help="policy TOML (default: config/desensitize.toml)")
    return parser


def _open_options(args: argparse.Namespace) -> dict[str, Any]:
    return {k: v for k, v in (("format", args.format), ("encoding", args.encoding),
                              ("sheet", args.sheet)) if v is not None}


@contextmanager
def progress_bar(path: Path, unit: str, enabled: bool) -> Iterator[Callable[[int], None] | None]:
    """A tqdm bar on stderr counting rows (or lines), for a large file; None otherwise."""
    try:
        size = path.stat().st_size
    except OSError:
        size = 0
    if not enabled or size < PROGRESS_BYTES:
        yield None
        return
    from tqdm import tqdm

    with tqdm(desc=path.name, unit=unit, unit_scale=True, file=sys.stderr,
              dynamic_ncols=True) as bar:
        yield bar.update


def _entities(raw: str | None) -> tuple[str, ...]:
    if not raw:
        return ALL
    wanted = tuple(e.strip().upper() for e in raw.split(",") if e.strip())
    unknown = [e for e in wanted if e not in ALL]
    if unknown:
        raise ValueError(f"unknown entity type(s): {', '.join(unknown)} "
                         f"(known: {', '.join(ALL)})")
    return wanted


def _default_workers(path: Path) -> int:
    """Two processes for a file large enough to repay the fork, on a machine with two
    cores or more (more would each hold their own copy of what they touch)."""
    try:
        large = path.stat().st_size >= PROGRESS_BYTES
    except OSError:
        return 1
    return min(2, os.cpu_count() or 1) if large and sys.platform != "win32" else 1


def scan(args: argparse.Namespace) -> int:
    from desensitize.parallel import scan_table_parallel
    from desensitize.scanner import DEFAULT_THRESHOLD, Scanner, is_text_file
    from desensitize.tables import open_table

    scanner = Scanner(_entities(args.entities),
                      threshold=DEFAULT_THRESHOLD if args.threshold is None else args.threshold)
    out = sys.stdout.buffer
    workers = args.workers if args.workers is not None else _default_workers(args.path)
    if workers < 1:
        raise ValueError("--workers must be at least 1")
    options = _open_options(args)
    with progress_bar(args.path, " rows", not args.no_progress) as progress:
        if workers > 1 and not is_text_file(args.path, args.format):
            with open_table(args.path, **options) as table:
                for chunk in scan_table_parallel(scanner, table, workers, progress,
                                                 encode=json_lines):
                    out.write(chunk)
        else:
            pending: list[Finding] = []
            for finding in scanner.scan_path(args.path, progress, **options):
                pending.append(finding)
                if len(pending) >= 1000:  # one write per thousand lines
                    out.write(json_lines(pending))
                    pending.clear()
            out.write(json_lines(pending))
    out.flush()
    return EXIT_OK


def json_lines(findings: list[Finding]) -> bytes:
    """The scan command's output for these findings, one JSON object per line."""
    return b"".join(orjson.dumps(f.to_json()) + b"\n" for f in findings)


def apply(args: argparse.Namespace) -> int:
    from desensitize.apply import apply as apply_policy
    from desensitize.policy import load_policy

    policy = load_policy(args.policy) if args.policy else None
    with progress_bar(args.path, " rows", not args.no_progress) as progress:
        report = apply_policy(args.path, args.target, args.output, grading=args.grading,
                              policy=policy, progress=progress, **_open_options(args))
    if args.report:
        args.report.write_text(json.dumps(report.to_json(), ensure_ascii=False, indent=2) + "\n",
                               encoding="utf-8")
    if report.blocked:
        for reason in report.reasons:
            print(f"blocked: {reason}", file=sys.stderr)
        return EXIT_BLOCKED
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "scan":
            return scan(args)
        return apply(args)
    except BrokenPipeError:  # `scan big.csv | head`: the reader has gone, so stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except (TableError, ValueError, OSError) as error:
        message = error.strerror if isinstance(error, OSError) and error.strerror else error
        print(f"{args.path}: {message}", file=sys.stderr)
        return EXIT_ERROR
