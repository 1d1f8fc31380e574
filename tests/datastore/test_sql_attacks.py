"""datastore_search_sql and datastore_search as issue 15's attacker used them: a CTE
named after a table in every position, catalogs, functions, the string bomb, many
slow queries at once, and a 3,000-word q. Run on SQLite and on PostgreSQL
(SHUYUAN_TEST_DATABASE=postgresql)."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from typing import Any

import pytest

from portal.core.context import SYSTEM
from portal.core.errors import NotAuthorized, TooManyRequests, ValidationError
from portal.datastore import limits
from portal.datastore import sql as datastore_sql
from portal.services import Portal
from tests.conftest import BACKEND, make_settings, package_params
from tests.datastore.conftest import Shelf

ROWS = [{"乡镇": t, "人口": n} for t, n in [("泗城镇", 10250), ("墩集镇", 8000), ("丁湖镇", 6100)]]
SECRET = [{"乡镇": "草稿镇", "人口": 1}]
FIELDS = [{"id": "乡镇", "type": "text"}, {"id": "人口", "type": "integer"}]
ANONYMOUS = None
REFUSED = (ValidationError, NotAuthorized)


def public_table(shelf: Shelf) -> str:
    """A table of an unconditionally open entry, allowed by the desensitization gate:
    anyone may read it."""
    entry = shelf.call("package_create", package_params("open-entry", "edu",
                                                        publication_state="published"))
    return shelf.call("datastore_create", {"resource": {"package_id": entry["id"]},
                                           "fields": FIELDS, "records": ROWS})["resource_id"]


class Tables:
    """A table anyone may read, and a draft entry's table no outsider may."""

    def __init__(self, shelf: Shelf) -> None:
        self.shelf = shelf
        self.public = public_table(shelf)
        draft = shelf.call("package_create", package_params("draft-entry", "edu",
                                                            publication_state="draft"))
        self.draft = shelf.call("datastore_create", {"resource": {"package_id": draft["id"]},
                                                     "fields": FIELDS,
                                                     "records": SECRET})["resource_id"]
        backend = shelf.portal.datastore.backend
        self.schema = backend.schema or "main"

    def sql(self, statement: str, user: Any = ANONYMOUS) -> dict[str, Any]:
        return self.shelf.call("datastore_search_sql", {"sql": statement}, user=user)

    def fill(self, template: str) -> str:
        return template.format(draft=self.draft, DRAFT=self.draft.upper(),
                               public=self.public, schema=self.schema)


@pytest.fixture
def tables(shelf: Shelf) -> Tables:
    return Tables(shelf)


def test_the_public_table_is_read_by_anyone_and_the_draft_by_the_bureau_only(
        tables: Tables) -> None:
    """The baseline the attacks below try to get around."""
    found = tables.sql(f'WITH big AS (SELECT * FROM "{tables.public}" WHERE "人口" > 7000) '
                       'SELECT count(*) AS n FROM big')
    assert found["records"] == [{"n": 2}]
    with pytest.raises(NotAuthorized):
        tables.sql(f'SELECT * FROM "{tables.draft}"')
    assert tables.sql(f'SELECT "乡镇" FROM "{tables.draft}"', user=SYSTEM)["records"] == [
        {"乡镇": "草稿镇"}]


