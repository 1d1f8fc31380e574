"""The embedded search backend: tantivy indexes in <var_dir>/search/<name>/.

Why tantivy (tantivy-py) and not SQLite FTS5: measured at 100,000 Chinese
entries with facets on organization, tags and format over the whole match
set, tantivy answers in 0.5 ms p50 / 1.1 ms p95, FTS5 with bm25 and GROUP BY
facets in 14 / 60 ms (the facet SQL is the cost). tantivy's terms aggregation
counts facets from columnar fast fields, it sorts on fast fields, it has
phrase queries with positions and BM25, and it needs no server. FTS5 would
have kept everything in one database file; nothing else favoured it.

One process writes an index at a time (tantivy's writer lock); the portal's
writes come through the outbox drain, which also holds a database lock, so a
second process (the CLI beside `shuyuan serve`) waits instead of failing.

A search with facets counts them on a second thread while the first finds and
reads the top hits: tantivy releases the GIL in both, so on two cores a
request takes the longer of the two rather than their sum (as Lucene's
concurrent segment search spends cores on one request). `facet_threads = 0`
in [search] counts them in line instead.
"""

from __future__ import annotations

import contextlib
import shutil
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import orjson
import tantivy
from tantivy import Occur, Query

from portal.search import backend as b
from portal.search.document import cjk_runs

WHITESPACE = "shuyuan_ws"
TRIGRAMS = "shuyuan_ngram3"
STORED_ONLY = "shuyuan_stored_only"
# tantivy wants at least 15 MB of indexing memory per thread.
SMALL_HEAP = 20_000_000
BULK_HEAP = 200_000_000
# A rebuild's budget (split between two indexing threads): a thread writes a segment
# each time its share fills, and segments written are merged again while indexing.
# 1 GB holds 100,000 entries in two segments, so nothing is merged: a fifth less CPU
# than 200 MB (measured); the memory is used only as documents arrive.
REBUILD_HEAP_MB = 1000
BULK_DOCS = 500
ALL_VALUES = 65_000
MATCH_COUNT = "__matches"
# Multi-valued facets with few distinct combinations (an entry's formats) are counted
# from a single-valued field holding the combination, then split: tantivy counts a
# single-valued column about eight times faster than a multi-valued one.
COMBINED = {"res_format": "res_format_combined"}
COMBINED_SEPARATOR = "\x1f"


def _schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    for name in b.KEYWORD_FIELDS:
        sb.add_text_field(name, stored=name in ("id", "version"), tokenizer_name="raw",
                          fast=True)
    for name in b.TEXT_FIELDS:
        sb.add_text_field(name, stored=False, tokenizer_name=WHITESPACE,
                          index_option="position" if name in b.POSITION_FIELDS else "freq")
    # Cut from the chars field's runs by tantivy itself (document.cjk_runs).
    sb.add_text_field(b.TRIGRAM_FIELD, stored=False, tokenizer_name=TRIGRAMS,
                      index_option="freq")
    for name in COMBINED.values():
        sb.add_text_field(name, stored=False, tokenizer_name="raw", fast=True)
    for name in b.TIME_FIELDS:
        sb.add_integer_field(name, stored=False, indexed=True, fast=True)
    # Stored only: tantivy-py has no unindexed text field, so its one token is dropped
    # by the analyzer (a bytes field would need base64 in the JSON add_json reads).
    sb.add_text_field(b.STORED_FIELD, stored=True, tokenizer_name=STORED_ONLY,
                      index_option="basic")
    return sb.build()


def _analyzer() -> Any:
    # The analysis module hands over tokens already normalised (lowercase, full-width
    # folded): tantivy only splits them. Its lowercase filter copied every token again
    # for nothing, a sixth of the indexing time.
    return tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build()


class _Open:
    """One opened index: the tantivy Index and the lock its writers take."""

    def __init__(self, path: Path, schema: tantivy.Schema) -> None:
        self.index = tantivy.Index(schema, path=str(path))
        self.index.register_tokenizer(WHITESPACE, _analyzer())
        self.index.register_tokenizer(
            TRIGRAMS, tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.ngram(3, 3, False)).build())
        self.index.register_tokenizer(
            STORED_ONLY, tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.raw())
            .filter(tantivy.Filter.remove_long(1)).build())
        self.write_lock = threading.Lock()


