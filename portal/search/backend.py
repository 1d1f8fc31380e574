"""What a search backend must do, in terms both backends implement alike.

The portal never hands a backend a query string: `portal.search.plan` turns
CKAN's q/fq and the caller's visibility into the small query tree below, with
words already segmented by jieba (`portal.search.analysis`). A backend only
translates the tree node by node (tantivy queries, OpenSearch query DSL), so
the embedded index and a cluster match the same documents.

Index fields (`FIELDS`): keyword fields hold exact values (filters, facets,
sorts); text fields hold space-separated tokens made by our analyzer and must
be split on whitespace and lowercased by the backend, keeping positions;
time fields hold integer microseconds since 1970-01-01 UTC (exact on both
engines, unlike their date types); `data` is the stored package dict.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

# Exact-value fields; every one may hold several values per document.
KEYWORD_FIELDS = (
    "id", "name", "state", "private", "owner_org", "organization", "tags", "groups",
    "res_format", "open_type", "share_type", "classification", "update_period", "license_id",
    "grading", "resource_code", "dataset_type", "organization_facet", "groups_facet",
    "title_pinyin", "version",
)
# Whitespace-separated token fields. Only POSITION_FIELDS keep positions (Phrase nodes
# name no other field): positions of every character would double a rebuild.
TEXT_FIELDS = ("text", "title", "chars", "bigrams", "pinyin")
# A field each backend derives from `chars` (document.cjk_triples): every three CJK
# characters standing together within one part, so a three-character word is one term
# lookup instead of a phrase query. Term nodes on it only ever hold three ideographs.
TRIGRAM_FIELD = "trigrams"
POSITION_FIELDS = ("bigrams",)
# Integer microseconds since the epoch (UTC).
TIME_FIELDS = ("metadata_modified", "metadata_created")
# The stored package dict (JSON text), returned as search results.
STORED_FIELD = "data"
FIELDS = KEYWORD_FIELDS + TEXT_FIELDS + TIME_FIELDS + (STORED_FIELD,)
# Sort keys a request may use besides "score".
SORT_FIELDS = ("metadata_modified", "metadata_created", "title_pinyin", "name")


# --- the query tree -------------------------------------------------------

@dataclass(frozen=True)
class Term:
    """A keyword field holds `value` exactly, or a text field holds the token `value`."""
    field: str
    value: str
    boost: float = 1.0


@dataclass(frozen=True)
class Phrase:
    """A position field (POSITION_FIELDS) holds these tokens at consecutive positions."""
    field: str
    tokens: tuple[str, ...]
    boost: float = 1.0


@dataclass(frozen=True)
class Range:
    """A time field lies within [low, high] (inclusive); None leaves that side open."""
    field: str
    low: int | None = None
    high: int | None = None


@dataclass(frozen=True)
class MatchAll:
    pass


@dataclass(frozen=True)
class MatchNone:
    pass


@dataclass(frozen=True)
class Bool:
    """All `must` and `filter` match, no `must_not` matches, and at least one
    `should` matches when `min_should` is 1 or there is no must/filter (as in
    Elasticsearch). `filter` clauses add nothing to the score; `should` clauses
    add to it whether or not they are required. A Bool with no positive clause
    at all (only must_not, or nothing) matches every document not excluded.
    """
    must: tuple[Node, ...] = ()
    should: tuple[Node, ...] = ()
    must_not: tuple[Node, ...] = ()
    filter: tuple[Node, ...] = ()
    min_should: int = 0


Node = Term | Phrase | Range | MatchAll | MatchNone | Bool


# --- requests and results -------------------------------------------------

@dataclass(frozen=True)
class FacetRequest:
    name: str          # the facet as CKAN names it ("organization")
    field: str         # the keyword field counted ("organization_facet")
    limit: int         # -1: every value
    mincount: int = 1


@dataclass(frozen=True)
class SearchRequest:
    query: Node
    # ("score" | a SORT_FIELDS name, descending?) in priority order. A backend
    # must honour the first key; further keys break ties where it can.
    sort: tuple[tuple[str, bool], ...] = (("score", True),)
    start: int = 0
    rows: int = 10
    facets: tuple[FacetRequest, ...] = ()


@dataclass
class SearchResult:
    count: int
    # The stored `data` of each hit, in order, parsed from JSON.
    docs: list[dict[str, Any]] = field(default_factory=list)
    # facet name -> [(value, count)], count descending then value ascending,
    # cut to the request's limit.
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)


class SearchBackendError(Exception):
    """The search engine failed or cannot be reached (the action maps it to a 503-like error)."""


class SearchIndex(Protocol):
    """A search engine holding any number of physical indexes, each named by the portal.

    `name` values come from the portal's search_state table; the backend adds
    nothing to them (the cluster backend prefixes nothing either: the name
    already carries the configured prefix).
    """

    kind: str  # "embedded" | "opensearch" | "elasticsearch"

    def create(self, name: str) -> None:
        """Create an empty index; replaces one of the same name left by a crashed build."""

    def drop(self, name: str) -> None:
        """Remove an index; no error when it does not exist."""

    def exists(self, name: str) -> bool: ...

    def refresh(self, name: str) -> None:
        """Make changes written by other processes visible to this one's searches."""

    def write(self, name: str, upserts: list[dict[str, Any]], deletes: list[str]) -> None:
        """Add or replace documents (by their `id`) and delete ids; visible to
        searches once this returns (committed and refreshed)."""

    def load(self, name: str, batches: Iterable[list[dict[str, Any]]]) -> int:
        """Add every batch of documents to a new index (a rebuild), visible once this
        returns; returns how many were added. One commit for the lot where the engine
        commits (tantivy), bulk requests per batch on a cluster."""

    def preparer(self) -> Callable[[dict[str, Any]], Any] | None:
        """A module-level function turning a document into what `load` takes more cheaply
        than a dict, run in a rebuild's worker processes; None: plain dicts."""

    def search(self, name: str, request: SearchRequest) -> SearchResult: ...

    def versions(self, name: str) -> dict[str, str]:
        """id -> `version` of every document in the index (for `search check`)."""

    def close(self) -> None: ...

