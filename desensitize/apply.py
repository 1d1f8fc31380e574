"""apply: treat a file for a target class and decide whether it may go there.

    report = apply("低保.csv", "unconditional-open", "out/低保.csv", grading="general")
    report.decision        # allowed / allowed_after_treatment / blocked
    report.to_json()

A table is read twice and its output once:

1. scan: the scanner profiles the columns and finds entities in every cell;
   cells are treated as they come (the policy's rule per entity type), columns
   the policy drops are emptied, quasi-identifier columns are put on their
   starting rungs and counted; the treated rows go to an anonymous spool file
   (so the costly scan is not repeated for the second pass);
2. k-anonymity is planned from the counts; the spool is read back, each row
   generalised or suppressed as planned, and written in the input's format and
   encoding to a temporary file beside the output;
3. that file is scanned again: for an open class, a structured identifier left
   in it blocks the file. Only then is it renamed to the output.

A blocked file leaves no output (a pre-existing file at the output path is not
touched). The output is always written by the gate from what was read, never
copied from the upload: a file with nothing to treat is rewritten too (and
decided "allowed"). What a table reader skips is scanned and never released:
lines above a CSV's header and an XLSX sheet's title rows (`table.preface`),
cells past the header's width (`table.overflow`), an XLSX's other sheets
(a finding in one blocks the file, naming the sheet: only the sheet read is
released), its comments, document properties, defined names and the like
(`xlsx_zip.workbook_extras`), a JSON item that is not an object (`table.skipped`);
`report.left_out` says what was not carried over. Header names (JSON keys too)
are released, so they are scanned (`_headers`): for an open class an identifier
or a name in one blocks the file, else they are treated like cells (a kept one
is released as column_N). Objects and arrays in JSON cells are walked, keys and
values treated (`_nested`). A CSV ending inside a quoted cell is blocked.
Report samples are the treated values as written (a kept or dropped value
shows its default mask). Data
graded core is blocked before anything is read. Text files (.txt, .log, .md)
are treated line by line through the scanner's free-text path; k-anonymity does
not apply to them.
"""

from __future__ import annotations

import json
import marshal
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from time import perf_counter
from typing import IO, TYPE_CHECKING, Any

from desensitize.declared import DECLARED_PERSONAL, DataItem, Declarations, keepable
from desensitize.entities import PERSON, STRUCTURED
from desensitize.findings import Finding
from desensitize.kanon import KAnonymizer, role_columns
from desensitize.policy import Policy, TargetPolicy, load_policy
from desensitize.report import ALLOWED, ALLOWED_AFTER_TREATMENT, ColumnReport, Report
from desensitize.tables import Limits, open_table
from desensitize.tables.common import unique_columns
from desensitize.treatments import TEXT_TREATMENTS, Treater
from desensitize.writers import (
    OutputSpec,
    PendingFile,
    ValueKinds,
    byte_order,
    fit_encoding,
    write_lines,
    write_rows,
)

if TYPE_CHECKING:
    from desensitize.scanner import Scanner

Progress = Callable[[int], None]
PROGRESS_STEP = 1000
SPOOL_BATCH = 1000  # rows per marshal record: one record per row costs a read call each
MAX_REPORTED_ISSUES = 20
TEXT_COLUMN = "(text)"
PREFACE_COLUMN = "(above the header)"
OVERFLOW_COLUMN = "(past the header)"
HEADER_COLUMN = "(header)"  # findings in the column names themselves
SKIPPED_COLUMN = "(not an object)"  # JSON items the reader made no row of
# A JSON value nested deeper than this inside a cell is not walked: the file is blocked.
MAX_NESTING = 100
TRUNCATED = ("the file ends inside a quoted cell: it may be truncated; fix the file and "
             "upload it again")
_NOT_JSON = object()
_TOO_DEEP = object()
# Reader issues quote the cells they dropped (a ragged row's extra cells): raw values,
# which a report never holds.
_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")
_ELIDED = "'…'"
PUBLISHED_AS_DECLARED = "public_by_law"  # a finding's treatment when the catalog says so


