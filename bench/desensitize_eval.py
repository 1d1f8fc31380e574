"""Benchmark: how well the desensitization scanner finds personal information.

1. Generates a labelled corpus from a seed (desensitize.evaluation.corpus, Faker
   zh_CN): a table of --rows rows x 18 columns (names, resident IDs agreeing with
   sex and birth date, mobiles as people type them, landlines, e-mails, addresses,
   bank cards, USCCs, plates, passports, IPs; hard negatives: 18-digit order numbers,
   11-digit work orders, dates, amounts; a remarks column with values inside
   sentences; empty cells) and --lines lines of free text from 32 templates plus
   lines holding hard negatives only (organizations, bare place names, dates,
   amounts, order numbers). Every value is labelled at its exact span.
2. Scans table.csv (UTF-8) and text.txt with `Scanner().scan_path`, timed.
3. Scores the findings as presidio-evaluator does, by span overlap per entity
   (desensitize.evaluation.scoring): precision, recall and F2 for the table, the
   text and both, then the issue's targets with PASS/MISS and the commonest misses
   (what a false positive fell on, what a missed value was taken for).
4. --variants gbk,xlsx scans the same table written as GBK CSV and as XLSX and checks
   the findings are the UTF-8 CSV's.
5. The messy corpus (desensitize.evaluation.messy, --size rows a table; 0: skip):
   files as departments upload them (CSV prefaces and footers, mistyped, separated
   and full-width identifiers, an XLSX's hidden sheet and comments, a company
   register and an office list whose columns the law makes public), each run through
   `apply(path, "unconditional-open", out, items=...)`. Printed: the leaks (raw
   personal values found in any released file, verbatim or with separators stripped
   and full-width folded; counted per class, never shown) and the share of
   public-by-law values kept verbatim. Targets: 0 leaks, 100 % kept.
6. --presidio-baseline: Presidio out of the box on the same cells and lines: the
   predefined recognizers AnalyzerEngine() loads for English and spaCy's NER
   recognizer, registered for "zh", with the offline NLP engine (desensitize.nlp,
   which has no NER model), the default score threshold (0), and entity names mapped
   to ours (CREDIT_CARD -> CN_BANK_CARD; PHONE_NUMBER -> CN_MOBILE when its digits
   start with 1 after any +86, else CN_LANDLINE).

Targets (the issue): recall >= 0.99 and precision >= 0.97 for CN_RESIDENT_ID,
CN_USCC, CN_MOBILE, CN_BANK_CARD and EMAIL_ADDRESS (table + text); recall >= 0.90 for
PERSON and LOCATION in free text. Reference size: 3,000 rows and 1,000 lines.

    .venv/bin/python bench/desensitize_eval.py [--rows 3000] [--lines 1000] [--seed N]
        [--keep DIR] [--variants gbk,xlsx] [--presidio-baseline] [--misses 25] [--size 200]
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tqdm import tqdm

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from desensitize import entities as E  # noqa: E402
from desensitize.evaluation import Measurement, scan_files  # noqa: E402
from desensitize.evaluation.corpus import SEED, Corpus, generate, write_corpus  # noqa: E402
from desensitize.evaluation.scoring import (  # noqa: E402
    check,
    format_scores,
    format_targets,
    score_by_source,
)
from desensitize.findings import Finding  # noqa: E402

REFERENCE_ROWS, REFERENCE_LINES = 3000, 1000
MESSY_SIZE = 200


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def code_version() -> str:
    """The commit measured, and whether desensitize/ differs from it (mid-edit trees)."""
    def git(*argv: str) -> str:
        try:
            return subprocess.run(["git", *argv], cwd=ROOT, capture_output=True, text=True,
                                  timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""
    head = git("rev-parse", "--short", "HEAD") or "unknown"
    changed = git("status", "--porcelain", "--", "desensitize")
    return head + (f" + {len(changed.splitlines())} uncommitted file(s) in desensitize/"
                   if changed else "")


def load_average() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


@contextmanager
def progress_bar(label: str, total: int, unit: str) -> Iterator[Callable[[int], None]]:
    bar = tqdm(desc=label, total=total, unit=unit, file=sys.stderr, dynamic_ncols=True,
               mininterval=0.5)
    try:
        yield bar.update
    finally:
        bar.close()


# --- Presidio out of the box -------------------------------------------------------------

def presidio_recognizers() -> list[Any]:
    """Presidio's predefined recognizers as `AnalyzerEngine()` loads them for English (its
    default_recognizers.yaml), plus the spaCy NER recognizer, each registered for "zh":
    patterns do not care about the language, and the English context words never match.
    Classes are taken from Presidio's module by name, not through
    `load_predefined_recognizers`: its lookup walks EntityRecognizer's subclasses, where
    ours once shadowed Presidio's of the same name."""
    import presidio_analyzer
    import yaml
    from presidio_analyzer import predefined_recognizers as predefined

    conf = yaml.safe_load((Path(presidio_analyzer.__file__).parent / "conf"
                           / "default_recognizers.yaml").read_text(encoding="utf-8"))
    out: list[Any] = [predefined.SpacyRecognizer(supported_language=E.LANGUAGE)]
    for entry in conf["recognizers"]:
        languages = [lang if isinstance(lang, str) else lang["language"]
                     for lang in entry.get("supported_languages") or ["en"]]
        if entry.get("type") == "predefined" and entry.get("enabled", True) and "en" in languages:
            cls = getattr(predefined, entry.get("class_name", entry["name"]))
            out.append(cls(supported_language=E.LANGUAGE))
    return out


