"""How well the scanner finds what it must: a generated, labelled corpus (`corpus`) and
presidio-evaluator-style scores (`scoring`), put together by `measure`.

    from desensitize.evaluation import measure
    m = measure(rows=600, lines=400, folder=tmp_path)
    print(m.report())
    assert all(ok for _, _, ok in m.check())

`bench/desensitize_eval.py` runs it at the issue's size (3,000 rows x 18 columns and
1,000 lines) and tests/desensitize/test_evaluation.py holds the targets as a test.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from desensitize import entities as E
from desensitize.evaluation.corpus import (
    HARD_CLASSES,
    SEED,
    Corpus,
    Label,
    generate,
    name_class,
    write_corpus,
)
from desensitize.evaluation.scoring import (
    TARGETS,
    EntityScore,
    Miss,
    Target,
    check,
    format_misses,
    format_scores,
    format_targets,
    misses,
    score_by_class,
    score_by_source,
)
from desensitize.findings import Finding

if TYPE_CHECKING:
    from desensitize.scanner import Scanner

__all__ = ["HARD_CLASSES", "SEED", "TARGETS", "Corpus", "EntityScore", "Label", "Measurement", "Miss", "Target",
           "generate", "measure", "scan_files", "write_corpus"]


@dataclass
class Measurement:
    corpus: Corpus
    files: dict[str, Path]
    findings: list[Finding]  # the table's, then the text's
    seconds: dict[str, float]  # scanning time: "table", "text"
    by_source: dict[str, dict[str, EntityScore]] = field(init=False)
    by_class: dict[str, EntityScore] = field(init=False)  # PERSON, harder names by class

    def __post_init__(self) -> None:
        self.by_source = score_by_source(self.corpus.gold, self.findings, E.ALL)
        self.by_class = score_by_class(self.corpus.labels, self.findings, name_class,
                                       HARD_CLASSES, E.PERSON)

    def check(self, targets: Sequence[Target] = TARGETS) -> list[tuple[Target, float, bool]]:
        return check(self.by_source, targets)

    def misses(self) -> list[Miss]:
        return misses(self.corpus.labels, self.findings)

    def report(self, targets: Sequence[Target] = TARGETS, top_misses: int = 20) -> str:
        c = self.corpus
        parts = [format_scores(self.by_source["table"],
                               f"table ({len(c.rows):,} rows x {len(c.columns)} columns):"),
                 format_scores(self.by_source["text"], f"free text ({len(c.lines):,} lines):"),
                 format_scores(self.by_source["all"], "table + text:"),
                 format_scores(self.by_class, "PERSON by class of harder name (free text; "
                               "precision over the class's lines):"),
                 "targets:\n" + format_targets(self.check(targets))]
        if top_misses:
            parts.append("commonest misses:\n"
                         + (format_misses(self.misses(), c.text_of, top_misses) or "  none"))
        return "\n\n".join(parts)


def scan_files(files: dict[str, Path], scanner: Scanner | None = None, table: str = "csv",
               text: bool = True, progress: Callable[[int], None] | None = None
               ) -> tuple[list[Finding], dict[str, float]]:
    """The scanner's findings in the corpus's table (variant `table`) and, with `text`,
    its text file, and the seconds each took ("table", "text")."""
    from desensitize.scanner import Scanner

    scanner = scanner or Scanner()
    findings: list[Finding] = []
    seconds: dict[str, float] = {}
    for key in (table, "text") if text else (table,):
        t0 = time.perf_counter()
        findings += scanner.scan_path(files[key], progress)
        seconds["text" if key == "text" else "table"] = time.perf_counter() - t0
    return findings, seconds


def measure(rows: int = 3000, lines: int = 1000, seed: int = SEED, *,
            folder: str | Path, scanner: Scanner | None = None,
            variants: Sequence[str] = ("csv",)) -> Measurement:
    """Generate a corpus into `folder`, scan its table (the first of `variants`) and
    text with `scanner` (default: a new Scanner()), and score the findings."""
    corpus = generate(rows, lines, seed)
    files = write_corpus(corpus, folder, variants)
    findings, seconds = scan_files(files, scanner, variants[0])
    return Measurement(corpus, files, findings, seconds)