# A CTE (or alias) named after the draft's table, in every position the attacker tried.
SHADOWING = {
    "where in subquery": 'SELECT * FROM "{draft}" WHERE 1 IN '
                         '(WITH "{draft}" AS (SELECT 1 AS one) SELECT one FROM "{draft}")',
    "from subquery": 'SELECT * FROM (WITH "{draft}" AS (SELECT 1 AS one) '
                     'SELECT one FROM "{draft}") s, "{draft}"',
    "join": 'SELECT * FROM "{public}" p JOIN "{draft}" d ON 1 = 1 WHERE EXISTS '
            '(WITH "{draft}" AS (SELECT 1 AS one) SELECT one FROM "{draft}")',
    "join of the cte": 'WITH "{draft}" AS (SELECT 1 AS one) SELECT * FROM "{public}" p '
                       'JOIN "{draft}" d ON 1 = 1',
    "union branch": 'SELECT "乡镇" FROM "{draft}" UNION (WITH "{draft}" AS '
                    '(SELECT \'x\' AS "乡镇") SELECT "乡镇" FROM "{draft}")',
    "union under one with": 'WITH "{draft}" AS (SELECT \'x\' AS "乡镇") SELECT "乡镇" FROM '
                            '"{draft}" UNION SELECT "乡镇" FROM "{public}"',
    "scalar subquery in select": 'SELECT (WITH "{draft}" AS (SELECT 1 AS one) SELECT one '
                                 'FROM "{draft}") AS x, d.* FROM "{draft}" d',
    "nested with inside with": 'WITH a AS (WITH "{draft}" AS (SELECT 1 AS one) SELECT one '
                               'FROM "{draft}") SELECT * FROM a, "{draft}"',
    "upper-case cte": 'WITH "{DRAFT}" AS (SELECT 1 AS one) SELECT * FROM "{draft}"',
    "upper-case reference": 'WITH "{draft}" AS (SELECT 1 AS one) SELECT * FROM "{DRAFT}"',
    "schema-qualified reference": 'WITH "{draft}" AS (SELECT 1 AS one) '
                                  'SELECT * FROM {schema}."{draft}"',
    "schema-qualified, quoted": 'WITH "{draft}" AS (SELECT 1 AS one) '
                                'SELECT * FROM "{schema}"."{draft}"',
    "public table shadowed by the draft": 'WITH "{public}" AS (SELECT * FROM "{draft}") '
                                          'SELECT * FROM "{public}"',
    "subquery alias": 'SELECT * FROM (SELECT 1 AS one) AS "{draft}"',
    "table alias": 'SELECT * FROM "{public}" AS "{draft}"',
    "cte of the metadata table": 'WITH "_table_metadata" AS (SELECT 1 AS one) '
                                 'SELECT * FROM _table_metadata',
    "unquoted metadata cte": 'WITH _TABLE_METADATA AS (SELECT 1 AS one) '
                             'SELECT * FROM "_table_metadata"',
    "comment hiding the reference": 'SELECT * FROM "{public}" /* */ WHERE 1 IN '
                                    '(WITH "{draft}" AS (SELECT 1 AS one) '
                                    'SELECT one FROM /* "{public}" */ "{draft}")',
}


@pytest.mark.parametrize("how", SHADOWING)
def test_a_cte_named_after_a_table_exempts_nothing(tables: Tables, how: str) -> None:
    statement = tables.fill(SHADOWING[how])
    with pytest.raises(REFUSED) as refused:
        tables.sql(statement)
    assert "草稿镇" not in str(refused.value)
    # The resolution alone (without the rule on alias names) keeps the draft out too:
    # each reference is resolved through its scope, so the statement is refused, or
    # what it reads, run as checked, holds no row of the draft.
    backend = tables.shelf.portal.datastore.backend
    dialect = "sqlite" if BACKEND == "sqlite" else "postgres"
    try:
        checked = datastore_sql.check(statement, dialect, backend.schema,
                                      lambda name: name == tables.public)
    except REFUSED:
        return
    assert tables.draft not in checked.tables
    try:
        found = datastore_sql.run(backend, checked, 2000, 100)
    except ValidationError:
        return
    assert "草稿镇" not in str(found["records"])


CATALOGS = [
    "SELECT * FROM pg_catalog.pg_shadow",
    "SELECT usename, passwd FROM pg_shadow",
    "SELECT * FROM pg_stat_activity",
    'SELECT query FROM "pg_stat_activity"',
    "SELECT * FROM PG_CATALOG.PG_AUTHID",
    "SELECT * FROM information_schema.tables",
    'SELECT * FROM "information_schema"."tables"',
    "SELECT * FROM sqlite_master",
    "SELECT * FROM SQLITE_SCHEMA",
    'SELECT * FROM "Sqlite_Master"',
    "SELECT * FROM main.sqlite_master",
    "SELECT * FROM _table_metadata",
    'SELECT * FROM "user"',
    'SELECT * FROM public."user"',
    "WITH pg_shadow AS (SELECT 1 AS a) SELECT * FROM pg_shadow",
    "SELECT * FROM (SELECT 1 AS a) AS pg_class",
    "SELECT * FROM (SELECT 1 AS a) AS sqlite_master",
]


def anonymous_sql(portal: Portal, statement: str) -> dict[str, Any]:
    return portal.call("datastore_search_sql", {"sql": statement}, user=ANONYMOUS)


@pytest.mark.parametrize("statement", CATALOGS)
def test_catalogs_and_other_schemas_are_out_of_reach(portal: Portal, statement: str) -> None:
    with pytest.raises(REFUSED):
        anonymous_sql(portal, statement)


