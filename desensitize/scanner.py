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

import regex
from presidio_analyzer import EntityRecognizer, Pattern, PatternRecognizer

from desensitize import entities as E
from desensitize.findings import Finding
from desensitize.recognizers.near_miss import near_misses
from desensitize.recognizers.normalise import normalise, span_back
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
# A cell of a names or addresses column that passes the shape test.
WHOLE_CELL_SCORE = 0.85
CACHED_TEXT = 64  # longer cell texts are free text: seldom repeated, not remembered

_CJK = re.compile(r"[\u3400-\u9fff]")
# What an identifier is made of (full-width letters and any Unicode digit included): a
# cell of an identifier column holding one outside its findings is a near miss.
_ALNUM = re.compile(r"[A-Za-z\uff21-\uff3a\uff41-\uff5a]|\d")
# The score of a near miss (desensitize.recognizers.near_miss): never below the threshold.
NEAR_MISS_SCORE = 0.5
_DIGITS = re.compile(r"\d")
CACHED_DIGITS = 5

# Header words -> the entities a column so named is likely to hold. Evidence only:
# cells are still scanned, and the header raises scores of these entities.
HEADER_HINTS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("身份证", "证件号", "公民身份号码", "身份号码"), (E.CN_RESIDENT_ID,)),
    (("信用代码", "社会信用", "uscc"), (E.CN_USCC,)),
    (("手机", "移动电话"), (E.CN_MOBILE,)),
    (("电话", "联系方式", "联系号码", "tel", "phone"), (E.CN_MOBILE, E.CN_LANDLINE)),
    (("固话", "座机", "固定电话", "办公电话"), (E.CN_LANDLINE,)),
    (("银行卡", "卡号", "账号", "帐号", "一卡通", "银行账户", "card"), (E.CN_BANK_CARD,)),
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

    def analyze(self, text: str) -> list[tuple[str, int, int, float]]:
        """(entity, start, end, score) of the recognizer's matches in `text`."""
        if isinstance(self.recognizer, PatternRecognizer):
            return pattern_matches(self.recognizer, text)
        return [(r.entity_type, r.start, r.end, r.score)
                for r in self.recognizer.analyze(text, self.entities, None)]


def pattern_matches(recognizer: PatternRecognizer, text: str
                    ) -> list[tuple[str, int, int, float]]:
    """What PatternRecognizer.analyze() finds, without its per-call bookkeeping (two
    clock reads and an explanation object per pattern, a result object per match):
    the recognizer's own patterns, scores and validate/invalidate hooks, applied as
    Presidio applies them. Half a table scan's time went to that bookkeeping; a test
    holds the two to the same matches."""
    entity = recognizer.supported_entities[0]
    found: list[tuple[str, int, int, float]] = []
    for pattern in recognizer.patterns:
        for match in _compiled(recognizer, pattern).finditer(text):
            start, end = match.span()
            if start == end:
                continue
            score = _score(recognizer, pattern, text[start:end])
            if score > EntityRecognizer.MIN_SCORE:
                found.append((entity, start, end, score))
    return found


def whole_match(recognizer: PatternRecognizer, text: str, start: int, end: int
                ) -> tuple[str, int, int, float] | None:
    """The first of the recognizer's patterns that matches text[start:end] exactly, scored
    as pattern_matches() scores it: a cell of an identifier column is one test."""
    for pattern in recognizer.patterns:
        if _compiled(recognizer, pattern).fullmatch(text, start, end):
            score = _score(recognizer, pattern, text[start:end])
            if score > EntityRecognizer.MIN_SCORE:
                return recognizer.supported_entities[0], start, end, score
    return None


def _compiled(recognizer: PatternRecognizer, pattern: Pattern) -> Any:
    flags = recognizer.global_regex_flags
    if not pattern.compiled_regex or pattern.compiled_with_flags != flags:
        pattern.compiled_with_flags = flags
        pattern.compiled_regex = regex.compile(pattern.regex, flags=flags)
    return pattern.compiled_regex


