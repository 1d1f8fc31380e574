"""CKAN's package_search parameters: q and fq (a Solr-like subset), sort, facet.field.

q and fq are parsed into a small syntax tree; `portal.search.plan` turns it
into the backend query. Supported, as Solr reads them:

    terms            公交 线路          every term must match (q.op AND)
    "phrases"        "道路交通事故"
    field:value      tags:交通  organization:sx-jtysj  res_format:CSV
    field:"value"    license_id:"cc-by"
    field:(a OR b)   tags:(公交 OR 客运)
    ranges           metadata_modified:[2024-01-01T00:00:00Z TO NOW]  {..} excludes ends
    AND OR NOT && || ! + -, parentheses, *:* (everything)

A q with an unbalanced quote (学校" or "学校) is searched as text, its quotes
dropped, as Solr's edismax does with a query it cannot parse; the search page
says so (`unbalanced_quotes`). Anything else (an unbalanced quote in fq or
parenthesis, an operator with nothing after it, an unknown field in fq, a
malformed range) is a Search Query Error.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from portal.core.errors import SearchQueryError
from portal.search import date_math

# Fields a q or fq clause may name with exact values.
FILTER_FIELDS = (
    "organization", "tags", "res_format", "groups", "open_type", "share_type",
    "classification", "update_period", "license_id", "grading", "name", "resource_code",
    "dataset_type", "owner_org", "publication_state", "id", "capacity",
)
# Fields holding text, searched by words.
TEXT_FIELDS = ("title", "notes", "text")
RANGE_FIELDS = ("metadata_modified", "metadata_created")
FACET_FIELDS = (
    "organization", "tags", "res_format", "groups", "license_id", "open_type", "share_type",
    "classification", "update_period", "grading",
)
DEFAULT_FACETS = ["organization", "groups", "tags", "res_format", "license_id"]
# CKAN sort names -> index sort keys.
SORTS = {
    "score": "score", "metadata_modified": "metadata_modified",
    "metadata_created": "metadata_created", "title_string": "title_pinyin", "name": "name",
    "title": "title_pinyin",
}
MAX_DEPTH = 20


# --- syntax tree ----------------------------------------------------------

@dataclass(frozen=True)
class Words:
    """Free text the user typed (one whitespace-separated chunk)."""
    text: str
    field: str = "text"


@dataclass(frozen=True)
class QuotedPhrase:
    text: str
    field: str = "text"


@dataclass(frozen=True)
class FieldMatch:
    field: str
    value: str


@dataclass(frozen=True)
class FieldRange:
    field: str
    low: str          # "*" for open
    high: str
    include_low: bool = True
    include_high: bool = True


@dataclass(frozen=True)
class Everything:
    pass


@dataclass(frozen=True)
class AllOf:
    items: tuple[Expr, ...]


@dataclass(frozen=True)
class AnyOf:
    items: tuple[Expr, ...]


@dataclass(frozen=True)
class NoneOf:
    item: Expr


Expr = Words | QuotedPhrase | FieldMatch | FieldRange | Everything | AllOf | AnyOf | NoneOf


# --- lexer ----------------------------------------------------------------

_LEX = re.compile(r"""
    (?P<space>\s+)
  | (?P<lparen>\()
  | (?P<rparen>\))
  | (?P<phrase>"(?:[^"\\]|\\.)*")
  | (?P<range>[\[{][^\]}]*[\]}])
  | (?P<field>[A-Za-z_][A-Za-z0-9_.]*:(?=[^\s)]))
  | (?P<op>&&|\|\||[+!-](?=\S))
  | (?P<word>[^\s()"]+)
""", re.VERBOSE)


@dataclass
class _Tok:
    kind: str
    text: str


def _lex(text: str, which: str) -> list[_Tok]:
    tokens: list[_Tok] = []
    pos = 0
    while pos < len(text):
        m = _LEX.match(text, pos)
        if m is None:  # only a lone quote gets here
            raise SearchQueryError(f"Unbalanced quotes in {which}: {text!r}")
        pos = m.end()
        kind = m.lastgroup or ""
        value = m.group()
        if kind == "space":
            continue
        if kind == "word" and value in ("AND", "OR", "NOT"):
            kind, value = "op", {"AND": "&&", "OR": "||", "NOT": "!"}[value]
        tokens.append(_Tok(kind, value))
    return tokens


# --- parser ---------------------------------------------------------------

class _Parser:
    def __init__(self, text: str, which: str) -> None:
        self.which = which
        self.text = text
        self.tokens = _lex(text, which)
        self.pos = 0
        self.depth = 0

    def error(self, message: str) -> SearchQueryError:
        return SearchQueryError(f"{message} in {self.which}: {self.text!r}")

    def peek(self) -> _Tok | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> _Tok:
        tok = self.tokens[self.pos]
        self.pos += 1
        return tok

    def parse(self) -> Expr:
        if not self.tokens:
            return Everything()
        expr = self.or_expr()
        if self.peek() is not None:
            raise self.error(f"Unexpected {self.peek().text!r}")  # type: ignore[union-attr]
        return expr

    def or_expr(self) -> Expr:
        items = [self.and_expr()]
        while (tok := self.peek()) and tok.kind == "op" and tok.text == "||":
            self.take()
            if self.peek() is None or self.peek().kind == "rparen":  # type: ignore[union-attr]
                raise self.error("OR with nothing after it")
            items.append(self.and_expr())
        return items[0] if len(items) == 1 else AnyOf(tuple(items))

    def and_expr(self) -> Expr:
        items = [self.unary()]
        while (tok := self.peek()) and tok.kind != "rparen" and tok.text != "||":
            if tok.kind == "op" and tok.text == "&&":
                self.take()
                if self.peek() is None:
                    raise self.error("AND with nothing after it")
            items.append(self.unary())
        return items[0] if len(items) == 1 else AllOf(tuple(items))

    def unary(self) -> Expr:
        tok = self.peek()
        if tok is None:
            raise self.error("Missing term")
        if tok.kind == "op" and tok.text in ("!", "-"):
            self.take()
            if self.peek() is None:
                raise self.error("NOT with nothing after it")
            return NoneOf(self.unary())
        if tok.kind == "op" and tok.text == "+":
            self.take()
            return self.unary()
        if tok.kind == "op":
            raise self.error(f"Unexpected {tok.text!r}")
        return self.primary()

    def group(self, inner: Any) -> Expr:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error("Too deeply nested")
        self.take()  # (
        if (tok := self.peek()) is not None and tok.kind == "rparen":
            raise self.error("Empty parentheses")
        expr = inner()
        tok = self.peek()
        if tok is None or tok.kind != "rparen":
            raise self.error("Unbalanced parentheses")
        self.take()
        self.depth -= 1
        return expr

    def primary(self) -> Expr:
        tok = self.peek()
        assert tok is not None
        if tok.kind == "lparen":
            return self.group(self.or_expr)
        if tok.kind == "rparen":
            raise self.error("Unbalanced parentheses")
        if tok.kind == "phrase":
            self.take()
            return QuotedPhrase(_unquote(tok.text))
        if tok.kind == "range":
            raise self.error(f"A range needs a field: {tok.text!r}")
        if tok.kind == "field":
            self.take()
            return self.field_value(tok.text[:-1])
        self.take()
        if tok.text in ("*:*", "*"):
            return Everything()
        return Words(tok.text)

    def field_value(self, name: str) -> Expr:
        tok = self.peek()
        if tok is None:
            raise self.error(f"{name}: needs a value")
        if name == "*":
            self.take()
            return Everything()
        if tok.kind == "lparen":
            return self.group(lambda: self._field_alternatives(name))
        self.take()
        if tok.kind == "range":
            return self.field_range(name, tok.text)
        if tok.kind not in ("phrase", "word"):
            raise self.error(f"{name}: needs a value")
        value = _unquote(tok.text) if tok.kind == "phrase" else tok.text
        return self.field_leaf(name, value, quoted=tok.kind == "phrase")

    def _field_alternatives(self, name: str) -> Expr:
        items: list[Expr] = []
        while (tok := self.peek()) and tok.kind != "rparen":
            self.take()
            if tok.kind == "op" and tok.text == "||":
                continue
            if tok.kind not in ("phrase", "word"):
                raise self.error(f"{name}:(...) takes values joined by OR")
            value = _unquote(tok.text) if tok.kind == "phrase" else tok.text
            items.append(self.field_leaf(name, value, quoted=tok.kind == "phrase"))
        if not items:
            raise self.error(f"{name}:() is empty")
        return items[0] if len(items) == 1 else AnyOf(tuple(items))

    def field_leaf(self, name: str, value: str, quoted: bool) -> Expr:
        if name in FILTER_FIELDS:
            if value == "*":
                return Everything() if name != "capacity" else FieldMatch(name, value)
            return FieldMatch(name, value)
        if name in TEXT_FIELDS:
            return QuotedPhrase(value, name) if quoted else Words(value, name)
        if name in RANGE_FIELDS:
            raise self.error(f"{name} takes a range like [2024-01-01T00:00:00Z TO NOW]")
        if self.which == "fq":
            raise self.error(f"Unknown field {name}")
        # In q, "http://..." or "时间:2024" is text to find, not a field.
        return QuotedPhrase(f"{name}:{value}") if quoted else Words(f"{name}:{value}")

    def field_range(self, name: str, text: str) -> Expr:
        if name not in RANGE_FIELDS:
            raise self.error(f"{name} cannot take a range")
        m = re.fullmatch(r"([\[{])\s*(\S+)\s+TO\s+(\S+)\s*([\]}])", text)
        if m is None:
            raise self.error(f"Malformed range {text!r}")
        for end in (m.group(2), m.group(3)):
            try:
                date_math.check(end)  # bounded here, so q or fq is named and nothing overflows
            except date_math.DateMathError as exc:
                raise self.error(f"{name}: {exc}") from None
        return FieldRange(name, m.group(2), m.group(3), m.group(1) == "[", m.group(4) == "]")


def _unquote(value: str) -> str:
    return value[1:-1].replace('\\"', '"').replace("\\\\", "\\")


def unbalanced_quotes(q: str) -> bool:
    """Whether q has a quote that closes no phrase (q is then searched without quotes)."""
    if '"' not in (q or ""):
        return False
    try:
        _lex(q, "q")
    except SearchQueryError:
        return True
    return False


def searchable_q(q: str) -> str:
    """q as it is searched: with an unbalanced quote, every quote becomes a space, so
    the words are searched as typed instead of the request being refused."""
    return q.replace('"', " ") if unbalanced_quotes(q) else (q or "")


def parse(q: str, fq: str) -> tuple[Expr, Expr]:
    """The trees of q (scored) and fq (filters only)."""
    query = _Parser(searchable_q(q), "q").parse()
    filters = _Parser(fq or "", "fq").parse()
    _no_free_text(filters, fq)
    return query, filters


def _no_free_text(expr: Expr, fq: str) -> None:
    if isinstance(expr, Words | QuotedPhrase) and expr.field == "text":
        raise SearchQueryError(f"fq needs field:value pairs, got {expr.text!r} in {fq!r}")
    if isinstance(expr, AllOf | AnyOf):
        for item in expr.items:
            _no_free_text(item, fq)
    if isinstance(expr, NoneOf):
        _no_free_text(expr.item, fq)


def facet_fields(raw: Any) -> list[str]:
    if raw is None or raw == "":
        return list(DEFAULT_FACETS)
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except (ValueError, RecursionError):  # RecursionError: "[[[[..." thousands deep
            raise SearchQueryError("facet.field must be a JSON list of field names") from None
    if not isinstance(raw, list) or not all(isinstance(f, str) for f in raw):
        raise SearchQueryError("facet.field must be a list of field names")
    unknown = [f for f in raw if f not in FACET_FIELDS]
    if unknown:
        raise SearchQueryError(f"Cannot facet on: {', '.join(unknown)}")
    return list(dict.fromkeys(raw))


def sort_spec(raw: str) -> list[tuple[str, bool]]:
    """'score desc, metadata_modified desc' -> [('score', True), ('metadata_modified', True)]."""
    spec = []
    for part in (raw or "score desc, metadata_modified desc").split(","):
        bits = part.split()
        if not bits:
            continue
        if len(bits) > 2 or bits[0] not in SORTS or (len(bits) == 2 and bits[1] not in ("asc", "desc")):
            raise SearchQueryError(f"Cannot sort by {part.strip()!r}")
        spec.append((SORTS[bits[0]], len(bits) == 1 or bits[1] == "desc"))
    return spec