FUNCTIONS = [
    "SELECT pg_read_file('/etc/passwd')",
    "SELECT current_setting('data_directory')",
    "SELECT set_config('role', 'postgres', false)",
    "SELECT version()",
    "SELECT lo_import('/etc/passwd')",
    "SELECT dblink('dbname=postgres', 'SELECT passwd FROM pg_shadow')",
    "SELECT \"PG_READ_FILE\"('/etc/passwd')",
    "SELECT \"pg_read_file\"('/etc/passwd')",
    "SELECT Pg_Read_File('/etc/passwd')",
    "SELECT pg_catalog.pg_read_file('/etc/passwd')",
    "SELECT pg_catalog.lower('x')",
    "SELECT \"Pg_Read_File\"('/etc/passwd')",
    "SELECT query_to_xml('SELECT * FROM pg_shadow', true, true, '')",
    "SELECT current_user",
    "SELECT CAST('pg_shadow' AS regclass)",
    "SELECT 'pg_authid'::regclass::oid",
    "SELECT * FROM pg_ls_dir('.')",
    "SELECT * FROM generate_series(1, 1000000000)",
    "SELECT pg_sleep(10)",
    "SELECT sqlite_version()",
    "SELECT load_extension('/tmp/x.so')",
    "SELECT lower(x) FROM (SELECT current_database() AS x) s",
]


@pytest.mark.parametrize("statement", FUNCTIONS)
def test_functions_outside_the_allow_list_are_refused(portal: Portal, statement: str) -> None:
    with pytest.raises(REFUSED):
        anonymous_sql(portal, statement)


def _doubling(levels: int, materialized: str = "") -> str:
    ctes = ["a0 AS (SELECT 'xxxxxxxxxxxxxxxx' AS s)"]
    ctes += [f"a{i} AS {materialized}(SELECT s || s AS s FROM a{i - 1})"
             for i in range(1, levels + 1)]
    return f"WITH {', '.join(ctes)} SELECT length(s) AS n FROM a{levels}"


BOMBS = {
    "nested ctes doubling a string": _doubling(30),
    "nested replace": "SELECT " + "replace(" * 8 + "'xxxxxxxxxx'" + ", 'x', 'xxxxxxxxxx')" * 8,
    "replace by itself": 'SELECT replace(s, \'x\', s) FROM (SELECT \'xxxxxxxx\' AS s) t',
    "repeat": "SELECT repeat('x', 1000000000)",
    "lpad": "SELECT lpad('x', 1000000000, 'y')",
    "string_agg": "SELECT string_agg(s, ',') FROM (SELECT 'x' AS s) t",
    "group_concat": "SELECT group_concat(s) FROM (SELECT 'x' AS s) t",
    "huge literal": "SELECT '" + "x" * 1_000_100 + "' AS s",
}


@pytest.mark.parametrize("how", BOMBS)
def test_the_string_bomb_is_refused_before_it_runs(portal: Portal, how: str) -> None:
    with pytest.raises(ValidationError):
        anonymous_sql(portal, BOMBS[how])


def test_a_doubling_chain_is_refused_with_the_reason(portal: Portal) -> None:
    with pytest.raises(ValidationError, match="values too large"):
        anonymous_sql(portal, _doubling(30))
    # Ten levels (16 KB) are a query like any other.
    assert anonymous_sql(portal, _doubling(10))["records"] == [{"n": 16 * 2**10}]


def test_behind_the_parser_the_database_stops_the_bomb(shelf: Shelf) -> None:
    """Run unchecked, a doubling chain of materialized CTEs is stopped by the database's
    own limits (the string length limit on SQLite, temp_file_limit on PostgreSQL as the
    CTEs spill past work_mem), with the memory a few megabytes, not gigabytes. (Not
    materialized, the chain is inlined into an expression tree of 2^levels nodes while
    the statement is planned, which no limit of either database stops: only the bound
    of sql_growth.py does, before anything runs.)"""
    backend = shelf.portal.datastore.backend
    statement = _doubling(22, "MATERIALIZED ")  # at most 64 MB if nothing stopped it
    checked = datastore_sql.Checked(statement, [], statement)
    expected = "temp_file_limit" if BACKEND == "postgresql" else "too big"
    with pytest.raises(ValidationError, match=expected):
        datastore_sql.run(backend, checked, 20_000, 10, bytes_max=2**20,
                          temp_file_limit="8MB")


