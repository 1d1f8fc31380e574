"""Which tables a datastore_search_sql statement reads, decided on sqlglot's resolved tree.

Names are not trusted: a CTE named after a table would otherwise exempt that name
everywhere in the statement (`SELECT * FROM "DRAFT" WHERE 1 IN (WITH "DRAFT" AS (...)
SELECT ... FROM "DRAFT")`). So:

- identifiers are first normalized as the database reads them (PostgreSQL folds unquoted
  names to lower case; SQLite ignores case), then every scope is built with
  `sqlglot.optimizer.scope.traverse_scope`, which resolves each table reference through
  the CTEs visible where it stands;
- every `exp.Table` of the tree must be either a source sqlglot resolved to a real table
  (checked: a datastore table the caller may read, in the datastore schema, not a
  catalog) or a reference it resolved to a CTE; anything else is refused (fail closed);
- no CTE, subquery or table alias may bear the name of a real relation, a resource id or
  a catalog (`pg_*`, `sqlite_*`, `information_schema`), compared case-insensitively: the
  parser and the database then cannot disagree about what such a name means.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.optimizer.normalize_identifiers import normalize_identifiers
from sqlglot.optimizer.scope import Scope, traverse_scope

from portal.core.errors import NotAuthorized, ValidationError

# Relations of the database's own catalogs, by prefix (compared in lower case).
CATALOG_PREFIXES = ("pg_", "sqlite_", "information_schema")
# Names the datastore keeps for itself.
PRIVATE_NAMES = {"_table_metadata"}
# Queries (SELECTs, CTEs, subqueries, set operations) in one statement: the checks below
# are then quick whatever the statement's shape.
SCOPES_MAX = 256


def refuse(reason: str) -> ValidationError:
    return ValidationError({"sql": [reason]})


def is_catalog(name: str) -> bool:
    lowered = name.lower()
    return lowered.startswith(CATALOG_PREFIXES) or lowered in PRIVATE_NAMES


def normalized(tree: exp.Expression, dialect: str) -> exp.Expression:
    """A copy whose identifiers are spelled as the database resolves them."""
    return normalize_identifiers(tree.copy(), dialect=dialect)


def scopes(tree: exp.Expression) -> list[Scope]:
    """Every scope of the statement, children before their parents; refused if sqlglot
    cannot build them."""
    try:
        found = traverse_scope(tree)
    except (SqlglotError, RecursionError, ValueError, KeyError, AttributeError) as exc:
        raise refuse(f"The SQL could not be resolved: {type(exc).__name__}") from None
    if not found:
        raise refuse("The SQL could not be resolved into queries over tables")
    if len(found) > SCOPES_MAX:
        raise refuse(f"At most {SCOPES_MAX} queries (SELECTs, CTEs, subqueries) in one "
                     "statement")
    return found


def alias_names(tree: exp.Expression) -> set[str]:
    """Names the statement gives: CTEs, subquery and table aliases."""
    return {alias.name for alias in tree.find_all(exp.TableAlias) if alias.name}


def check_aliases(tree: exp.Expression, taken: Callable[[set[str]], set[str]]) -> None:
    """No alias may shadow a catalog, a real relation or a resource id (`taken` answers
    which of the names, in lower case, are such)."""
    names = alias_names(tree)
    shadowing = sorted(n for n in names if is_catalog(n))
    if not shadowing and names:
        lowered = taken({n.lower() for n in names})
        shadowing = sorted(n for n in names if n.lower() in lowered)
    if shadowing:
        raise refuse(f'A CTE or alias may not bear the name of a table: "{shadowing[0]}"')


def _cte_references(all_scopes: list[Scope]) -> set[int]:
    """The table references (ids) sqlglot resolved to a CTE of the statement."""
    found: set[int] = set()
    for scope in all_scopes:
        for table in scope.tables:
            source = scope.sources.get(table.alias_or_name)
            if isinstance(source, Scope) and isinstance(source.expression.parent, exp.CTE):
                found.add(id(table))
    return found


def tables_read(tree: exp.Expression, all_scopes: list[Scope], schema: str | None,
                allowed: Callable[[str], bool]) -> list[str]:
    """The datastore tables (resource ids) the statement reads; NotAuthorized for any
    table reference that is not one the caller may read."""
    real: set[int] = set()
    for scope in all_scopes:
        real.update(id(s) for s in scope.sources.values() if isinstance(s, exp.Table))
    ctes = _cte_references(all_scopes)
    answers: dict[str, bool] = {}

    def may_read(name: str) -> bool:
        if name not in answers:
            answers[name] = allowed(name)
        return answers[name]

    read: set[str] = set()
    for table in tree.find_all(exp.Table):
        if id(table) in real:
            read.add(_readable(table, schema, may_read))
        elif id(table) not in ctes:
            raise refuse(f"The table reference {table.sql()!r} could not be resolved")
    return sorted(read)


def _readable(table: exp.Table, schema: str | None, allowed: Callable[[str], bool]) -> str:
    name = table.name
    if (not name or not isinstance(table.this, exp.Identifier) or table.catalog
            or (table.db and table.db != schema) or is_catalog(name)):
        raise NotAuthorized(f"datastore_search_sql reads datastore tables only: "
                            f"{table.sql()!r} is not one")
    if not allowed(name):
        raise NotAuthorized(f"datastore_search_sql: there is no table \"{name}\" you may "
                            "read (tables are named by resource id)")
    return name