def apply(path: str | Path, target: str, out: str | Path, *, grading: str = "general",
          policy: Policy | None = None, secret: str | bytes | None = None,
          scanner: Scanner | None = None, progress: Progress | None = None,
          format: str | None = None, encoding: str | None = None,
          sheet: str | int | None = None, items: Iterable[DataItem] | None = None) -> Report:
    """Treat `path` for `target` and write it to `out` unless the policy blocks it.

    `secret` keys pseudonyms (else the environment variable the policy names);
    `progress(n)` is called as rows are scanned, the input's and then the output's;
    `format`, `encoding`, `sheet` are passed to the table reader; `items` are the
    catalog's data items (desensitize.declared) the columns are read against. Raises ValueError
    (TableError, PolicyError, MissingSecret) for what cannot be done at all; a
    policy refusal is not an error but a report whose decision is "blocked".
    """
    started = perf_counter()
    path, out = Path(path), Path(out)
    policy = policy or load_policy()
    rules = policy.target(target)
    report = Report(file=str(path), target=target, grading=grading,
                    policy={**policy.to_json(), **rules.to_json()})
    reason = rules.grading_block(grading)
    if reason:
        report.block(reason)
        report.timings["total"] = perf_counter() - started
        return report
    if out.resolve() == path.resolve():
        raise ValueError(f"{out}: the output would overwrite the input")
    treater = Treater(rules.rules, policy.secret(secret), policy.secret_env)
    if scanner is None:
        from desensitize.scanner import Scanner

        scanner = Scanner()
    from desensitize.scanner import is_text_file

    run = _TextRun if is_text_file(path, format) else _TableRun
    runner = run(path, out, rules, policy, treater, scanner, report, progress)
    runner.declared = Declarations(items or ())
    runner.run(format=format, encoding=encoding, sheet=sheet)
    report.timings["total"] = perf_counter() - started
    return report


class _Counter:
    """Calls progress(n) every PROGRESS_STEP rows and once for the rest."""

    def __init__(self, progress: Progress | None) -> None:
        self.progress = progress
        self.pending = 0

    def tick(self) -> None:
        if self.progress is not None:
            self.pending += 1
            if self.pending >= PROGRESS_STEP:
                self.flush()

    def flush(self) -> None:
        if self.progress is not None and self.pending:
            self.progress(self.pending)
            self.pending = 0