@pytest.mark.skipif(BACKEND != "postgresql", reason="the read-only role is PostgreSQL's")
@pytest.mark.parametrize("statement", [
    "SELECT passwd FROM pg_catalog.pg_shadow",
    'SELECT * FROM public."user"',
    "SELECT * FROM datastore._table_metadata",
    "SELECT pg_read_file('/etc/passwd')",
    'CREATE TABLE datastore.evil (a int)',
])
def test_behind_the_parser_the_role_reads_only_datastore_tables(tables: Tables,
                                                                 statement: str) -> None:
    checked = datastore_sql.Checked(statement, [], statement)
    with pytest.raises(ValidationError, match="refused"):
        datastore_sql.run(tables.shelf.portal.datastore.backend, checked, 2000, 10)
    # ... while a datastore table made after the role is read (default privileges)
    checked = datastore_sql.Checked("", [tables.draft],
                                    f'SELECT count(*) AS n FROM "{tables.draft}"')
    found = datastore_sql.run(tables.shelf.portal.datastore.backend, checked, 2000, 10)
    assert found["records"] == [{"n": 1}]


def test_a_statement_nested_too_deeply_is_a_409(portal: Portal) -> None:
    with pytest.raises(ValidationError):
        anonymous_sql(portal, "SELECT " + "(" * 5000 + "1" + ")" * 5000)
    with pytest.raises(ValidationError, match="longer than"):
        anonymous_sql(portal, "SELECT 1" + " + 1" * 40_000)
    # Long but within the length: answered, or refused with a reason (not a 500).
    with contextlib.suppress(ValidationError):
        assert anonymous_sql(portal, "SELECT 1" + " + 1" * 3_000 + " AS n")["records"] == [
            {"n": 3_001}]


@pytest.mark.parametrize("statement", ["SELECT '\ud800' AS s", "SELECT 1 AS n\x00",
                                       "SELECT '\x00' AS s", "SELECT 1 AS \"\udfff\""])
def test_a_statement_that_is_not_text_is_a_409(client: Any, portal: Portal,
                                                statement: str) -> None:
    with pytest.raises(ValidationError, match="not valid text|valid Unicode text"):
        anonymous_sql(portal, statement)
    # ... and through the API (JSON's \\uXXXX escapes carry a lone surrogate), never a 500
    answer = client.post("/api/3/action/datastore_search_sql",
                         data=json.dumps({"sql": statement}), content_type="application/json")
    assert answer.status_code in (400, 409)


@pytest.mark.parametrize("statement", [
    # Checks that were quadratic in the number of queries: refused before they run long.
    "WITH c AS (SELECT 1 AS a) " + " UNION ALL ".join(["SELECT a FROM c"] * 300),
    "SELECT 1 AS n WHERE 1 IN (" + ",".join(["1"] * 9_000) + ")",
    "SELECT 1 AS n WHERE 1 IN (" + ",".join(["1"] * 12_000) + ")",
])
def test_statements_too_large_for_the_checks_are_409s(portal: Portal, statement: str) -> None:
    try:
        assert anonymous_sql(portal, statement)["records"] == [{"n": 1}]
    except ValidationError as refused:
        assert ("queries" in str(refused) or "too complex" in str(refused)
                or "longer than" in str(refused))


def test_the_result_is_capped_while_it_streams(tables: Tables) -> None:
    """A cartesian product of 64 million rows, capped at 10 rows or 2 KB: answered with
    the first rows, not stopped by the time limit after reading them all."""
    backend = tables.shelf.portal.datastore.backend
    rid = tables.shelf.table([{"id": "n", "type": "integer"}], [{"n": i} for i in range(400)])
    dialect = "sqlite" if BACKEND == "sqlite" else "postgres"
    statement = f'SELECT a.n AS a, b.n AS b FROM "{rid}" a, "{rid}" b, "{rid}" c'
    checked = datastore_sql.check(statement, dialect, backend.schema, lambda name: True)
    found = datastore_sql.run(backend, checked, 500, 10)
    assert (len(found["records"]), found["records_truncated"]) == (10, True)
    found = datastore_sql.run(backend, checked, 500, 10_000, bytes_max=2048)
    assert found["records_truncated"] is True
    assert 0 < len(found["records"]) < 100


SLOW = ("SELECT count(*) AS n FROM "
        + ", ".join(f"(SELECT 1 AS x UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 "
                    f"UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL "
                    f"SELECT 8 UNION ALL SELECT 9 UNION ALL SELECT 10) t{i}" for i in range(10)))


