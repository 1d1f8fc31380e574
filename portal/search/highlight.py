"""Matched terms marked in result titles and in an excerpt of the summary.

The engine is not asked for highlights: every backend would answer differently,
and the index keeps no offsets. The terms come from the query the way the
planner (portal/search/plan.py) reads it, and are found again in the text the
way the index matches them:

- each word the user typed, after jieba, and each of its synonyms, matches
  where its characters stand side by side (punctuation and spaces between them
  do not count, as in the index's char field); stopwords are left unmarked
  unless the query holds nothing else;
- a quoted phrase matches the same way, as a whole;
- a word of Latin letters also marks the title characters whose pinyin, or
  pinyin initials, spell it (`gongjiao` marks 公交 in 公交线路);
- terms under NOT, field filters and ranges mark nothing.

The result is Markup: the text is escaped piece by piece and only our own
<mark> tags are left unescaped, so a title holding "<script>" stays text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from markupsafe import Markup, escape
from pypinyin import Style, lazy_pinyin

from portal.core.errors import SearchQueryError
from portal.search.analysis import CHAR_TOKEN, CJK, Analyzer, normalise
from portal.search.query import AllOf, AnyOf, Expr, NoneOf, QuotedPhrase, Words, parse

_IS_CJK = re.compile(rf"[{CJK}]")
EXCERPT_WIDTH = 120
# How much of the summary stands before the first match in an excerpt.
EXCERPT_LEAD = 24
ELLIPSIS = "…"

Span = tuple[int, int]


@dataclass(frozen=True)
class _Token:
    text: str
    start: int
    end: int


def tokens(text: str) -> list[_Token]:
    """The index's character tokens of `text`, with their offsets in `text` itself."""
    norm: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        folded = normalise(ch)  # lower() may turn one character into two
        norm.append(folded)
        origin.extend([i] * len(folded))
    joined = "".join(norm)
    return [_Token(m.group(), origin[m.start()], origin[m.end() - 1] + 1)
            for m in CHAR_TOKEN.finditer(joined)]


def positive_text(expr: Expr) -> Iterator[Words | QuotedPhrase]:
    """The free-text parts of a query that must or may match (not those under NOT)."""
    if isinstance(expr, Words | QuotedPhrase):
        yield expr
    elif isinstance(expr, AllOf | AnyOf):
        for item in expr.items:
            yield from positive_text(item)
    elif isinstance(expr, NoneOf):
        return


@dataclass(frozen=True)
class Terms:
    phrases: frozenset[tuple[str, ...]]  # token sequences found anywhere
    pinyin: frozenset[str]               # Latin words that may spell a title's pinyin

    @classmethod
    def of(cls, analyzer: Analyzer, q: str) -> Terms:
        try:
            expr, _ = parse(q, "")
        except SearchQueryError:
            return cls(frozenset(), frozenset())
        phrases: set[tuple[str, ...]] = set()
        pinyin: set[str] = set()
        for part in positive_text(expr):
            if isinstance(part, QuotedPhrase):
                phrases.add(tuple(analyzer.char_tokens(part.text)))
                continue
            words = analyzer.query_words(part.text)
            required = [w for w in words if not analyzer.is_stopword(w)] or words
            for word in required:
                for term in analyzer.synonyms(word):
                    phrases.add(tuple(analyzer.char_tokens(term)))
                if analyzer.is_pinyin_candidate(word):
                    pinyin.add(word)
        phrases.discard(())
        return cls(frozenset(phrases), frozenset(pinyin))

    def __bool__(self) -> bool:
        return bool(self.phrases or self.pinyin)


def phrase_spans(toks: list[_Token], phrases: frozenset[tuple[str, ...]]) -> list[Span]:
    by_first: dict[str, list[tuple[str, ...]]] = {}
    for phrase in phrases:
        by_first.setdefault(phrase[0], []).append(phrase)
    spans = []
    texts = [t.text for t in toks]
    for i, tok in enumerate(toks):
        for phrase in by_first.get(tok.text, ()):
            if tuple(texts[i:i + len(phrase)]) == phrase:
                spans.append((tok.start, toks[i + len(phrase) - 1].end))
    return spans