def presidio_baseline(corpus: Corpus) -> tuple[list[Finding], float, Counter[str]]:
    """Presidio out of the box on every non-empty cell and every line: the findings
    (entities mapped to ours), the seconds taken, and the other entity types it
    reported (not scored)."""
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry

    from desensitize.nlp import make_nlp_engine

    # Offline, tldextract (the e-mail recognizer's) logs a traceback per failed download
    # of the public suffix list before using its bundled snapshot.
    logging.getLogger("tldextract").setLevel(logging.CRITICAL)
    registry = RecognizerRegistry(recognizers=presidio_recognizers(),
                                  supported_languages=[E.LANGUAGE])
    engine = AnalyzerEngine(registry=registry, nlp_engine=make_nlp_engine(),
                            supported_languages=[E.LANGUAGE])
    mapping = {"EMAIL_ADDRESS": E.EMAIL_ADDRESS, "IP_ADDRESS": E.IP_ADDRESS,
               "CREDIT_CARD": E.CN_BANK_CARD, "PERSON": E.PERSON, "LOCATION": E.LOCATION}
    others: Counter[str] = Counter()

    def analyze(text: str, **where: Any) -> list[Finding]:
        out = []
        for r in engine.analyze(text=text, language=E.LANGUAGE):
            entity = mapping.get(r.entity_type)
            if r.entity_type == "PHONE_NUMBER":  # one type for both: split by shape
                digits = re.sub(r"\D", "", text[r.start:r.end]).removeprefix("86")
                entity = E.CN_MOBILE if digits.startswith("1") else E.CN_LANDLINE
            if entity is None:
                others[r.entity_type] += 1
            else:
                out.append(Finding(entity, r.start, r.end, r.score, **where))
        return out

    t0 = time.perf_counter()
    findings: list[Finding] = []
    with progress_bar("presidio baseline, table", len(corpus.rows), "row") as step:
        for index, row in enumerate(corpus.rows):
            for column, cell in zip(corpus.columns, row, strict=True):
                if cell:
                    findings += analyze(cell, row=index, column=column)
            step(1)
    with progress_bar("presidio baseline, text", len(corpus.lines), "line") as step:
        for number, line in enumerate(corpus.lines):
            findings += analyze(line, line=number)
            step(1)
    return findings, time.perf_counter() - t0, others


# --- the messy corpus through the gate ---------------------------------------------------