@pytest.mark.fresh_portal  # threads calling at once: a portal whose calls commit
def test_one_query_more_than_the_portal_runs_at_once_gets_429(portal: Portal,
                                                               database_url: str) -> None:
    busy = Portal(make_settings(portal.var_dir, database_url, datastore={
        "sql_enabled": True, "sql_concurrent_max": 2, "sql_timeout_ms": 1500}))
    outcomes: list[str] = []

    def slow() -> None:
        try:
            busy.call("datastore_search_sql", {"sql": SLOW}, user=ANONYMOUS)
            outcomes.append("answered")
        except ValidationError as exc:
            outcomes.append("stopped" if "took longer" in str(exc) else str(exc))

    try:
        threads = [threading.Thread(target=slow) for _ in range(2)]
        for thread in threads:
            thread.start()
        slots = limits.slots(busy.datastore, "sql", 2)
        deadline = time.monotonic() + 10
        while slots.in_use < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert slots.in_use == 2, "the two slow queries did not start"
        with pytest.raises(TooManyRequests):
            busy.call("datastore_search_sql", {"sql": "SELECT 1 AS n"}, user=ANONYMOUS)
        for thread in threads:
            thread.join()
        assert outcomes == ["stopped", "stopped"]
        # Once they are stopped, the next query runs.
        assert busy.call("datastore_search_sql", {"sql": "SELECT 1 AS n"},
                         user=ANONYMOUS)["records"] == [{"n": 1}]
    finally:
        busy.dispose()


def test_the_api_answers_429_in_ckan_s_shape(client: Any, portal: Portal,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from portal.actions import datastore as datastore_actions

    monkeypatch.setattr(datastore_actions, "SEARCH_WAIT_S", 0.0)
    sql_slots = limits.slots(portal.datastore, "sql", 2)
    with sql_slots.hold("test"), sql_slots.hold("test"):
        answer = client.post("/api/3/action/datastore_search_sql", json={"sql": "SELECT 1"})
    assert answer.status_code == 429
    assert int(answer.headers["Retry-After"]) > 0
    body = answer.get_json()
    assert body["success"] is False and body["error"]["__type"] == "Too Many Requests"
    assert client.post("/api/3/action/datastore_search_sql",
                       json={"sql": "SELECT 1 AS n"}).get_json()["result"]["records"] == [
        {"n": 1}]
    rid = public_table(Shelf(portal))
    search_slots = limits.slots(portal.datastore, "search", 4)
    with search_slots.hold("t"), search_slots.hold("t"), search_slots.hold("t"), \
            search_slots.hold("t"):
        answer = client.post("/api/3/action/datastore_search", json={"resource_id": rid})
    assert answer.status_code == 429


WORDS = " ".join(f"词{i}" for i in range(3000))


@pytest.mark.parametrize("q", [
    WORDS,
    "\u3000".join(f"词{i}" for i in range(3000)),  # full-width spaces
    "x" * 1001,
    {"乡镇": "镇 " * 3000},
    '{"乡镇": "' + "镇 " * 600 + '"}',  # q as JSON text, as GET sends it
])
def test_a_3000_word_q_is_a_409_naming_q(client: Any, portal: Portal, q: Any) -> None:
    rid = public_table(Shelf(portal))
    answer = client.post("/api/3/action/datastore_search", json={"resource_id": rid, "q": q})
    assert answer.status_code == 409
    assert "q" in answer.get_json()["error"]


def test_q_within_the_limits_is_searched(portal: Portal) -> None:
    shelf = Shelf(portal)
    rid = shelf.table(FIELDS, ROWS)
    hundred = " ".join(["镇"] * 99 + ["泗城"])
    assert [r["乡镇"] for r in shelf.rows(rid, q=hundred)] == ["泗城镇"]


@pytest.mark.parametrize("params", [
    {"offset": 10**30},
    {"offset": "99999999999999999999999"},
    {"filters": {"人口": list(range(5000))}},
])
def test_paging_and_filters_past_their_bounds_are_409s(client: Any, portal: Portal,
                                                       params: dict[str, Any]) -> None:
    rid = public_table(Shelf(portal))
    answer = client.post("/api/3/action/datastore_search", json={"resource_id": rid, **params})
    assert answer.status_code == 409
    assert set(answer.get_json()["error"]) & {"offset", "filters"}


@pytest.mark.parametrize("params", [
    {"q": "泗城\x00镇"},
    {"q": {"乡镇": "\x00"}},
    {"filters": {"乡镇": "泗城镇\x00"}},
    {"filters": {"乡镇": ["a", "\x00"]}},
])
def test_a_nul_character_in_q_or_filters_is_a_409(client: Any, portal: Portal,
                                                 params: dict[str, Any]) -> None:
    """PostgreSQL's driver refuses a NUL in a string parameter (ValueError): a 409 naming
    the parameter instead of a 500."""
    rid = public_table(Shelf(portal))
    answer = client.post("/api/3/action/datastore_search",
                         data=json.dumps({"resource_id": rid, **params}),
                         content_type="application/json")
    assert answer.status_code == 409
    assert set(answer.get_json()["error"]) & {"q", "filters"}
