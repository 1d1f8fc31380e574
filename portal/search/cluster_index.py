"""The cluster search backend: OpenSearch 2/3 or Elasticsearch 8/9 over HTTP.

One physical index per portal index name, the same design on both engines:

- a custom analyzer (whitespace tokenizer + lowercase filter) on the text
  fields, positions on the character-pair field only (phrases), so the tokens our own analyzer made
  (`portal.search.analysis`) reach the engine unchanged: no cluster plugin,
  and the cluster matches what the embedded index matches;
- keyword fields as `keyword` (filters, facets, sorts), time fields as `long`
  (integer microseconds), `data` (the package dict as JSON text) neither
  indexed nor in doc values: results come back from `_source.data`. The text
  fields are left out of `_source` (they are made again from the database by
  `shuyuan search reindex`, never by the engine's own reindex);
- one shard, so that facet counts are exact and scores use the whole index's
  statistics (a county catalog is far below one shard's comfortable size);
- `index.max_result_window` raised so that `start` up to 100,000 (what
  package_search allows) pages as deep as on the embedded index.

`search()` translates the query tree node by node (Term -> `term`, Phrase ->
`match_phrase` with slop 0, Range -> `range`, filters in `bool.filter`) and
facets as `terms` aggregations, re-sorted and cut in Python exactly as
`tantivy_index` does. Writes go through `_bulk` with `refresh=true`; a write
to an index that does not exist fails instead of letting the engine create
one with dynamic mappings.

The clients: opensearch-py for OpenSearch; for Elasticsearch the official
`elasticsearch` client, whose transport (node pool, retries, TLS, the
credentials in the URL) carries every request. Requests are made below the
client's API methods because those methods always send the client's REST
compatibility media type (`application/vnd.elasticsearch+json;
compatible-with=9` for client 9), which Elasticsearch 8 servers and
OpenSearch-compatible servers reject. We send plain `application/json` (and
`application/x-ndjson` for `_bulk`), Elasticsearch's native media types on
8.x and 9.x alike, so one installed client serves both major versions.

What was verified: both clients against osmem-server (an in-memory
OpenSearch-compatible server reporting OpenSearch 3.8): the contract suite
(tests/search/test_contract.py) gives the same results as the embedded index
through either client, and a whole portal runs on the opensearch backend
(tests/search/test_cluster_portal.py); versions() and deep paging were tried
by hand at 100,000 documents. What was not: a real OpenSearch or
Elasticsearch cluster (none is reachable from the test machines). For
Elasticsearch the index body and queries use only APIs documented alike for
8.x and 9.x, and plain JSON media types are what ES itself answers with.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol
from urllib.parse import urlencode, urlsplit, urlunsplit

from portal.search import backend as b
from portal.search.document import cjk_triples
from portal.settings import Settings

ANALYZER = "shuyuan_ws"
# Deep enough for package_search's largest start (100,000) plus a page of rows.
MAX_RESULT_WINDOW = 200_000
# Facets with limit -1: as many values as the embedded backend counts.
ALL_VALUES = 65_000
# Page size when listing every document's version.
VERSIONS_PAGE = 10_000
# A _bulk request is split before it grows past this many bytes.
BULK_BYTES = 8_000_000
DEFAULT_TIMEOUT = 30.0
# Index names the engines accept (lowercase, no wildcards or separators).
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,200}$")


def index_body() -> dict[str, Any]:
    """Settings and mappings of one index."""
    properties: dict[str, Any] = {}
    for name in b.KEYWORD_FIELDS:
        properties[name] = {"type": "keyword"}
    for name in b.TEXT_FIELDS:
        properties[name] = {"type": "text", "analyzer": ANALYZER,
                            "index_options": "positions" if name in b.POSITION_FIELDS
                            else "freqs"}
    properties[b.TRIGRAM_FIELD] = {"type": "text", "analyzer": ANALYZER, "index_options": "freqs"}
    for name in b.TIME_FIELDS:
        properties[name] = {"type": "long"}
    properties[b.STORED_FIELD] = {"type": "keyword", "index": False, "doc_values": False}
    return {
        "settings": {
            "index": {"number_of_shards": 1, "max_result_window": MAX_RESULT_WINDOW},
            "analysis": {"analyzer": {ANALYZER: {
                "type": "custom", "tokenizer": "whitespace", "filter": ["lowercase"]}}},
        },
        "mappings": {
            "dynamic": "strict",
            "_source": {"excludes": [*b.TEXT_FIELDS, b.TRIGRAM_FIELD]},
            "properties": properties,
        },
    }


# --- the wire: one HTTP request through either client ----------------------

class _HttpError(Exception):
    def __init__(self, status: int, kind: str, reason: str) -> None:
        super().__init__(f"{status} {kind}: {reason}" if kind else f"{status} {reason}")
        self.status = status
        self.kind = kind


class _Unreachable(Exception):
    """The request did not get an HTTP answer (connection refused, timeout, TLS...)."""


def _error_parts(status: int, body: Any) -> _HttpError:
    kind, reason = "", str(body)[:500]
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict):
            kind = str(error.get("type", ""))
            reason = str(error.get("reason", error))[:500]
        else:
            reason = str(error)[:500]
    return _HttpError(status, kind, reason)


class _Wire(Protocol):
    def request(self, method: str, path: str, *, params: dict[str, str] | None = None,
                body: Any = None, ndjson: bool = False) -> tuple[int, Any]: ...

    def close(self) -> None: ...


class _OpenSearchWire:
    def __init__(self, hosts: list[str], timeout: float) -> None:
        from opensearchpy import OpenSearch

        self.client = OpenSearch(hosts=hosts, timeout=timeout, max_retries=2,
                                 retry_on_timeout=True)

    def request(self, method: str, path: str, *, params: dict[str, str] | None = None,
                body: Any = None, ndjson: bool = False) -> tuple[int, Any]:
        from opensearchpy.exceptions import ConnectionError as Unreachable
        from opensearchpy.exceptions import OpenSearchException, TransportError

        headers = {"content-type": "application/x-ndjson"} if ndjson else None
        try:
            found = self.client.transport.perform_request(method, path, params=params,
                                                          body=body, headers=headers)
        except Unreachable as exc:
            raise _Unreachable(str(exc)) from exc
        except TransportError as exc:
            status = exc.status_code if isinstance(exc.status_code, int) else 0
            raise _error_parts(status, exc.info) from exc
        except OpenSearchException as exc:  # serialization and configuration errors
            raise _Unreachable(str(exc)) from exc
        if method == "HEAD":
            return (200 if found else 404), None
        return 200, found

    def close(self) -> None:
        self.client.close()


class _ElasticsearchWire:
    def __init__(self, hosts: list[str], timeout: float) -> None:
        from elasticsearch import Elasticsearch

        self.client = Elasticsearch(hosts, request_timeout=timeout, max_retries=2,
                                    retry_on_timeout=True)
        self.timeout = timeout

    def request(self, method: str, path: str, *, params: dict[str, str] | None = None,
                body: Any = None, ndjson: bool = False) -> tuple[int, Any]:
        from elastic_transport import SerializationError, TransportError

        headers = {"accept": "application/json"}
        if body is not None:
            headers["content-type"] = "application/x-ndjson" if ndjson else "application/json"
        target = f"{path}?{urlencode(params)}" if params else path
        try:
            found = self.client.transport.perform_request(
                method, target, headers=headers, body=body, request_timeout=self.timeout)
        except (TransportError, SerializationError) as exc:
            raise _Unreachable(str(exc)) from exc
        status = found.meta.status
        if status >= 300 and not (method == "HEAD" and status == 404):
            raise _error_parts(status, found.body)
        return status, found.body

    def close(self) -> None:
        self.client.close()


def _public_url(url: str) -> str:
    """The URL without credentials, for messages."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