def messy_release(folder: Path, seed: int, size: int, scanner: Any) -> list[str]:
    """Run the gate for unconditional-open on every file of the messy corpus; print
    and return the leaks (per class) and the public-by-law values kept."""
    from desensitize.apply import apply
    from desensitize.evaluation.messy import generate_messy, items_for, kept_public, leaks

    try:
        from desensitize.declared import DataItem
    except ImportError:
        DataItem = None  # noqa: N806
    if DataItem is not None:
        import inspect

        if "items" not in inspect.signature(apply).parameters:
            DataItem = None  # noqa: N806
    corpus = generate_messy(folder / "in", size, seed)
    released = folder / "released"
    released.mkdir(parents=True, exist_ok=True)
    print(f"\nmessy corpus ({size} rows a table): {len(corpus.files)} files, "
          f"{len(corpus.secrets):,} personal values planted, {len(corpus.public):,} "
          "public by law", flush=True)
    t0 = time.perf_counter()
    decisions: Counter[str] = Counter()
    for name, path in corpus.files.items():
        options: dict[str, Any] = {"scanner": scanner, "secret": "bench-messy-corpus-secret"}
        if DataItem is not None:
            options["items"] = [DataItem(**item) for item in items_for(name)]
        try:
            report = apply(path, "unconditional-open", released / name, **options)
            decision = report.decision
        except Exception as error:  # noqa: BLE001 - the bench reports and goes on
            decision = f"error {type(error).__name__}: {error}"
        decisions[decision.split(":")[0]] += 1
        print(f"  {name:<15} {decision}", flush=True)
    took = time.perf_counter() - t0
    counts = leaks(released, corpus)
    totals = corpus.classes()
    leaked = sum(counts.values())
    print(f"  leaks for unconditional-open: {leaked} of {len(corpus.secrets):,} planted "
          f"values ({took:.1f} s)", flush=True)
    for kind, n in counts.items():
        if n:
            print(f"    {kind:<28} {n:>5} of {totals[kind]:>5} leaked", flush=True)
    lines = [f"messy corpus, unconditional-open: leaks {leaked} of {len(corpus.secrets):,}   "
             f"{verdict(leaked == 0)}"
             + ("" if not leaked else " (" + ", ".join(
                 f"{k} {n}/{totals[k]}" for k, n in counts.items() if n) + ")")
             + "; files: " + ", ".join(f"{k} {n}" for k, n in sorted(decisions.items()))]
    if DataItem is None:
        print("  public-by-law: not measured (apply has no items=)", flush=True)
        lines.append("public-by-law: not measured (apply has no items=)")
    else:
        kept = kept_public(released, corpus)
        k, t = sum(a for a, _ in kept.values()), sum(b for _, b in kept.values())
        detail = ", ".join(f"{kind} {a}/{b}" for kind, (a, b) in kept.items())
        print(f"  public by law kept verbatim: {k}/{t} ({100 * k / t:.1f} %): {detail}",
              flush=True)
        lines.append(f"public by law kept verbatim: {k}/{t} ({100 * k / t:.1f} %)   "
                     f"{verdict(k == t)}")
    return lines


# --- the run -------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=REFERENCE_ROWS, help="table rows")
    parser.add_argument("--lines", type=int, default=REFERENCE_LINES, help="free-text lines")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--keep", type=Path, default=None, metavar="DIR",
                        help="write the corpus (table, text, labels.jsonl) to DIR and keep it")
    parser.add_argument("--variants", default="",
                        help="also scan the table as these (comma-separated: gbk, xlsx)")
    parser.add_argument("--presidio-baseline", action="store_true",
                        help="also score Presidio's predefined recognizers, out of the box")
    parser.add_argument("--misses", type=int, default=25, metavar="N",
                        help="kinds of miss listed (0: none)")
    parser.add_argument("--size", "--messy-size", dest="messy_size", type=int,
                        default=MESSY_SIZE, metavar="N",
                        help="rows a table of the messy corpus (0: skip it)")
    args = parser.parse_args()
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    if unknown := set(variants) - {"gbk", "xlsx"}:
        parser.error(f"unknown variants {sorted(unknown)}: gbk, xlsx")
    command = " ".join([".venv/bin/python bench/desensitize_eval.py",
                        *map(shlex.quote, sys.argv[1:])])
    print(f"$ {command}", flush=True)

    if args.keep:
        work, tmp = args.keep, None
    else:
        tmp = tempfile.TemporaryDirectory(prefix="shuyuan-bench-desensitize-")
        work = Path(tmp.name)
    try:
        summary = run(args, work, variants, command)
    finally:
        if tmp is not None:
            tmp.cleanup()
    print("\n" + "\n".join(summary))


