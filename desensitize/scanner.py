"""Find personal information in tables and text, at exact spans.

Presidio's AnalyzerEngine.analyze() costs about half a millisecond per call
whatever the text, which is what a table of millions of cells cannot pay. A
table is therefore scanned the way a person would read it:

- the header is evidence (a column named 身份证号 raises the score of a
  resident-ID match in it, as a context word would in a sentence);
- columns are classified from a sample of rows: a column whose cells are,
  whole, names or addresses is checked cell by cell by a cheap shape test
  instead of the NLP recognizers, falling back to them for a cell that fails it;
- every cell is still scanned: a recognizer runs only on cells its trigger (a
  cheap regex: six digits in a row, an @...) finds something in, so one phone
  number in a remarks column is found at its exact span without condemning
  the column;
- the findings of a cell text are remembered (bounded), so categorical columns
  (性别, 乡镇) cost a dictionary lookup per row.

The recognizers are Presidio's (our Chinese ones, `desensitize.registry`),
called directly. Free text (.txt files) goes through the AnalyzerEngine with
the offline NLP engine, where context words in the sentence raise scores.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from presidio_analyzer import EntityRecognizer, RecognizerResult

from desensitize import entities as E
from desensitize.findings import Finding
from desensitize.tables import Table, open_table

# Findings scoring below this (after context) are dropped.
DEFAULT_THRESHOLD = 0.5
# What a context word adds to a score, and the least score it lifts a match to
# (Presidio's LemmaContextAwareEnhancer defaults, so text and tables agree).
CONTEXT_BOOST = 0.35
CONTEXT_FLOOR = 0.4
SAMPLE_ROWS = 200
# A column holds an entity "as a whole" when at least this share of its sampled,
# non-empty cells are that entity from end to end (less when the header says so).
WHOLE_COLUMN_SHARE = 0.6
WHOLE_COLUMN_SHARE_WITH_HEADER = 0.3
CACHE_SIZE = 200_000
CACHED_TEXT = 64  # longer cell texts are free text: seldom repeated, not remembered

_CJK = re.compile(r"[\u3400-\u9fff]")

# Header words -> the entities a column so named is likely to hold. Evidence only:
# cells are still scanned, and the header raises scores of these entities.
HEADER_HINTS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("身份证", "证件号", "公民身份号码", "身份号码"), (E.CN_RESIDENT_ID,)),
    (("信用代码", "社会信用", "uscc"), (E.CN_USCC,)),
    (("手机", "移动电话"), (E.CN_MOBILE,)),
    (("电话", "联系方式", "联系号码", "tel", "phone"), (E.CN_MOBILE, E.CN_LANDLINE)),
    (("固话", "座机", "固定电话", "办公电话"), (E.CN_LANDLINE,)),
    (("银行卡", "卡号", "账号", "帐号", "一卡通", "银行账户"), (E.CN_BANK_CARD,)),
    (("护照",), (E.CN_PASSPORT,)),
    (("通行证", "回乡证"), (E.CN_HK_MACAU_PERMIT,)),
    (("车牌", "号牌", "车辆号码"), (E.CN_LICENSE_PLATE,)),
    (("邮箱", "电子邮件", "email", "e-mail", "mail"), (E.EMAIL_ADDRESS,)),
    (("ip",), (E.IP_ADDRESS,)),
    (("姓名", "名字", "户主", "联系人", "申请人", "法定代表人", "法人代表", "负责人",
      "经办人", "监护人", "患者", "name"), (E.PERSON,)),
    (("住址", "地址", "居住地", "户籍地", "家庭住址", "通讯地址", "address"), (E.LOCATION,)),
)


def header_entities(header: str) -> tuple[str, ...]:
    """The entities a column header hints at, most specific first."""
    name = header.strip().lower()
    found: dict[str, None] = {}
    for words, hinted in HEADER_HINTS:
        if any(w in name for w in words):
            found.update(dict.fromkeys(hinted))
    return tuple(found)


@dataclass(frozen=True)
class ColumnProfile:
    """What a column holds, from its header and a sample of its cells."""

    name: str
    header_entities: tuple[str, ...]  # what the header says
    entity: str | None  # the entity its cells are, whole, or None
    sampled: int  # non-empty cells sampled
    hits: dict[str, int] = field(default_factory=dict)  # entity -> sampled cells holding it

    def to_json(self) -> dict[str, Any]:
        return {"column": self.name, "header_entities": list(self.header_entities),
                "entity": self.entity, "sampled": self.sampled, "hits": dict(self.hits)}


@dataclass
class _Runner:
    recognizer: EntityRecognizer
    entities: list[str]
    trigger: re.Pattern[str] | None  # None: runs on every cell with two ideographs


def _trigger(recognizer: EntityRecognizer) -> re.Pattern[str] | None:
    raw = getattr(recognizer, "TRIGGER", None)
    return re.compile(raw) if isinstance(raw, str) else raw


def resolve(findings: list[Finding]) -> list[Finding]:
    """Overlapping findings resolved: the higher score wins, then the longer span; the
    anonymizer replaces whatever a span covers, so spans must not overlap."""
    ordered = sorted(findings, key=lambda f: (-f.score, -(f.end - f.start), f.start))
    kept: list[Finding] = []
    for f in ordered:
        if all(f.end <= k.start or f.start >= k.end for k in kept):
            kept.append(f)
    return sorted(kept, key=lambda f: f.start)


class Scanner:
    """Finds the entities of `entities` in cells, rows, tables and text files."""

    def __init__(self, entities: Iterable[str] = E.ALL, *,
                 threshold: float = DEFAULT_THRESHOLD, sample_rows: int = SAMPLE_ROWS) -> None:
        from desensitize.registry import recognizers

        self.entities = tuple(entities)
        self.threshold = threshold
        self.sample_rows = sample_rows
        self._runners = [_Runner(r, [e for e in r.supported_entities if e in self.entities],
                                 _trigger(r)) for r in recognizers(self.entities)]
        self._shapes = self._shape_tests()
        self._cache: dict[tuple[str, str | None, tuple[str, ...]], list[Finding]] = {}

    @staticmethod
    def _shape_tests() -> dict[str, Callable[[str], bool]]:
        from desensitize.recognizers.location import looks_like_address
        from desensitize.recognizers.person import looks_like_name

        return {E.PERSON: looks_like_name, E.LOCATION: looks_like_address}

    # --- one piece of text ----------------------------------------------------

    def scan_cell(self, text: str, *, hints: Sequence[str] = (),
                  whole: str | None = None) -> list[Finding]:
        """Findings in one cell: `hints` are the entities its header names (context),
        `whole` the entity its column holds whole (a cell passing that entity's shape
        test is one finding from end to end)."""
        if not text or text.isspace():
            return []
        key = (text, whole, tuple(hints))
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        found = self._scan_cell(text, hints, whole)
        if len(text) <= CACHED_TEXT:
            if len(self._cache) >= CACHE_SIZE:
                self._cache.clear()
            self._cache[key] = found
        return found

    def _scan_cell(self, text: str, hints: Sequence[str], whole: str | None) -> list[Finding]:
        results: list[Finding] = []
        shaped = False
        if whole in self._shapes and self._shapes[whole](text):
            stripped = text.strip()
            start = text.index(stripped[0])
            results.append(Finding(whole, start, start + len(stripped), 0.85))
            shaped = True
        has_han = len(_CJK.findall(text[:64])) >= 2
        for runner in self._runners:
            if runner.trigger is None:
                # NLP recognizers: only where ideographs could make a name or an address,
                # and not again for the entity the shape test already found.
                if not has_han or (shaped and whole in runner.entities):
                    continue
            elif not runner.trigger.search(text):
                continue
            for r in runner.recognizer.analyze(text, runner.entities, None):
                results.append(self._finding(r, hints))
        return resolve([f for f in results if f.score >= self.threshold])

    @staticmethod
    def _finding(result: RecognizerResult, hints: Sequence[str]) -> Finding:
        score = result.score
        if result.entity_type in hints:
            score = max(min(1.0, score + CONTEXT_BOOST), CONTEXT_FLOOR)
        return Finding(result.entity_type, result.start, result.end, score)

    def scan_text(self, text: str) -> list[Finding]:
        """Findings in free text (a sentence, a line), through Presidio's AnalyzerEngine:
        context words around a match raise its score."""
        from desensitize.registry import analyzer_engine

        if not text.strip():
            return []
        results = analyzer_engine(self.entities).analyze(
            text=text, language=E.LANGUAGE, entities=list(self.entities),
            score_threshold=self.threshold)
        return resolve([Finding(r.entity_type, r.start, r.end, r.score) for r in results])

    # --- tables ---------------------------------------------------------------

    def profile(self, columns: Sequence[str],
                sample: Sequence[Sequence[str | None]]) -> list[ColumnProfile]:
        """Classify columns from their header and sampled rows."""
        profiles = []
        for index, name in enumerate(columns):
            hints = header_entities(name)
            cells = [row[index] for row in sample
                     if index < len(row) and row[index] and not str(row[index]).isspace()]
            hits: dict[str, int] = {}
            whole: dict[str, int] = {}
            for cell in cells:
                found = self.scan_cell(cell, hints=hints)
                for entity in {f.entity for f in found}:
                    hits[entity] = hits.get(entity, 0) + 1
                length = len(cell.strip())
                for f in found:
                    if (f.end - f.start) >= 0.8 * length:
                        whole[f.entity] = whole.get(f.entity, 0) + 1
            entity = None
            if cells:
                best = max(whole, key=lambda e: whole[e], default=None)
                if best is not None:
                    share = whole[best] / len(cells)
                    needed = (WHOLE_COLUMN_SHARE_WITH_HEADER if best in hints
                              else WHOLE_COLUMN_SHARE)
                    entity = best if share >= needed else None
            profiles.append(ColumnProfile(name, hints, entity, len(cells), hits))
        return profiles

    def scan_row(self, cells: Sequence[str | None],
                 profiles: Sequence[ColumnProfile]) -> list[Finding]:
        """Findings of one row, each with its column set (the row is the caller's)."""
        out: list[Finding] = []
        for cell, prof in zip(cells, profiles, strict=False):
            if cell:
                for f in self.scan_cell(cell, hints=prof.header_entities, whole=prof.entity):
                    out.append(f.at(column=prof.name))
        return out

    def scan_table(self, table: Table, progress: Callable[[int], None] | None = None
                   ) -> Iterator[tuple[int, list[str | None], list[Finding]]]:
        """(row index, cells, findings with row and column set) for every row; the
        first `sample_rows` rows classify the columns before any is reported."""
        columns = table.info.columns
        rows = table.rows()
        sample: list[list[str | None]] = []
        for row in rows:
            sample.append(row)
            if len(sample) >= self.sample_rows:
                break
        profiles = self.profile(columns, sample)
        self.last_profiles = profiles

        def all_rows() -> Iterator[list[str | None]]:
            yield from sample
            yield from rows

        for index, cells in enumerate(all_rows()):
            findings = [f.at(row=index, column=f.column) for f in self.scan_row(cells, profiles)]
            yield index, cells, findings
            if progress and index % 1000 == 999:
                progress(1000)

    # --- files ----------------------------------------------------------------

    def scan_path(self, path: str | Path, progress: Callable[[int], None] | None = None,
                  **open_options: Any) -> Iterator[Finding]:
        """Every finding in a table file (CSV/TSV, XLSX, JSON) or a text file (.txt, one
        finding per span, `line` set), in file order."""
        path = Path(path)
        if is_text_file(path, open_options.get("format")):
            for number, line in enumerate(read_lines(path, open_options.get("encoding"))):
                for f in self.scan_text(line):
                    yield f.at(line=number)
                if progress and number % 100 == 99:
                    progress(100)
            return
        with open_table(path, **open_options) as table:
            for _, _, findings in self.scan_table(table, progress):
                yield from findings


TEXT_EXTENSIONS = (".txt", ".text", ".log", ".md")


def is_text_file(path: Path, format: str | None = None) -> bool:
    """A .txt file is free text, one finding per line span (the CLI's contract), unless
    a table format is named."""
    return format is None and path.suffix.lower() in TEXT_EXTENSIONS


def read_lines(path: Path, encoding: str | None = None) -> Iterator[str]:
    """The lines of a text file without their line ends, decoded in the encoding the
    table reader detects (UTF-8, GBK, UTF-16...), streamed."""
    from desensitize.tables.encoding import detect_encoding, read_head

    enc = encoding or detect_encoding(path, read_head(path))
    with path.open("r", encoding=enc, newline="") as f:
        for raw in f:
            yield raw.rstrip("\r\n")