class _Run:
    declared = Declarations()  # the catalog's data items, set by apply()
    def __init__(self, path: Path, out: Path, rules: TargetPolicy, policy: Policy,
                 treater: Treater, scanner: Scanner, report: Report,
                 progress: Progress | None) -> None:
        self.path, self.out = path, out
        self.rules, self.policy = rules, policy
        self.treater, self.scanner, self.report = treater, scanner, report
        self.counter = _Counter(progress)
        self.changed = False
        self._blocked_seen: set[str] = set()

    def run(self, **open_options: Any) -> None:
        raise NotImplementedError

    def _timed(self, phase: str, since: float) -> float:
        now = perf_counter()
        self.report.timings[phase] = self.report.timings.get(phase, 0.0) + now - since
        return now

    def count(self, column: ColumnReport, text: str, findings: Sequence[Finding],
              dropped: bool = False) -> None:
        """Report the findings of one cell or line; block on a forbidden entity."""
        for f in findings:
            treatment = "drop" if dropped else self.rules.rule(f.entity).treatment
            value = text[f.start:f.end]
            column.count(f, value, treatment, self.shown(f, value, treatment))
            if treatment == "block" and f.entity not in self._blocked_seen:
                self._blocked_seen.add(f.entity)
                self.report.block(f"{f.entity} found (column {column.name}): the policy for "
                                  f"{self.rules.name} refuses files holding it")

    def shown(self, f: Finding, value: str, treatment: str) -> str | None:
        """The value as the output holds it (the same treatment, the same encoding fit),
        for the report's samples; None when it is kept or dropped (the report masks it)."""
        if treatment not in TEXT_TREATMENTS or f.entity not in self.treater.rules:
            return None
        out = self.treater.treat(value, [Finding(f.entity, 0, len(value), f.score)])
        return fit_encoding(out, self.report.encoding)

    def scan_dropped(self, column: str, texts: Iterable[str], cells: bool = False) -> int:
        """Scan text that is not released; its findings count as dropped. The number
        of findings."""
        col, n = self.report.column(column), 0
        for text in texts:
            found = self.scanner.scan_cell(text) if cells else self.scanner.scan_text(text)
            if found:
                self.count(col, text, found, dropped=True)
                n += len(found)
        if n:
            self.changed = True  # something personal is left out: a treatment
        return n

    def treat(self, text: str, findings: Sequence[Finding], encoding: str | None) -> str:
        treated = self.treater.treat(text, findings)
        if treated != text:
            self.changed = True
            return fit_encoding(treated, encoding)
        return text

    def residual(self, column: str, findings: Sequence[Finding]) -> None:
        col = self.report.column(column)
        kept = self.declared.kept_as_declared(column)
        for f in findings:
            if kept and f.entity in col.entities and col.entities[f.entity].treatment == \
                    PUBLISHED_AS_DECLARED:
                continue  # published as the catalog declares (public by law)
            col.residual[f.entity] = col.residual.get(f.entity, 0) + 1

    def decide(self) -> bool:
        """Block on residual findings the target forbids; True when the output may go."""
        if self.report.blocked:
            return False
        blocking = self.rules.residual_blocking
        for col in self.report.columns:
            for entity, n in sorted(col.residual.items()):
                if entity in blocking:
                    self.report.block(f"{n} {entity} left in {col.name} after treatment: "
                                      f"{self.rules.name} allows none")
        if self.report.blocked:
            return False
        self.report.decision = ALLOWED_AFTER_TREATMENT if self.changed else ALLOWED
        return True

    def kept_as_residual(self) -> None:
        """Nothing changed: what was found and kept is what remains."""
        for col in self.report.columns:
            col.residual = {e: c.count for e, c in col.entities.items()
                            if c.treatment == "keep"}

    def finish_unchanged(self, pending: PendingFile) -> None:
        """Nothing was treated: the rewritten file goes as it is (never the input's bytes)."""
        self.kept_as_residual()
        if self.decide():
            pending.commit()
            self.report.output = str(self.out)


