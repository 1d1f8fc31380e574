"""A bound, before anything runs, on how large the values of a statement can grow.

The string bomb: CTEs that each concatenate the previous one with itself
(`WITH a AS (SELECT 'xxxxxxxx' AS s), b AS (SELECT s || s AS s FROM a), c AS (...)`)
double a value per level, and PostgreSQL builds each doubled value (or each doubled
expression tree, when it inlines the CTEs) in one call that no timeout interrupts: a
few dozen levels take gigabytes. A time limit cannot stop that; a bound on the
statement can.

Each expression gets a `Size`: how many column values of real tables (`refs`) and how
many characters of literals (`chars`) it can contain at most. A column of a CTE or a
subquery counts as that query's largest output; `||`, CASE and every other operator
add their operands' sizes; `replace` multiplies its subject by the length of its
(literal) replacement. Every query of the statement must stay within REFS_MAX and
CHARS_MAX: ordinary queries are far below, a doubling chain passes them in fourteen
levels.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp
from sqlglot.optimizer.scope import Scope

from portal.core.errors import ValidationError

REFS_MAX = 10_000
CHARS_MAX = 1_000_000


@dataclass(frozen=True)
class Size:
    refs: int = 0
    chars: int = 0

    def __add__(self, other: Size) -> Size:
        return Size(self.refs + other.refs, self.chars + other.chars)

    def times(self, factor: int) -> Size:
        return Size(self.refs * factor, self.chars * factor)

    def larger(self, other: Size) -> Size:
        return Size(max(self.refs, other.refs), max(self.chars, other.chars))

    @property
    def too_large(self) -> bool:
        return self.refs > REFS_MAX or self.chars > CHARS_MAX


ONE_VALUE = Size(1, 0)


def _refuse(reason: str) -> ValidationError:
    return ValidationError({"sql": [reason]})


class _Measure:
    """Sizes within one scope; the sizes of the scopes it reads are known already."""

    def __init__(self, scope: Scope, outputs: dict[int, Size]) -> None:
        self.scope = scope
        self.outputs = outputs
        self._any: Size | None = None

    def source(self, source: exp.Expression | Scope) -> Size:
        if isinstance(source, Scope):
            return self.outputs.get(id(source.expression), ONE_VALUE)
        return ONE_VALUE

    def any_source(self) -> Size:
        """The largest value of any source visible here (this scope's and its parents':
        the statement has at most sql_scope.SCOPES_MAX scopes, so the walk is short)."""
        if self._any is None:
            size = ONE_VALUE
            scope: Scope | None = self.scope
            while scope is not None:
                for source in scope.sources.values():
                    size = size.larger(self.source(source))
                scope = scope.parent
            self._any = size
        return self._any

    def column(self, column: exp.Column) -> Size:
        if not column.table:
            # Unqualified: any visible source's column, or an output alias.
            return self.any_source()
        scope: Scope | None = self.scope
        while scope is not None:
            if column.table in scope.sources:
                return self.source(scope.sources[column.table])
            scope = scope.parent
        raise _refuse(f"The column {column.sql()!r} refers to no table of the query")

    def replace(self, node: exp.Expression) -> Size:
        subject, pattern = node.this, node.args.get("expression")
        replacement = node.args.get("replacement")
        if not isinstance(replacement, exp.Literal) or not replacement.is_string:
            raise _refuse("replace(): the replacement must be a string literal")
        factor = max(1, len(replacement.this))
        return self.size(subject).times(factor) + self.size(pattern) + self.size(replacement)

    def size(self, node: exp.Expression | None) -> Size:
        if node is None or isinstance(node, exp.With | exp.Table):
            return Size()  # CTE bodies count where they are read; tables are sources
        if node is not self.scope.expression and id(node) in self.outputs:
            return self.outputs[id(node)]  # a subquery: its own scope, measured already
        if isinstance(node, exp.Column):
            return self.column(node)
        if isinstance(node, exp.Star):
            return self.any_source()
        if isinstance(node, exp.Literal):
            return Size(0, len(str(node.this)))
        if isinstance(node, exp.Replace):
            return self.replace(node)
        total = Size()
        for child in node.iter_expressions():
            total = total + self.size(child)
        return total

    def output(self) -> Size:
        """The largest value the scope's query returns."""
        query = self.scope.expression
        if isinstance(query, exp.Select):
            largest = Size()
            for projection in query.expressions:
                largest = largest.larger(self.size(projection))
            return largest
        largest = Size()
        for branch in query.iter_expressions():
            largest = largest.larger(self.size(branch))
        return largest


def check(all_scopes: list[Scope]) -> None:
    """ValidationError (409) when a query of the statement can build too large a value."""
    outputs: dict[int, Size] = {}
    for scope in all_scopes:  # children come before their parents
        measure = _Measure(scope, outputs)
        if measure.size(scope.expression).too_large:
            raise _refuse(f"The query can build values too large (more than {REFS_MAX} "
                          f"column values or {CHARS_MAX} characters of text in one "
                          "expression): simplify it")
        outputs[id(scope.expression)] = measure.output()
