"""A catalog entry as an index document (the fields listed in portal.search.backend).

Built from the package dict the API returns, so search results are served from
the index without touching the database (CKAN stores its validated dict in
Solr for the same reason). `version` is a digest of everything the document
is made from: `shuyuan search check` compares it with what the database would
give now.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from typing import Any

import orjson

from portal.search.analysis import CJK, Analyzer, remember
from portal.search.title_order import title_key

FACET_SEPARATOR = "\x1f"
# Between the parts of the char field, so a phrase cannot match across two of them.
PART_BREAK = "|"


def visibility(dict_: dict[str, Any]) -> dict[str, Any]:
    """The parts of a dataset that decide who may find it."""
    return {
        "state": dict_["publication_state"],
        "private": bool(dict_["private"]),
        "owner_org": dict_["owner_org"] or "",
    }


def stored(data: dict[str, Any]) -> str:
    """The package dict as stored in the index (package_dict's key order is fixed); values
    JSON does not know (datetimes) as str() gives them."""
    return orjson.dumps(data, default=str, option=orjson.OPT_PASSTHROUGH_DATETIME).decode()


def version_of(data: dict[str, Any], raw: str | None = None) -> str:
    raw = stored(data) if raw is None else raw
    return hashlib.sha1(raw.encode("utf-8")).hexdigest()


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def micros(moment: datetime) -> int:
    """Microseconds since the epoch; naive datetimes are UTC (as the database stores them)."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    delta = aware - EPOCH
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def _time(value: str | None) -> int:
    return micros(datetime.fromisoformat(value)) if value else 0


def _facet(name: str, display: str) -> str:
    return f"{name}{FACET_SEPARATOR}{display or name}"


def split_facet(value: str) -> tuple[str, str]:
    name, _, display = value.partition(FACET_SEPARATOR)
    return name, display or name


def pairs(tokens: list[str]) -> list[str]:
    """Overlapping pairs of character tokens (道路交通 -> 道路 路交 交通). A typed word of
    two or more tokens is found as a phrase of its pairs: rarer terms than single
    characters, so far less to intersect; one pair is a plain term lookup."""
    return [a + b for a, b in zip(tokens, tokens[1:], strict=False)]


def triples(tokens: list[str]) -> list[str]:
    """Overlapping runs of three character tokens (道路交通 -> 道路交 路交通)."""
    return [a + b + c for a, b, c in zip(tokens, tokens[1:], tokens[2:], strict=False)]


_NOT_CJK = re.compile(f"[^{CJK}]+")


def cjk_runs(chars: str) -> str:
    """The runs of ideographs standing together in one part of a `chars` field, joined
    by "|" (part breaks and Latin runs end a run). The embedded backend cuts it into
    three-character n-grams itself; only those without "|" are ever looked up."""
    return _NOT_CJK.sub("|", chars.replace(" ", ""))


_CJK_TRIPLE = re.compile(f"(?=([{CJK}]{{3}}))")


def cjk_triples(chars: str) -> list[str]:
    """The trigrams field's terms: every three ideographs standing together in a part."""
    return _CJK_TRIPLE.findall(cjk_runs(chars))


def searchable_text(data: dict[str, Any]) -> tuple[list[str], list[str]]:
    """What a free-text query looks in: (parts segmented into words, the title first and
    always present; parts matched by their characters only).

    Every part is in the char fields, so every typed word can match anywhere; only the
    parts that describe the entry also rank by words. Segmenting resource names and
    descriptions, data items and codes as well would double a rebuild (jieba is its
    cost) for little better ranking."""
    org = data.get("organization") or {}
    # Tags, organization and group titles one by one: they repeat across the catalog,
    # and the analyzer remembers the words of short texts.
    described = [data.get("notes") or "", *(t["name"] for t in data.get("tags", [])),
                 org.get("title") or "", data.get("category_path") or "",
                 *(g.get("title") or g["name"] for g in data.get("groups", []))]
    listed = [data.get("name") or "", data.get("resource_code") or "",
              " ".join(str(i.get("name", "")) if isinstance(i, dict) else str(i)
                       for i in data.get("data_items") or []),
              " ".join((r.get("name") or "") + " " + (r.get("description") or "")
                       for r in data.get("resources", []))]
    return ([data.get("title") or ""] + [p for p in described if p], [p for p in listed if p])


# Short parts (tags, organization and group titles, resource names) repeat across a
# catalog: their char and pair tokens are remembered, up to CHAR_CACHE_SIZE of them.
CHAR_CACHE_TEXT = 64
CHAR_CACHE_SIZE = 100_000
_char_cache: dict[str, tuple[str, str]] = {}


def _char_fields(part: str, analyzer: Analyzer) -> tuple[str, str]:
    """A part's char tokens and their pairs, each ending with PART_BREAK: the separator
    keeps a phrase (or a trigram) from matching across two parts."""
    found = _char_cache.get(part)
    if found is None:
        tokens = analyzer.char_tokens(part)
        found = (" ".join([*tokens, PART_BREAK]), " ".join([*pairs(tokens), PART_BREAK]))
        if len(part) <= CHAR_CACHE_TEXT:
            remember(_char_cache, part, found, CHAR_CACHE_SIZE)
    return found


def build(data: dict[str, Any], analyzer: Analyzer) -> dict[str, Any]:
    """The index document for one package dict (see backend.FIELDS for the types)."""
    org = data.get("organization") or {}
    segmented, listed = searchable_text(data)
    words: list[str] = []
    chars: list[str] = []
    bigrams: list[str] = []
    title_words = analyzer.words(data.get("title") or "")
    title_search = analyzer.search_words(title_words)
    for number, part in enumerate(segmented):
        # segmented[0] is the title: segmented once, above.
        words += title_search if number == 0 else analyzer.index_words(part)
    for part in segmented + listed:
        part_chars, part_bigrams = _char_fields(part, analyzer)
        chars.append(part_chars)
        bigrams.append(part_bigrams)
    title = data.get("title") or ""
    formats = sorted({(r.get("format") or "").upper() for r in data.get("resources", [])} - {""})
    seen = visibility(data)
    raw = stored(data)
    return {
        "id": [data["id"]],
        "name": [data["name"]],
        "state": [seen["state"]],
        "private": ["true" if seen["private"] else "false"],
        "owner_org": [seen["owner_org"]] if seen["owner_org"] else [],
        "organization": [org["name"]] if org.get("name") else [],
        "organization_facet": [_facet(org["name"], org.get("title") or "")]
        if org.get("name") else [],
        "tags": sorted({t["name"] for t in data.get("tags", [])}),
        "groups": sorted({g["name"] for g in data.get("groups", [])}),
        "groups_facet": sorted({_facet(g["name"], g.get("title") or "")
                                for g in data.get("groups", [])}),
        "res_format": formats,
        **{key: [str(data[key])] if data.get(key) else []
           for key in ("open_type", "share_type", "classification", "update_period",
                       "license_id", "grading", "resource_code")},
        "dataset_type": [data.get("type") or "dataset"],
        # Titles sort in pinyin order, then by name so that equal titles keep one order.
        # (Named apart from the old code-point key so an older index counts as missing.)
        "title_pinyin": [f"{title_key(title)}{FACET_SEPARATOR}{data['name']}"],
        "version": [version_of(data, raw)],
        "text": " ".join(words),
        "title": " ".join(title_search),
        "chars": " ".join(chars),
        "bigrams": " ".join(bigrams),
        "pinyin": " ".join(analyzer.pinyin_tokens(title_words)),
        "metadata_modified": _time(data.get("metadata_modified")),
        "metadata_created": _time(data.get("metadata_created")),
        "data": raw,
    }