# --- the backend -------------------------------------------------------------

class ClusterIndex:
    """`url`: one node's URL, or several separated by commas (credentials may be in them:
    https://user:password@host:9200)."""

    def __init__(self, url: str, kind: str = "opensearch", *,
                 timeout: float = DEFAULT_TIMEOUT) -> None:
        if kind not in ("opensearch", "elasticsearch"):
            raise ValueError(f"cluster kind must be opensearch or elasticsearch, not {kind!r}")
        hosts = [u.strip() for u in url.split(",") if u.strip()]
        if not hosts:
            raise ValueError(f"[search] url must be set for the {kind} backend")
        self.kind = kind
        self.url = url
        self._where = f"{kind} at {', '.join(_public_url(u) for u in hosts)}"
        try:
            self._wire: _Wire = (_OpenSearchWire(hosts, timeout) if kind == "opensearch"
                                 else _ElasticsearchWire(hosts, timeout))
        except ValueError as exc:
            raise ValueError(f"[search] url for {self._where}: {exc}") from exc

    @classmethod
    def from_settings(cls, settings: Settings) -> ClusterIndex:
        kind = str(settings.get("search", "backend", "opensearch"))
        return cls(str(settings.get("search", "url", "") or ""), kind,
                   timeout=float(settings.get("search", "timeout", DEFAULT_TIMEOUT)))

    # --- requests ------------------------------------------------------------

    @contextmanager
    def _errors(self, what: str) -> Iterator[None]:
        try:
            yield
        except _Unreachable as exc:
            raise b.SearchBackendError(f"cannot reach {self._where} ({what}): {exc}") from exc
        except _HttpError as exc:
            if exc.kind == "index_not_found_exception":
                raise b.SearchBackendError(
                    f"{what}: the search index does not exist ({self._where})") from exc
            raise b.SearchBackendError(f"{self._where} refused {what}: {exc}") from exc

    def _call(self, what: str, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        with self._errors(what):
            return self._wire.request(method, path, **kwargs)

    def _path(self, name: str) -> str:
        if not _NAME.match(name):
            raise b.SearchBackendError(
                f"bad index name {name!r} (lowercase letters, digits, '.', '_' and '-')")
        return "/" + name

    # --- SearchIndex ---------------------------------------------------------

    def create(self, name: str) -> None:
        path = self._path(name)
        self.drop(name)
        self._call(f"creating index {name}", "PUT", path, body=index_body())

    def drop(self, name: str) -> None:
        path = self._path(name)
        with self._errors(f"deleting index {name}"):
            try:
                self._wire.request("DELETE", path, params={"ignore_unavailable": "true"})
            except _HttpError as exc:
                if exc.status != 404:
                    raise

    def exists(self, name: str) -> bool:
        status, _ = self._call(f"looking up index {name}", "HEAD", self._path(name))
        return status == 200

    def refresh(self, name: str) -> None:
        """Nothing to do: every write is refreshed before it returns, for every client."""

    def preparer(self) -> None:
        """Documents travel as dicts: the bulk request is built here."""
        return None

    def load(self, name: str, batches: Iterable[list[dict[str, Any]]]) -> int:
        added = 0
        for docs in batches:
            self.write(name, docs, [])
            added += len(docs)
        return added

    def write(self, name: str, upserts: list[dict[str, Any]], deletes: list[str]) -> None:
        if not upserts and not deletes:
            return
        if not self.exists(name):
            # _bulk would create it with dynamic mappings.
            raise b.SearchBackendError(f"search index {name} does not exist ({self._where})")
        lines: list[str] = []
        for doc in upserts:
            lines.append(json.dumps({"index": {"_index": name, "_id": doc["id"][0]}}))
            lines.append(json.dumps(self._source(doc), ensure_ascii=False))
        for dataset_id in deletes:
            lines.append(json.dumps({"delete": {"_index": name, "_id": dataset_id}}))
        chunks = list(self._chunks(lines, len(upserts)))
        for i, chunk in enumerate(chunks):
            last = i == len(chunks) - 1
            _, found = self._call(f"writing to index {name}", "POST", "/_bulk",
                                  params={"refresh": "true" if last else "false"},
                                  body=chunk, ndjson=True)
            self._check_bulk(name, found)

    @staticmethod
    def _chunks(lines: list[str], upserts: int) -> Iterator[str]:
        """ndjson bodies of at most BULK_BYTES (an action and its source stay together)."""
        pairs: list[list[str]] = [lines[i:i + 2] for i in range(0, 2 * upserts, 2)]
        pairs += [[line] for line in lines[2 * upserts:]]
        body: list[str] = []
        size = 0
        for pair in pairs:
            grow = sum(len(line.encode("utf-8")) + 1 for line in pair)
            if body and size + grow > BULK_BYTES:
                yield "\n".join(body) + "\n"
                body, size = [], 0
            body += pair
            size += grow
        if body:
            yield "\n".join(body) + "\n"

    def _check_bulk(self, name: str, found: Any) -> None:
        if not isinstance(found, dict) or "items" not in found:
            raise b.SearchBackendError(f"{self._where}: unexpected _bulk answer for {name}")
        if not found.get("errors"):
            return
        failed = []
        for item in found["items"]:
            for op, result in item.items():
                error = result.get("error")
                if error:  # a delete of a missing id is "not_found" without an error
                    reason = error.get("reason", error) if isinstance(error, dict) else error
                    failed.append(f"{op} {result.get('_id')}: {reason}")
        if failed:
            more = f" (and {len(failed) - 3} more)" if len(failed) > 3 else ""
            raise b.SearchBackendError(f"{self._where} rejected documents in {name}: "
                                       + "; ".join(failed[:3]) + more)

    @staticmethod
    def _source(doc: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in b.KEYWORD_FIELDS:
            out[name] = list(doc.get(name, []))
        for name in b.TEXT_FIELDS:
            out[name] = doc.get(name, "")
        out[b.TRIGRAM_FIELD] = " ".join(cjk_triples(doc.get("chars", "")))
        for name in b.TIME_FIELDS:
            out[name] = int(doc.get(name, 0))
        out[b.STORED_FIELD] = doc[b.STORED_FIELD]
        return out

    def search(self, name: str, request: b.SearchRequest) -> b.SearchResult:
        body: dict[str, Any] = {
            "query": self.compile(request.query),
            "sort": self.sort(request.sort),
            "from": request.start,
            "size": request.rows,
            "track_total_hits": True,
            "_source": [b.STORED_FIELD],
        }
        if request.facets:
            body["aggs"] = {
                f"f{i}": {"terms": {"field": f.field, "min_doc_count": max(f.mincount, 1),
                                    "size": ALL_VALUES if f.limit < 0 else f.limit + 20}}
                for i, f in enumerate(request.facets)
            }
        _, found = self._call(f"searching index {name}", "POST", f"{self._path(name)}/_search",
                              body=body)
        try:
            total = found["hits"]["total"]
            count = int(total["value"] if isinstance(total, dict) else total)
            docs = [json.loads(hit["_source"][b.STORED_FIELD]) for hit in found["hits"]["hits"]]
        except (KeyError, TypeError, ValueError) as exc:
            raise b.SearchBackendError(
                f"{self._where}: unexpected search answer for {name}: {exc!r}") from exc
        result = b.SearchResult(count=count, docs=docs)
        for i, f in enumerate(request.facets):
            raw = found.get("aggregations", {}).get(f"f{i}", {}).get("buckets", [])
            buckets = [(str(x["key"]), int(x["doc_count"])) for x in raw]
            buckets.sort(key=lambda kv: (-kv[1], kv[0]))
            result.facets[f.name] = buckets if f.limit < 0 else buckets[:f.limit]
        return result

    @staticmethod
    def sort(keys: tuple[tuple[str, bool], ...]) -> list[dict[str, Any]]:
        """Every key in order (score always descending, as on the embedded index), then
        `name` ascending so that ties come out in one order."""
        out: list[dict[str, Any]] = []
        seen: set[str] = set()
        for key, descending in keys or (("score", True),):
            if key in seen:
                continue
            seen.add(key)
            if key == "score":
                out.append({"_score": {"order": "desc"}})
            else:
                out.append({key: {"order": "desc" if descending else "asc"}})
        if "name" not in seen:
            out.append({"name": {"order": "asc"}})
        return out

    def versions(self, name: str) -> dict[str, str]:
        out: dict[str, str] = {}
        after: list[Any] | None = None
        while True:
            body: dict[str, Any] = {
                "query": {"match_all": {}}, "size": VERSIONS_PAGE,
                "sort": [{"id": {"order": "asc"}}], "_source": ["id", "version"],
                "track_total_hits": False,
            }
            if after is not None:
                body["search_after"] = after
            _, found = self._call(f"listing index {name}", "POST",
                                  f"{self._path(name)}/_search", body=body)
            hits = found["hits"]["hits"]
            for hit in hits:
                source = hit["_source"]
                out[source["id"][0]] = source["version"][0]
            if len(hits) < VERSIONS_PAGE:
                return out
            after = hits[-1]["sort"]

    def close(self) -> None:
        self._wire.close()

    # --- the query tree ----------------------------------------------------

    def compile(self, node: b.Node) -> dict[str, Any]:
        if isinstance(node, b.Term):
            return {"term": {node.field: _boosted({"value": node.value}, node.boost)}}
        if isinstance(node, b.Phrase):
            if len(node.tokens) == 1:
                return {"term": {node.field: _boosted({"value": node.tokens[0]}, node.boost)}}
            # The field's analyzer splits on whitespace only: these tokens, in this order.
            return {"match_phrase": {node.field: _boosted(
                {"query": " ".join(node.tokens), "slop": 0}, node.boost)}}
        if isinstance(node, b.Range):
            bounds: dict[str, int] = {}
            if node.low is not None:
                bounds["gte"] = node.low
            if node.high is not None:
                bounds["lte"] = node.high
            return {"range": {node.field: bounds}}
        if isinstance(node, b.MatchAll):
            return {"match_all": {}}
        if isinstance(node, b.MatchNone):
            return {"match_none": {}}
        if isinstance(node, b.Bool):
            return self._bool(node)
        raise TypeError(node)

    def _bool(self, node: b.Bool) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if node.must:
            out["must"] = [self.compile(n) for n in node.must]
        if node.filter:
            out["filter"] = [self.compile(n) for n in node.filter]
        if node.should:
            out["should"] = [self.compile(n) for n in node.should]
            # One should clause is required when asked, or when nothing else is positive
            # (the embedded index treats min_should as "at least one" too).
            required = node.min_should or not (node.must or node.filter)
            out["minimum_should_match"] = 1 if required else 0
        if node.must_not:
            out["must_not"] = [self.compile(n) for n in node.must_not]
        return {"bool": out}


def _boosted(clause: dict[str, Any], boost: float) -> dict[str, Any]:
    if boost != 1.0:
        clause["boost"] = boost
    return clause