def _score(recognizer: PatternRecognizer, pattern: Pattern, matched: str) -> float:
    score = pattern.score
    valid = recognizer.validate_result(matched)
    if valid is not None:
        score = EntityRecognizer.MAX_SCORE if valid else EntityRecognizer.MIN_SCORE
    if recognizer.invalidate_result(matched):
        score = EntityRecognizer.MIN_SCORE
    return score


def _trigger(recognizer: EntityRecognizer) -> re.Pattern[str] | None:
    raw = getattr(recognizer, "TRIGGER", None)
    return re.compile(raw) if isinstance(raw, str) else raw


def _covered(text: str, findings: Sequence[Finding]) -> bool:
    """Whether every letter and digit of the text lies inside one of the findings."""
    last = 0
    for f in sorted(findings, key=lambda f: f.start):
        if _ALNUM.search(text, last, max(last, f.start)):
            return False
        last = max(last, f.end)
    return not _ALNUM.search(text, last)


def resolve(findings: list[Finding]) -> list[Finding]:
    """Overlapping findings resolved: the higher score wins, then the longer span; the
    anonymizer replaces whatever a span covers, so spans must not overlap."""
    if len(findings) < 2:
        return findings
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
        self._pattern_runners = [r for r in self._runners if r.trigger is not None]
        self._nlp_runners = [r for r in self._runners if r.trigger is None]
        triggers = [r.trigger.pattern for r in self._pattern_runners]
        self._any_trigger = (re.compile("|".join(f"(?:{t})" for t in triggers))
                             if triggers else None)
        self._by_entity: dict[str, list[_Runner]] = {}
        for runner in self._runners:
            for entity in runner.entities:
                self._by_entity.setdefault(entity, []).append(runner)
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
        # Identifiers, amounts and dates are unique: remembering them would only push out
        # the names, towns and stock remarks that do repeat.
        if len(text) <= CACHED_TEXT and len(_DIGITS.findall(text)) < CACHED_DIGITS:
            if len(self._cache) >= CACHE_SIZE:
                self._cache.clear()
            self._cache[key] = found
        return found

    def _scan_cell(self, text: str, hints: Sequence[str], whole: str | None) -> list[Finding]:
        if whole is not None:
            found = self._whole(text, hints, whole)
            if found is not None:
                return found
        normalised = normalise(text)
        found = self._scan_parts(text, hints, normalised)
        if whole in E.STRUCTURED and not _covered(text, found):
            # Fail closed: a cell of an identifier column that is not (only) identifiers
            # the recognizers accept is a mistyped one, treated whole.
            stripped = text.strip()
            start = text.index(stripped[0])
            return [Finding(whole, start, start + len(stripped), self._near_miss_score,
                            near_miss=True)]
        near = near_misses(text, hints, [(f.start, f.end) for f in found], self.entities,
                           normalised=normalised)
        if near:
            found = sorted(found + [Finding(e, start, end, self._near_miss_score, near_miss=True)
                                    for e, start, end in near], key=lambda f: f.start)
        return found

    @property
    def _near_miss_score(self) -> float:
        return max(self.threshold, NEAR_MISS_SCORE)

    def _scan_parts(self, text: str, hints: Sequence[str],
                    normalised: tuple[str, list[int] | None] | None) -> list[Finding]:
        """What the recognizers find in the text, and in its normalised form (full-width
        forms folded, separators inside grouped numbers dropped) mapped back onto it."""
        runners: list[_Runner] = []
        # One search for all the triggers first: most cells match none of them.
        if self._any_trigger is not None and self._any_trigger.search(text):
            runners += [r for r in self._pattern_runners if r.trigger.search(text)]
        # NLP recognizers: only where ideographs could make a name or an address.
        if self._nlp_runners and len(_CJK.findall(text[:64])) >= 2:
            runners += self._nlp_runners
        results = [self._finding(match, hints) for runner in runners
                   for match in runner.analyze(text)]
        if normalised is not None:
            norm, index = normalised
            if self._any_trigger is not None and self._any_trigger.search(norm):
                for runner in self._pattern_runners:
                    if runner.trigger.search(norm):
                        for entity, start, end, score in runner.analyze(norm):
                            start, end = span_back(index, start, end)
                            results.append(self._finding((entity, start, end, score), hints))
        return resolve([f for f in results if f.score >= self.threshold])

    def _whole(self, text: str, hints: Sequence[str], whole: str) -> list[Finding] | None:
        """A cell of a column that holds `whole` entities: when the cell is one from end to
        end (by the shape test for names and addresses, by the entity's own recognizer
        for identifiers) it is that one finding, and nothing else runs; else None."""
        stripped = text.strip()
        start = text.index(stripped[0])
        end = start + len(stripped)
        shape = self._shapes.get(whole)
        if shape is not None:
            return [Finding(whole, start, end, WHOLE_CELL_SCORE)] if shape(text) else None
        for runner in self._by_entity.get(whole, ()):
            if isinstance(runner.recognizer, PatternRecognizer):
                match = whole_match(runner.recognizer, text, start, end)
            else:
                match = next((m for m in runner.analyze(text)
                              if m[0] == whole and m[1] <= start and m[2] >= end), None)
            if match is not None:
                found = self._finding(match, hints)
                return [found] if found.score >= self.threshold else None
        return None

    @staticmethod
    def _finding(match: tuple[str, int, int, float], hints: Sequence[str]) -> Finding:
        entity, start, end, score = match
        if entity in hints:
            score = max(min(1.0, score + CONTEXT_BOOST), CONTEXT_FLOOR)
        return Finding(entity, start, end, score)

    def scan_text(self, text: str) -> list[Finding]:
        """Findings in free text (a sentence, a line), through Presidio's AnalyzerEngine:
        context words around a match raise its score."""
        from desensitize.registry import analyzer_engine

        if not text.strip():
            return []
        results = analyzer_engine(self.entities).analyze(
            text=text, language=E.LANGUAGE, entities=list(self.entities),
            score_threshold=self.threshold)
        found = resolve([Finding(r.entity_type, r.start, r.end, r.score) for r in results])
        near = near_misses(text, (), [(f.start, f.end) for f in found], self.entities)
        if near:
            found = sorted(found + [Finding(e, start, end, self._near_miss_score, near_miss=True)
                                    for e, start, end in near], key=lambda f: f.start)
        return found

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

    def scan_row(self, cells: Sequence[str | None], profiles: Sequence[ColumnProfile],
                 row: int | None = None) -> list[Finding]:
        """Findings of one row, each with its row and column set."""
        out: list[Finding] = []
        for cell, prof in zip(cells, profiles, strict=False):
            if cell:
                for f in self.scan_cell(cell, hints=prof.header_entities, whole=prof.entity):
                    out.append(Finding(f.entity, f.start, f.end, f.score, row, prof.name, None,
                                       f.near_miss))
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
            yield index, cells, self.scan_row(cells, profiles, index)
            if progress and index % 1000 == 999:
                progress(1000)

    # --- files ----------------------------------------------------------------

    def scan_path(self, path: str | Path, progress: Callable[[int], None] | None = None,
                  workers: int = 1, **open_options: Any) -> Iterator[Finding]:
        """Every finding in a table file (CSV/TSV, XLSX, JSON) or a text file (.txt, one
        finding per span, `line` set), in file order. `workers` > 1 scans a table in
        that many forked processes (desensitize.parallel; the command line's choice)."""
        path = Path(path)
        if is_text_file(path, open_options.get("format")):
            for number, line in enumerate(read_lines(path, open_options.get("encoding"))):
                for f in self.scan_text(line):
                    yield f.at(line=number)
                if progress and number % 100 == 99:
                    progress(100)
            return
        with open_table(path, **open_options) as table:
            if workers > 1:
                from desensitize.parallel import scan_table_parallel

                yield from scan_table_parallel(self, table, workers, progress)
                return
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
