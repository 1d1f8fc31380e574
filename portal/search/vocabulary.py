""""Did you mean": words of the public catalog close to a word that finds little.

The vocabulary is the words of public entries' titles (jieba's words), their
tags and the titles of organizations and themes, read from the database, so
both backends suggest the same, and never from a private or unpublished entry.
It is built at most once a minute per process (a few thousand words; capped at
MAX_TERMS, the most frequent), and a look-up compares a word only with terms
of about its length: cheap enough for every search with few hits.

A word is close to a term when it reads the same (学效 -> 学校), when its pinyin
is the term's pinyin or one or two edits from it (xuexiao, xuexao -> 学校), or
when it is one edit from the term itself (a Latin word, or one wrong character).
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models.catalog import Dataset, Group, Organization, Tag, dataset_tag
from portal.search.analysis import CJK, Analyzer, normalise, text_pinyin

MAX_TERMS = 50_000
REFRESH_SECONDS = 60.0
MAX_CANDIDATES = 3
_HAN = re.compile(rf"[{CJK}]")
_LATIN = re.compile(r"[a-z]+")


def edit_distance(a: str, b: str, bound: int) -> int:
    """Levenshtein distance of a and b, or bound + 1 once it must exceed bound."""
    if abs(len(a) - len(b)) > bound:
        return bound + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (ca != cb)))
        if min(current) > bound:
            return bound + 1
        previous = current
    return previous[-1]


@dataclass(frozen=True)
class Term:
    text: str
    pinyin: str   # full pinyin of a Han term; the term itself for a Latin one
    count: int


class Vocabulary:
    """The public catalog's words, rebuilt from the database when a minute old."""

    def __init__(self, read: Callable[[], Counter[str]], analyzer: Analyzer) -> None:
        self._read = read
        self._analyzer = analyzer
        self._lock = threading.Lock()
        self._built = float("-inf")
        self._known: set[str] = set()
        self._by_pinyin_length: dict[int, list[Term]] = defaultdict(list)

    def _fresh(self) -> None:
        with self._lock:
            if time.monotonic() - self._built < REFRESH_SECONDS:
                return
            counts = self._read()
            known: set[str] = set()
            by_length: dict[int, list[Term]] = defaultdict(list)
            for text, count in counts.most_common(MAX_TERMS):
                han = bool(_HAN.search(text))
                if not (han and len(text) >= 2) and not (not han and _LATIN.fullmatch(text)
                                                          and len(text) >= 3):
                    continue
                spelled = text_pinyin(text) if han else text
                known.add(text)
                by_length[len(spelled)].append(Term(text, spelled, count))
            self._known, self._by_pinyin_length = known, by_length
            self._built = time.monotonic()

    def words(self, text: str) -> list[str]:
        """The words of a title or name as the vocabulary counts them."""
        return [normalise(w) for w in self._analyzer.words(text)]

    def close_terms(self, word: str) -> list[str]:
        """Terms a visitor who typed `word` may have meant, likeliest first (none when
        `word` is itself a term)."""
        word = normalise(word).strip()
        han = bool(_HAN.search(word))
        if len(word) < (2 if han else 3) or len(word) > 40:
            return []
        self._fresh()
        if word in self._known:
            return []
        spelled = text_pinyin(word) if han else word
        if not spelled.isascii() or not spelled.isalpha():
            return []
        bound = 1 if len(spelled) < 6 else 2
        scored: list[tuple[int, int, str]] = []
        for length in range(len(spelled) - bound, len(spelled) + bound + 1):
            for term in self._by_pinyin_length.get(length, ()):
                distance = edit_distance(spelled, term.pinyin, bound)
                # One wrong character in a word of three or more reads as near as a
                # one-letter slip (in a word of two it leaves too little to go on).
                if (han and distance > 1 and len(term.text) == len(word) >= 3
                        and edit_distance(word, term.text, 1) <= 1):
                    distance = 1
                if distance <= bound:
                    scored.append((distance, -term.count, term.text))
        scored.sort()
        return list(dict.fromkeys(text for _, _, text in scored))[:MAX_CANDIDATES]


def public_words(session: Session, vocabulary_words: Callable[[str], list[str]]) -> Counter[str]:
    """Word counts of published, public entries' titles and tags and of the titles of
    active organizations and themes."""
    counts: Counter[str] = Counter()
    public = (Dataset.state == "published") & (Dataset.private.is_(False))
    for (title,) in session.execute(select(Dataset.title).where(public)):
        counts.update(set(vocabulary_words(title or "")))
    tags = (select(Tag.name).join(dataset_tag, dataset_tag.c.tag_id == Tag.id)
            .join(Dataset, Dataset.id == dataset_tag.c.dataset_id).where(public))
    for (name,) in session.execute(tags):
        counts[normalise(name)] += 1
    for model in (Organization, Group):
        for (title,) in session.execute(select(model.title).where(model.state == "active")):
            counts.update(set(vocabulary_words(title or "")) | {normalise(title or "")})
    return counts