class _TableRun(_Run):
    # Set by _setup() once the scanner has profiled the columns.
    column_reports: list[ColumnReport]
    dropped: set[int]
    kanon: KAnonymizer
    role_indices: list[int]

    def run(self, **open_options: Any) -> None:
        report = self.report
        t = perf_counter()
        with open_table(self.path, **open_options) as table, \
                tempfile.TemporaryFile(dir=self.out.parent) as spool:
            info = table.info
            report.format, report.encoding = info.format, info.encoding
            report.delimiter, report.sheet = info.delimiter, info.sheet
            info = table.info = self._headers(info)
            overflow: list[int] = [0, 0]  # rows, cells
            if hasattr(table, "overflow"):
                table.overflow = lambda row, cells: self._overflow(overflow, cells)
            skipped: list[int] = [0, 0]  # items, findings
            if hasattr(table, "skipped"):
                table.skipped = lambda row, texts: self._skipped(skipped, texts)
            kinds = self._scan(table, spool)
            if getattr(table, "ends_in_quote", False):
                report.block(TRUNCATED)
            report.issues = [f"row {i.row + 1}: {_QUOTED.sub(_ELIDED, i.message)}"
                             for i in table.issues[:MAX_REPORTED_ISSUES]]
            self._left_out(table, overflow)
            if skipped[0]:
                report.left_out.append(f"{skipped[0]} JSON items that are not objects: not "
                                       f"released{_found(skipped[1])}")
            t = self._timed("scan", t)
            if self.kanon.enabled:
                result = report.kanon = self.kanon.plan()
                if result.generalised or result.rows_suppressed:
                    self.changed = True
                for role, level in result.levels.items():
                    for name in result.quasi_identifiers[role]:
                        if level != "exact":
                            report.column(name).treatment = f"generalise: {level}"
            t = self._timed("kanon", t)
            if report.blocked:
                return
            # Written from the rows read even when nothing changed: never the input's bytes.
            keep = [i for i in range(len(info.columns)) if i not in self.dropped]
            spec = OutputSpec.like(info, source=self.path,
                                   columns=[info.columns[i] for i in keep],
                                   kinds=[kinds[i] for i in keep])
            with PendingFile(self.out, info.format) as pending:
                spool.seek(0)
                write_rows(pending.path, spec, self._final_rows(spool, keep))
                t = self._timed("write", t)
                if self.changed:
                    self._rescan(pending.path, info.format, info.encoding, info.sheet)
                    self._timed("rescan", t)
                else:
                    # Every cell written as read (formula cells made inert): what the scan
                    # found and kept is what remains; a second scan would find the same.
                    self.kept_as_residual()
                if self.decide():
                    pending.commit()
                    report.output = str(self.out)

    def _overflow(self, counts: list[int], cells: list[str]) -> None:
        counts[0] += 1
        counts[1] += len(cells)
        self.scan_dropped(OVERFLOW_COLUMN, cells)

    def _skipped(self, counts: list[int], texts: list[str]) -> None:
        counts[0] += 1
        counts[1] += self.scan_dropped(SKIPPED_COLUMN, texts)

    def _headers(self, info: Any) -> Any:
        """Scan the column names (free text: a header is released as it is). For an open
        class a structured identifier or a name in one blocks the file; any other finding
        is treated as a cell's would be, and a name the treatment leaves as it was is
        released as column_N. The report never names such a column by its raw header."""
        names = list(info.columns)
        renamed = False
        for i, name in enumerate(info.columns):
            found = self.scanner.scan_text(name)
            if not found:
                continue
            position, renamed = i + 1, True
            col = self.report.column(HEADER_COLUMN)
            entities = ", ".join(sorted({f.entity for f in found}))
            if self.rules.open and any(f.entity in STRUCTURED or f.entity == PERSON
                                       for f in found):
                for f in found:
                    col.count(f, name[f.start:f.end], "block")
                self.report.block(
                    f"the header of column {position} holds {entities}: column names are "
                    "released as they are, so none may hold personal data (is the first row "
                    "a data row?); rename the column or add a header row, and upload the "
                    "file again")
                names[i] = f"column_{position}"
                continue
            self.count(col, name, found)
            treated = self.treat(name, found, info.encoding).strip()
            names[i] = treated if treated and treated != name else f"column_{position}"
            self.changed = True
            self.report.left_out.append(f"the name of column {position} held {entities}: "
                                        "released treated")
        if not renamed:
            return info
        return replace(info, columns=unique_columns(names, Limits(max_header_chars=10_000),
                                                    self.path.name))

    def _left_out(self, table: Any, overflow: list[int]) -> None:
        """Scan and report what the reader read and the release leaves out."""
        report = self.report
        preface = list(getattr(table, "preface", ()))
        if preface:
            n = self.scan_dropped(PREFACE_COLUMN, preface)
            report.left_out.append(f"{len(preface)} lines above the header (title, preface or "
                                   f"comment lines): not released{_found(n)}")
        if overflow[0]:
            found = sum(c.count for c in report.column(OVERFLOW_COLUMN).entities.values())
            report.left_out.append(f"{overflow[1]} cells past the header's width in "
                                   f"{overflow[0]} rows: not released{_found(found)}")
        if table.info.format == "xlsx":
            self._other_parts(table)

    def _other_parts(self, table: Any) -> None:
        """An XLSX's other sheets and its parts other than cells (see the docstring)."""
        from desensitize.tables.xlsx_zip import workbook_extras

        report = self.report
        for name, state, texts in table.other_sheets():
            column = f"(sheet {name})"
            cells = list(texts)
            n = self.scan_dropped(column, cells, cells=True)
            kind = "" if state == "visible" else f" ({state})"
            if n:
                entities = ", ".join(sorted(report.column(column).entities))
                report.block(f"the sheet {name!r}{kind} holds {entities}: only the sheet "
                             f"{table.info.sheet!r} is released and treated; remove the "
                             "sheet or publish it as a file of its own")
            elif cells:
                report.left_out.append(f"the sheet {name!r}{kind}: {len(cells)} cells, "
                                       "not released (only the sheet read is)")
        for kind, texts in workbook_extras(self.path).items():
            n = self.scan_dropped(f"({kind})", texts)
            report.left_out.append(f"{kind}: not carried over (a release holds cell values "
                                   f"only){_found(n)}")

    def _scan(self, table: Any, spool: IO[bytes]) -> list[str]:
        report, scanner = self.report, self.scanner
        columns = table.info.columns
        index = {name: i for i, name in enumerate(columns)}
        kinds = ValueKinds(len(columns))
        encoding = table.info.encoding
        json_table = table.info.format in ("json", "ndjson")
        nested_cells, filled = [0] * len(columns), [0] * len(columns)
        started = False
        batch: list[list[str | None]] = []
        for number, cells, findings in scanner.scan_table(table):
            if not started:
                self._setup(columns, scanner.last_profiles)
                started = True
            kinds.feed(cells)
            row = list(cells)
            by_column: dict[int, list[Finding]] = {}
            nested: dict[int, str | None] = {}
            if json_table:  # objects and arrays in cells: walked, keys and values treated
                for i, cell in enumerate(cells):
                    if cell:
                        filled[i] += 1
                        if cell[0] in "[{" and i not in self.dropped:
                            out = self._nested(number, i, cell, encoding)
                            if out is not _NOT_JSON:
                                nested[i] = out  # type: ignore[assignment]
                                nested_cells[i] += 1
            if findings:
                for f in findings:
                    if index[f.column] not in nested:  # type: ignore[index]
                        by_column.setdefault(index[f.column], []).append(f)  # type: ignore[index]
                for i, found in by_column.items():
                    text = cells[i] or ""
                    dropped = i in self.dropped
                    if i in self.kept_columns and not dropped:
                        found = self._keep_declared(i, text, found)
                    self.count(self.column_reports[i], text, found, dropped)
                    if not dropped:
                        row[i] = self.treat(text, found, encoding) or None
            for i, value in nested.items():
                row[i] = value
            for i in self.personal_columns:  # declared personal, nothing found: still treated
                if cells[i] and i not in by_column and (i not in nested or row[i] == cells[i]):
                    row[i] = self._treat_declared(i, cells[i], encoding)
            for i in self.dropped:
                row[i] = None  # the spool never holds what is dropped
            if self.role_indices:  # quasi-identifiers on the policy's starting rungs
                self.kanon.base(row)
            if row != cells:
                for i, (new, old) in enumerate(zip(row, cells, strict=True)):
                    if new != old and i not in self.dropped:
                        self.changed = True
                        self.column_reports[i].cells_changed += 1
            self.kanon.feed(row)
            batch.append(row)
            if len(batch) >= SPOOL_BATCH:
                marshal.dump(batch, spool)
                batch.clear()
            report.rows += 1
            self.counter.tick()
        if batch:
            marshal.dump(batch, spool)
        self.counter.flush()
        if not started:  # a header without rows
            self._setup(columns, scanner.profile(columns, []))
        result = kinds.result()
        for i, n in enumerate(nested_cells):
            if n and n == filled[i]:
                result[i] = "json"  # written back as objects and arrays
        return result

    def _nested(self, row: int, i: int, text: str, encoding: str | None) -> Any:
        """A JSON cell holding an object or array: every key and value scanned (a value
        with its key as the header), treated, written back as JSON text; _NOT_JSON for a
        cell that is not one."""
        try:
            value = json.loads(text)
        except RecursionError:
            value = _TOO_DEEP
        except ValueError:
            return _NOT_JSON
        if type(value) not in (dict, list) and value is not _TOO_DEEP:
            return _NOT_JSON
        col = self.column_reports[i]
        hints = tuple(col.header_entities)
        try:
            if value is _TOO_DEEP:
                raise RecursionError
            walked = self._walk(value, col, hints, encoding, 0)
        except RecursionError:
            self.report.block(f"row {row + 1}, column {col.name}: a value nested deeper than "
                              f"{MAX_NESTING} levels cannot be checked; flatten it and upload "
                              "the file again")
            return None
        if walked == value:
            return text
        self.changed = True
        return json.dumps(walked, ensure_ascii=False, separators=(",", ":"))

    def _walk(self, value: Any, col: ColumnReport, hints: tuple[str, ...],
              encoding: str | None, depth: int, whole: str | None = None) -> Any:
        """`value` with its keys and values treated; a value under a key that names an
        entity (手机, 联系人...) is scanned as a cell of a column holding that entity, whole
        (fail closed: a mistyped identifier there is a near miss, treated)."""
        from desensitize.scanner import header_entities

        if depth > MAX_NESTING:
            raise RecursionError
        kind = type(value)
        if kind is dict:
            out: dict[str, Any] = {}
            for key, inner in value.items():
                found = self.scanner.scan_text(key)
                new = key
                if found:
                    self.count(col, key, found)
                    new = self.treat(key, found, encoding)
                    if new == key or not new:
                        new = f"key_{len(out) + 1}"  # kept or emptied: never released raw
                while new in out:
                    new += "_2"
                named = header_entities(key)
                out[new] = self._walk(inner, col, tuple(dict.fromkeys(named + hints)),
                                      encoding, depth + 1, named[0] if named else None)
            return out
        if kind is list:
            return [self._walk(v, col, hints, encoding, depth + 1, whole) for v in value]
        if kind is bool or value is None:
            return value
        text = value if kind is str else str(value)
        found = self.scanner.scan_cell(text, hints=hints, whole=whole)
        if not found:
            return value
        self.count(col, text, found)
        treated = self.treat(text, found, encoding)
        return value if treated == text else treated

    def _setup(self, columns: list[str], profiles: Sequence[Any]) -> None:
        """Once the scanner has profiled the columns: column reports, dropped columns,
        quasi-identifier roles."""
        self.column_reports = [self.report.column(name) for name in columns]
        self.dropped = set()
        for i, profile in enumerate(profiles):
            col = self.column_reports[i]
            col.profile_entity = profile.entity
            col.header_entities = list(profile.header_entities)
            if profile.entity is not None and profile.entity in self.rules.drop_columns:
                self.dropped.add(i)
                col.treatment = "drop"
                self.changed = True
        roles = role_columns(columns, self.policy.roles, skip=self.dropped)
        self._declare(columns, profiles, {i for idx in roles.values() for i in idx})
        self.kanon = KAnonymizer(roles, self.rules.quasi_identifiers, k=self.rules.k,
                                 start={r: lvl for r, lvl in self.rules.generalise.items()
                                        if r in roles},
                                 max_suppressed=self.rules.max_suppressed, names=columns)
        self.role_indices = sorted(i for role, idx in roles.items()
                                   if self.kanon.start.get(role) for i in idx)
        for role, idx in roles.items():
            level = self.rules.generalise.get(role)
            for i in idx:
                if level and level != "exact":
                    self.column_reports[i].treatment = f"generalise: {level}"

    def _declare(self, columns: list[str], profiles: Sequence[Any], role_indices: set[int]
                 ) -> None:
        """Read the columns against the catalog's data items (desensitize.declared)."""
        self.kept_columns: set[int] = set()
        self.personal_columns: list[int] = []
        declared = self.declared
        if not declared:
            return
        for i, name in enumerate(columns):
            item, col = declared.get(name), self.column_reports[i]
            if item is None:
                continue
            col.conflict = declared.conflict(name, profiles[i].entity if profiles else None)
            if item.personal:
                col.declared = "personal"
                # Quasi-identifier columns are generalised by k-anonymity instead.
                if i not in self.dropped and i not in role_indices:
                    self.personal_columns.append(i)
            elif item.public_by_law or item.confirmed:
                col.declared = "public_by_law" if item.public_by_law else "confirmed"
                col.legal_basis = item.legal_basis or None
                self.kept_columns.add(i)

    def _keep_declared(self, i: int, text: str, found: list[Finding]) -> list[Finding]:
        """Count what the column publishes as declared; return what must still be treated."""
        col = self.column_reports[i]
        rest = []
        for f in found:
            value = text[f.start:f.end]
            if keepable(f.entity, value):
                col.count(f, value, PUBLISHED_AS_DECLARED)
                col.kept_as_declared += 1
            else:
                rest.append(f)
        return rest

    def _treat_declared(self, i: int, text: str, encoding: str | None) -> str | None:
        """A declared personal cell in which no recognizer found anything: treated as
        the column's classified entity, or by the target's default (redacted for open
        classes)."""
        col = self.column_reports[i]
        entity = col.profile_entity
        if entity is not None and entity in self.treater.rules:
            whole = Finding(entity, 0, len(text), 1.0)
            self.count(col, text, [whole])
            return self.treat(text, [whole], encoding) or None
        if not self.rules.open:
            return text
        col.count(Finding(DECLARED_PERSONAL, 0, len(text), 1.0), text, "redact")
        self.changed = True
        return None

    def _final_rows(self, spool: IO[bytes], keep: list[int]) -> Iterator[list[str | None]]:
        apply_k = self.kanon.apply
        left = self.report.rows
        while left > 0:
            batch = marshal.load(spool)
            left -= len(batch)
            for row in batch:
                row = apply_k(row)
                yield [row[i] for i in keep]

    def _rescan(self, path: Path, format: str, encoding: str | None,
                sheet: str | None) -> None:
        options: dict[str, Any] = {"format": format}
        if format == "xlsx":
            options["sheet"] = sheet
        else:
            options["encoding"] = encoding
        with open_table(path, **options) as table:
            for name in table.info.columns:  # the names as released
                found = self.scanner.scan_text(name)
                if found:
                    self.residual(HEADER_COLUMN, found)
            for _, _, findings in self.scanner.scan_table(table):
                for f in findings:
                    self.residual(f.column or "", [f])
                self.counter.tick()
        self.counter.flush()