class TantivyIndex:
    kind = "embedded"

    def __init__(self, root: Path, facet_threads: int = 1,
                 rebuild_heap_mb: int = REBUILD_HEAP_MB) -> None:
        self.root = root
        self.rebuild_heap = max(40, min(rebuild_heap_mb, 8000)) * 1_000_000
        self.root.mkdir(parents=True, exist_ok=True)
        self.schema = _schema()
        self._open: dict[str, _Open] = {}
        self._lock = threading.Lock()
        self._facet_pool = (ThreadPoolExecutor(facet_threads, thread_name_prefix="facets")
                            if facet_threads > 0 else None)

    def _path(self, name: str) -> Path:
        if not name or "/" in name or name.startswith("."):
            raise b.SearchBackendError(f"bad index name {name!r}")
        return self.root / name

    def _get(self, name: str) -> _Open:
        with self._lock:
            found = self._open.get(name)
            if found is None:
                if not (self._path(name) / "meta.json").is_file():
                    raise b.SearchBackendError(f"search index {name} does not exist")
                try:
                    found = self._open[name] = _Open(self._path(name), self.schema)
                except ValueError as exc:  # "the schema does not match": an older version's
                    raise b.SearchBackendError(
                        f"search index {name} cannot be opened ({exc}); "
                        "run `shuyuan search reindex`") from exc
            return found

    # --- SearchIndex ---------------------------------------------------------

    def create(self, name: str) -> None:
        path = self._path(name)
        with self._lock:
            self._open.pop(name, None)
            if path.exists():
                shutil.rmtree(path)
            path.mkdir(parents=True)
            self._open[name] = _Open(path, self.schema)

    def drop(self, name: str) -> None:
        path = self._path(name)
        with self._lock:
            self._open.pop(name, None)
            shutil.rmtree(path, ignore_errors=True)

    def exists(self, name: str) -> bool:
        """Whether the index is there in this version's format (an index written with
        another schema counts as missing, so the portal builds a new one)."""
        try:
            self._get(name)
        except b.SearchBackendError:
            return False
        return True

    def refresh(self, name: str) -> None:
        self._get(name).index.reload()

    @contextlib.contextmanager
    def _writer(self, name: str, heap: int, threads: int) -> Iterator[Any]:
        """A writer whose additions are committed and visible when the block ends, or
        rolled back when it raises."""
        opened = self._get(name)
        with opened.write_lock:
            try:
                writer = opened.index.writer(heap, threads)
            except ValueError as exc:  # another process holds tantivy's writer lock
                raise b.SearchBackendError(f"search index {name} is locked: {exc}") from exc
            try:
                yield writer
                writer.commit()
            except BaseException:
                writer.rollback()
                raise
            finally:
                writer.wait_merging_threads()
            opened.index.reload()

    def write(self, name: str, upserts: list[dict[str, Any]], deletes: list[str]) -> None:
        bulk = len(upserts) >= BULK_DOCS
        with self._writer(name, BULK_HEAP if bulk else SMALL_HEAP, 2 if bulk else 1) as writer:
            for doc in upserts:
                writer.delete_documents_by_term("id", doc["id"][0])
                writer.add_json(prepared(doc))
            for dataset_id in deletes:
                writer.delete_documents_by_term("id", dataset_id)

    def load(self, name: str, batches: Iterable[list[Any]]) -> int:
        """One writer and one commit for a whole rebuild: committing every batch made
        the commits and merges two thirds of the main process's time. Documents come as
        prepared() JSON from the workers (or as dicts), which tantivy reads without
        building Python objects."""
        added = 0
        with self._writer(name, self.rebuild_heap, 2) as writer:
            for docs in batches:
                for doc in docs:
                    writer.add_json(doc if isinstance(doc, str) else prepared(doc))
                added += len(docs)
        return added

    def preparer(self) -> Callable[[dict[str, Any]], str]:
        return prepared

    def search(self, name: str, request: b.SearchRequest) -> b.SearchResult:
        searcher = self._get(name).index.searcher()
        query = self.compile(request.query)
        counting: Future[Any] | None = None
        if request.facets and self._facet_pool is not None:
            counting = self._facet_pool.submit(self._facets, searcher, query, request.facets)
        key, descending = request.sort[0] if request.sort else ("score", True)
        limit = max(request.rows, 1)  # tantivy panics on a limit of 0
        # With facets, the aggregation walks every match anyway and counts them too; the
        # top-k search can then skip what cannot rank.
        count = not request.facets
        try:
            try:
                if key == "score":
                    found = searcher.search(query, limit, count=count, offset=request.start)
                else:
                    order = tantivy.Order.Desc if descending else tantivy.Order.Asc
                    found = searcher.search(query, limit, count=count, offset=request.start,
                                            order_by_field=key, order=order)
                docs = [orjson.loads(searcher.doc(address)[b.STORED_FIELD][0])
                        for _, address in found.hits[:request.rows]]
            finally:
                counted = counting.result() if counting is not None else None
            result = b.SearchResult(count=found.count or 0, docs=docs)
            if request.facets:
                result.count, result.facets = counted or self._facets(searcher, query,
                                                                      request.facets)
        except ValueError as exc:
            raise b.SearchBackendError(str(exc)) from exc
        return result

    def _facets(self, searcher: Any, query: Query, facets: tuple[b.FacetRequest, ...]
                ) -> tuple[int, dict[str, list[tuple[str, int]]]]:
        """(number of matches, facet counts) from one aggregation."""
        spec: dict[str, Any] = {}
        for f in facets:
            if f.field in COMBINED:
                spec[f.name] = {"terms": {"field": COMBINED[f.field], "size": ALL_VALUES}}
            else:
                spec[f.name] = {"terms": {"field": f.field, "min_doc_count": max(f.mincount, 1),
                                          "size": ALL_VALUES if f.limit < 0 else f.limit + 20}}
        # Every document has a modification time: its value count is the match count.
        spec[MATCH_COUNT] = {"value_count": {"field": "metadata_modified"}}
        raw = searcher.aggregate(query, spec)
        out: dict[str, list[tuple[str, int]]] = {}
        for f in facets:
            counts: dict[str, int] = {}
            for x in raw[f.name]["buckets"]:
                values = (str(x["key"]).split(COMBINED_SEPARATOR) if f.field in COMBINED
                          else (str(x["key"]),))
                for value in values:
                    counts[value] = counts.get(value, 0) + int(x["doc_count"])
            buckets = sorted(((k, n) for k, n in counts.items() if n >= f.mincount),
                             key=lambda kv: (-kv[1], kv[0]))
            out[f.name] = buckets if f.limit < 0 else buckets[:f.limit]
        return int(raw[MATCH_COUNT]["value"] or 0), out

    def versions(self, name: str) -> dict[str, str]:
        searcher = self._get(name).index.searcher()
        total = searcher.num_docs
        out: dict[str, str] = {}
        if not total:
            return out
        found = searcher.search(Query.all_query(), total, count=False)
        for _, address in found.hits:
            doc = searcher.doc(address)
            out[doc["id"][0]] = doc["version"][0]
        return out

    def close(self) -> None:
        with self._lock:
            self._open.clear()
        if self._facet_pool is not None:
            self._facet_pool.shutdown(wait=False)

    # --- the query tree ----------------------------------------------------

    def compile(self, node: b.Node) -> Query:
        schema = self.schema
        if isinstance(node, b.Term):
            return self._boost(Query.term_query(schema, node.field, node.value), node.boost)
        if isinstance(node, b.Phrase):
            if len(node.tokens) == 1:
                query = Query.term_query(schema, node.field, node.tokens[0])
            else:
                query = Query.phrase_query(schema, node.field, list(node.tokens))
            return self._boost(query, node.boost)
        if isinstance(node, b.Range):
            if node.low is None and node.high is None:
                return Query.all_query()
            try:
                return Query.range_query(schema, node.field, tantivy.FieldType.Integer,
                                         node.low, node.high)
            except ValueError as exc:
                raise b.SearchBackendError(f"range on {node.field}: {exc}") from exc
        if isinstance(node, b.MatchAll):
            return Query.all_query()
        if isinstance(node, b.MatchNone):
            return Query.empty_query()
        if isinstance(node, b.Bool):
            return self._bool(node)
        raise TypeError(node)

    def _bool(self, node: b.Bool) -> Query:
        clauses: list[tuple[Occur, Query]] = []
        clauses += [(Occur.Must, self.compile(n)) for n in node.must]
        clauses += [(Occur.Must, Query.const_score_query(self.compile(n), 0.0))
                    for n in node.filter]
        positive = bool(clauses)
        shoulds = [(Occur.Should, self.compile(n)) for n in node.should]
        if shoulds and positive and node.min_should:
            clauses.append((Occur.Must, Query.boolean_query(shoulds)))
        elif shoulds:
            clauses += shoulds
            positive = True
        if not positive:
            clauses.append((Occur.Must, Query.const_score_query(Query.all_query(), 0.0)))
        clauses += [(Occur.MustNot, self.compile(n)) for n in node.must_not]
        return Query.boolean_query(clauses)

    @staticmethod
    def _boost(query: Query, boost: float) -> Query:
        return query if boost == 1.0 else Query.boost_query(query, boost)


def prepared(doc: dict[str, Any]) -> str:
    """An index document as the JSON tantivy's add_json reads (the one encoding of our
    documents for tantivy). Made in a rebuild's worker processes, it spares the process
    that writes the index unpickling and converting each document's fields (a quarter
    of its time)."""
    out: dict[str, Any] = {name: doc.get(name, []) for name in b.KEYWORD_FIELDS}
    for name, combined in COMBINED.items():
        if doc.get(name):
            out[combined] = COMBINED_SEPARATOR.join(sorted(doc[name]))
    for name in b.TEXT_FIELDS:
        out[name] = doc.get(name, "")
    out[b.TRIGRAM_FIELD] = cjk_runs(doc.get("chars", ""))
    for name in b.TIME_FIELDS:
        out[name] = int(doc.get(name, 0))
    out[b.STORED_FIELD] = doc[b.STORED_FIELD]
    return orjson.dumps(out).decode()