def run(args: argparse.Namespace, work: Path, variants: list[str], command: str) -> list[str]:
    load_before = load_average()
    version = code_version()
    print(f"desensitize at commit {version}; load average (1/5/15 min) {load_before}",
          flush=True)

    t0 = time.perf_counter()
    corpus = generate(args.rows, args.lines, args.seed)
    files = write_corpus(corpus, work, ["csv", *variants])
    made = time.perf_counter() - t0
    gold = corpus.gold
    in_text = sum(g.line is not None for g in gold)
    print(f"corpus: {len(corpus.rows):,} rows x {len(corpus.columns)} columns, "
          f"{len(corpus.lines):,} lines; {len(gold):,} gold spans ({len(gold) - in_text:,} in "
          f"the table, {in_text:,} in the text), {len(corpus.decoys):,} decoys; "
          f"generated and written in {made:.1f} s" + (f" to {work}" if args.keep else ""),
          flush=True)

    from desensitize.scanner import Scanner

    t0 = time.perf_counter()
    scanner = Scanner()
    built = time.perf_counter() - t0
    with progress_bar("scan", len(corpus.rows) + len(corpus.lines), "row") as step:
        findings, seconds = scan_files(files, scanner, "csv", progress=step)
    m = Measurement(corpus, files, findings, seconds)
    rows_s = len(corpus.rows) / seconds["table"] if seconds["table"] else 0.0
    lines_s = len(corpus.lines) / seconds["text"] if seconds["text"] else 0.0
    print(f"scanner built in {built:.1f} s; table scanned in {seconds['table']:.1f} s "
          f"({rows_s:,.0f} rows/s), text in {seconds['text']:.1f} s ({lines_s:,.0f} lines/s); "
          f"{len(findings):,} findings", flush=True)
    print("\n" + m.report(top_misses=args.misses), flush=True)

    variant_lines = []
    for variant in variants:
        table_findings, took = scan_files(files, scanner, variant, text=False)
        same = table_findings == [f for f in findings if f.line is None]
        table_score = score_by_source(gold, table_findings, E.ALL)["table"]
        print("\n" + format_scores(table_score, f"table as {variant} ({took['table']:.1f} s): "
                                   f"findings {'identical to' if same else 'DIFFER from'}"
                                   " the UTF-8 CSV's"), flush=True)
        variant_lines.append(f"table as {variant}: findings "
                             f"{'identical to the UTF-8 CSV' if same else 'DIFFER'}   "
                             f"{verdict(same)}")

    baseline_lines = []
    if args.presidio_baseline:
        base, took, others = presidio_baseline(corpus)
        by = score_by_source(gold, base, E.ALL)
        print("\n" + format_scores(by["all"], f"Presidio out of the box, table + text "
                                   f"({took:.1f} s):"), flush=True)
        print("  other entity types it reported (not scored): "
              + (", ".join(f"{k} {v:,}" for k, v in others.most_common()) or "none"))
        checked = check(by)
        print("  targets:\n" + format_targets(checked), flush=True)
        met = sum(ok for _, _, ok in checked)
        baseline_lines.append(f"Presidio out of the box: {met}/{len(checked)} targets met "
                              f"({took:.1f} s)")

    messy_lines = messy_release(work / "messy", args.seed, args.messy_size, scanner) \
        if args.messy_size > 0 else []

    # -- summary -------------------------------------------------------------------------
    results = m.check()
    at_size = args.rows >= REFERENCE_ROWS and args.lines >= REFERENCE_LINES
    scale = "" if at_size else (f" (targets are for {REFERENCE_ROWS:,} rows and "
                                f"{REFERENCE_LINES:,} lines: indicative only)")
    summary = [
        f"== bench/desensitize_eval.py summary: {len(corpus.rows):,} rows x "
        f"{len(corpus.columns)} columns + {len(corpus.lines):,} lines, seed {args.seed}, "
        f"{os.cpu_count()} cores, load average {load_before} at start, {load_average()} "
        f"at end{scale}",
        f"command: {command}",
        f"desensitize at commit {version}",
        f"scan: table {seconds['table']:.1f} s ({rows_s:,.0f} rows/s), text "
        f"{seconds['text']:.1f} s ({lines_s:,.0f} lines/s)",
    ]
    for entity in (E.CN_RESIDENT_ID, E.CN_USCC, E.CN_MOBILE, E.CN_BANK_CARD, E.EMAIL_ADDRESS,
                   E.PERSON, E.LOCATION):
        mine = [(t, v, ok) for t, v, ok in results if t.entity == entity]
        scope = mine[0][0].scope
        s = m.by_source[scope][entity]
        where = "table + text" if scope == "all" else "free text"
        targets = ", ".join(f"{t.metric[0].upper()} >= {t.minimum:.2f}: {verdict(ok)}"
                            for t, _, ok in mine)
        summary.append(f"{entity:<15} ({where:<12}) P {s.precision:.3f}  R {s.recall:.3f}  "
                       f"F2 {s.f2:.3f}   target {targets}")
    summary.append("PERSON by class (free text): " + "   ".join(
        f"{c} R {s.recall:.3f} ({s.found}/{s.gold}) P {s.precision:.3f}"
        for c, s in m.by_class.items()))
    summary += variant_lines + baseline_lines + messy_lines
    met = sum(ok for _, _, ok in results)
    summary.append(f"targets met: {met}/{len(results)}   {verdict(met == len(results))}")
    return summary


if __name__ == "__main__":
    main()