def _cjk_runs(toks: list[_Token]) -> Iterator[list[_Token]]:
    """Runs of CJK characters; Latin words break a run, punctuation does not."""
    run: list[_Token] = []
    for tok in toks:
        if _IS_CJK.match(tok.text):
            run.append(tok)
        else:
            if run:
                yield run
            run = []
    if run:
        yield run


def _syllables(chars: str) -> tuple[list[str], list[str]]:
    full = lazy_pinyin(chars)
    initials = lazy_pinyin(chars, style=Style.FIRST_LETTER)
    if len(full) != len(chars) or len(initials) != len(chars):  # one entry per character
        full = [lazy_pinyin(ch)[0] for ch in chars]
        initials = [lazy_pinyin(ch, style=Style.FIRST_LETTER)[0] for ch in chars]
    return full, initials


def pinyin_spans(text: str, words: frozenset[str] | set[str]) -> list[Span]:
    """Where runs of characters of `text` spell one of `words` in full pinyin, or (two
    characters or more) in pinyin initials."""
    if not words:
        return []
    longest = max(len(w) for w in words)
    spans = []
    for run in _cjk_runs(tokens(text)):
        full, initials = _syllables("".join(t.text for t in run))
        for i in range(len(run)):
            spelled = ""
            for j in range(i, len(run)):
                spelled += full[j]
                if spelled in words:
                    spans.append((run[i].start, run[j].end))
                if len(spelled) >= longest:
                    break
            for j in range(i + 1, min(len(run), i + longest)):
                if "".join(initials[i:j + 1]) in words:
                    spans.append((run[i].start, run[j].end))
    return spans


def merge(spans: list[Span]) -> list[Span]:
    out: list[Span] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def render(text: str, spans: list[Span], start: int = 0, end: int | None = None) -> Markup:
    """text[start:end], escaped, with the spans inside it wrapped in <mark>."""
    end = len(text) if end is None else end
    out = []
    pos = start
    for a, b in spans:
        a, b = max(a, start), min(b, end)
        if a >= b:
            continue
        out.append(escape(text[pos:a]))
        out.append(Markup("<mark>%s</mark>") % text[a:b])
        pos = b
    out.append(escape(text[pos:end]))
    return Markup("").join(out)


class Highlighter:
    """Marks one query's terms in titles and summaries."""

    def __init__(self, analyzer: Analyzer, q: str) -> None:
        self.terms = Terms.of(analyzer, q) if q else Terms(frozenset(), frozenset())

    def spans(self, text: str, *, title: bool = False) -> list[Span]:
        if not self.terms or not text:
            return []
        found = phrase_spans(tokens(text), self.terms.phrases)
        if title:
            found += pinyin_spans(text, self.terms.pinyin)
        return merge(found)

    def title(self, text: str) -> Markup:
        return render(text, self.spans(text, title=True))

    def excerpt(self, text: str, width: int = EXCERPT_WIDTH) -> Markup:
        """About `width` characters of `text` around the first match (its beginning when
        nothing matches), with ellipses where text was left out."""
        text = " ".join(text.split())
        spans = self.spans(text)
        if len(text) <= width:
            return render(text, spans)
        begin = 0
        if spans:
            begin = max(0, min(spans[0][0] - EXCERPT_LEAD, len(text) - width))
            begin = _word_start(text, begin, spans[0][0])
        end = _word_end(text, min(len(text), begin + width))
        return Markup("").join([
            Markup(ELLIPSIS) if begin > 0 else Markup(""),
            render(text, spans, begin, end),
            Markup(ELLIPSIS) if end < len(text) else Markup(""),
        ])


def _latin(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _word_start(text: str, begin: int, limit: int) -> int:
    """Do not start an excerpt inside a Latin word (Chinese may be cut anywhere)."""
    if begin == 0 or not (_latin(text[begin - 1]) and _latin(text[begin])):
        return begin
    space = text.find(" ", begin, limit)
    return space + 1 if space != -1 else begin


def _word_end(text: str, end: int) -> int:
    if end >= len(text) or not (_latin(text[end - 1]) and _latin(text[end])):
        return end
    space = text.rfind(" ", end - 20, end)
    return space if space > 0 else end