class _TextRun(_Run):
    def run(self, **open_options: Any) -> None:
        from desensitize.scanner import read_lines
        from desensitize.tables.encoding import detect_encoding, read_head

        report = self.report
        t = perf_counter()
        encoding = detect_encoding(self.path, read_head(self.path), open_options.get("encoding"))
        report.format, report.encoding = "text", encoding
        column = report.column(TEXT_COLUMN)
        codec, bom = byte_order(self.path, encoding)
        with PendingFile(self.out) as pending:
            write_lines(pending.path, self._treated_lines(column, encoding), codec, bom)
            t = self._timed("scan", t)
            if report.blocked:
                return
            if not self.changed:
                self.finish_unchanged(pending)
                return
            for line in read_lines(pending.path, encoding):
                self.residual(TEXT_COLUMN, self.scanner.scan_text(line))
                self.counter.tick()
            self.counter.flush()
            self._timed("rescan", t)
            if self.decide():
                pending.commit()
                report.output = str(self.out)

    def _treated_lines(self, column: ColumnReport, encoding: str) -> Iterator[str]:
        with self.path.open("r", encoding=encoding, newline="") as source:
            for raw in source:
                line = raw.rstrip("\r\n")
                findings = self.scanner.scan_text(line)
                if findings:
                    self.count(column, line, findings)
                    new = self.treat(line, findings, encoding)
                    if new != line:
                        column.cells_changed += 1
                        line = new
                self.report.rows += 1
                self.counter.tick()
                yield line + raw[len(raw.rstrip("\r\n")):]
        self.counter.flush()


def _found(n: int) -> str:
    return f"; {n} findings in it were scanned and left out" if n else ""
