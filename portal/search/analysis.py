"""Chinese text analysis shared by every backend: jieba words, characters, pinyin.

Segmenting in our code rather than in the engine means the embedded index and
a cluster see the same tokens and no cluster plugin is needed. Four token
streams are made from a catalog entry:

- words (`index_words`): jieba's search mode, which also emits the shorter
  words inside a compound (交通事故 -> 交通, 事故, 交通事故); they rank results;
- characters (`char_tokens`): every CJK character and every Latin/digit run,
  with positions. A query word or "phrase" matches where its characters stand
  side by side, so recall never depends on how jieba happened to cut the
  title: "道路交通事故" is found even when the title was cut 道路 / 交通事故;
- pinyin of titles (`pinyin_tokens`): full syllables and initials of each word
  and of runs of up to three words, so `gongjiao` and `gjxl` find 公交线路;
- synonyms are applied at query time (`synonyms`), from a file the bureau edits.

The county's place and department names come from a user dictionary so that
jieba keeps them whole; synonym terms are added to it for the same reason.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

import jieba
from pypinyin import Style, lazy_pinyin

log = logging.getLogger(__name__)
jieba.setLogLevel(logging.WARNING)

# The CJK ideograph ranges (a regex character-class body), shared with highlight/suggest.
CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# One CJK character, or a run of Latin letters/digits (kept together: GDP, 2024, v2).
CHAR_TOKEN = re.compile(rf"[{CJK}]|[0-9a-z]+")
_WORD = re.compile(rf"[{CJK}0-9a-z]")
_HAN_ONLY = re.compile(rf"^[{CJK}]+$")
_LATIN_WORD = re.compile(r"^[a-z]{2,}$")
# jieba cuts each run of ideographs/letters/digits on its own (its re_han_default):
# runs up to CACHED_RUN characters have their words remembered (CACHE_SIZE of them).
_RUN = re.compile(jieba.re_han_default.pattern)
CACHED_RUN = 48
CACHE_SIZE = 200_000
# Pinyin runs over at most this many adjacent words.
PINYIN_WINDOW = 3


K = TypeVar("K")
V = TypeVar("V")


def remember(cache: dict[K, V], key: K, value: V, size: int = CACHE_SIZE) -> V:
    """Stores value in a cache that is emptied when full (texts repeat in bursts: a
    catalog's entries come department by department)."""
    if len(cache) >= size:
        cache.clear()
    cache[key] = value
    return value


# Full-width Latin letters, digits and punctuation (ＧＤＰ２０２４) and the ideographic
# space fold to ASCII.
_FOLD = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def normalise(text: str) -> str:
    """Lowercase, with full-width characters folded to ASCII."""
    return text.translate(_FOLD).lower()


@dataclass(frozen=True)
class Dictionaries:
    """Paths of the bureau's files (missing files are simply empty)."""
    userdict: Path | None = None
    synonyms: Path | None = None
    stopwords: Path | None = None


def _lines(path: Path | None) -> list[str]:
    if path is None or not path.is_file():
        return []
    out = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            out.append(line)
    return out


def read_synonyms(path: Path | None) -> list[tuple[str, ...]]:
    """Solr's synonyms.txt format, equivalence lines only: `低保, 最低生活保障`."""
    groups = []
    for line in _lines(path):
        if "=>" in line:
            raise ValueError(f"{path}: one-way synonyms (=>) are not supported: {line!r}")
        terms = tuple(dict.fromkeys(normalise(t.strip()) for t in line.split(",") if t.strip()))
        if len(terms) > 1:
            groups.append(terms)
    return groups


class Analyzer:
    """Tokenisers for documents and queries; thread-safe once built."""

    def __init__(self, dicts: Dictionaries) -> None:
        self.dicts = dicts
        self._tokenizer = jieba.Tokenizer()
        self._tokenizer.initialize()
        self._synonyms: dict[str, tuple[str, ...]] = {}
        for group in read_synonyms(dicts.synonyms):
            for term in group:
                self._synonyms[term] = tuple(dict.fromkeys(self._synonyms.get(term, ()) + group))
        for line in _lines(dicts.userdict):
            parts = line.split()
            freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
            self._tokenizer.add_word(parts[0], freq)
        for term in self._synonyms:
            if _HAN_ONLY.match(term):
                self._tokenizer.add_word(term)
        self.stopwords = frozenset(normalise(w) for w in _lines(dicts.stopwords))
        # jieba's Tokenizer mutates caches while cutting.
        self._lock = threading.Lock()
        self._cache: dict[str, list[str]] = {}
        # word -> the dictionary words inside it (bounded by the dictionary's size).
        self._inside: dict[str, list[str]] = {}
        # Han word -> its pinyin spellings (see _spelled).
        self._spellings: dict[str, tuple[str, str, list[str]]] = {}

    # --- documents ---------------------------------------------------------

    def words(self, text: str) -> list[str]:
        """jieba's precise-mode words of `text`, normalised, punctuation dropped.

        Without jieba's HMM guesses at words missing from the dictionary: matching
        never depends on words (see plan), and the guesses cost a fifth of the time.
        jieba segments each run of ideographs, letters and digits apart from the rest,
        and runs repeat across a catalog (organization titles, tags, the stock phrases
        of summaries), so their words are remembered run by run: the same words as
        cutting the whole text, at a dictionary lookup per repeated run."""
        out: list[str] = []
        for run in _RUN.split(normalise(text)):
            if not run:
                continue
            found = self._cache.get(run)
            if found is None:
                found = self._cut(run)
                if len(run) <= CACHED_RUN:
                    remember(self._cache, run, found)
            out += found
        return out

    def _cut(self, text: str) -> list[str]:
        with self._lock:
            found = list(self._tokenizer.cut(text, HMM=False))
        return [w for w in (w.strip() for w in found) if w and _WORD.search(w)]

    def search_words(self, words: list[str]) -> list[str]:
        """jieba's search mode from precise words (one segmentation per text, not two):
        the dictionary words of two and three characters inside each long word, then it."""
        out: list[str] = []
        for w in words:
            if len(w) > 2:
                inside = self._inside.get(w)
                if inside is None:
                    inside = remember(self._inside, w, self._words_inside(w))
                out += inside
            out.append(w)
        return out

    def _words_inside(self, w: str) -> list[str]:
        freq = self._tokenizer.FREQ
        n = len(w)
        found = [g for g in (w[i:i + 2] for i in range(n - 1)) if freq.get(g)]
        if n > 3:
            found += [g for g in (w[i:i + 3] for i in range(n - 2)) if freq.get(g)]
        return found

    def index_words(self, text: str) -> list[str]:
        """Search-mode words of `text`, in order, punctuation dropped."""
        return self.search_words(self.words(text))

    def char_tokens(self, text: str) -> list[str]:
        return CHAR_TOKEN.findall(normalise(text))

    def pinyin_tokens(self, words: list[str]) -> list[str]:
        """Joined full pinyin and joined initials of each word of a title (precise words),
        of runs of up to three words, and of the dictionary words inside each word.

        Each word is converted as a whole (pypinyin reads its characters in context, so
        银行 is hang), once per process: titles share most of their words."""
        han = [w for w in words if _HAN_ONLY.match(w)]
        if not han:
            return []
        spelled = [self._spelled(w) for w in han]
        out: dict[str, None] = {}
        for i, (full, initials, inside) in enumerate(spelled):
            out[full] = None
            if len(han[i]) > 1:  # one character's initial alone would match too much
                out[initials] = None
            for more_full, more_initials, _ in spelled[i + 1:i + PINYIN_WINDOW]:
                full += more_full
                initials += more_initials
                out[full] = None
                out[initials] = None
            out.update(dict.fromkeys(inside))
        return list(out)

    def _spelled(self, word: str) -> tuple[str, str, list[str]]:
        """(full pinyin, initials, pinyin tokens of the dictionary words inside) of a Han
        word: what jieba's search mode emits (two and three characters) and longer words
        it leaves out (交通事故 in 道路交通事故)."""
        found = self._spellings.get(word)
        if found is None:
            syllables = _word_pinyin(word)
            freq = self._tokenizer.FREQ
            inside: list[str] = []
            for n in range(2, len(word)):
                for i in range(len(word) - n + 1):
                    if freq.get(word[i:i + n]):
                        inside.append("".join(syllables[i:i + n]))
                        inside.append("".join(s[0] for s in syllables[i:i + n]))
            found = remember(self._spellings, word, ("".join(syllables),
                                                      "".join(s[0] for s in syllables), inside))
        return found

    # --- queries -------------------------------------------------------------

    def query_words(self, text: str) -> list[str]:
        """Precise-mode words of one query chunk, punctuation dropped."""
        return self.words(text)

    def covering_words(self, word: str) -> list[str]:
        """Dictionary words of two or more characters that together make up a long word
        side by side (粮食产量 -> 粮食, 产量; 公交车站 -> 公交, 车站), in the fewest parts;
        [] when no such split exists or the word is shorter than four characters."""
        if len(word) < 4 or not _HAN_ONLY.match(word):
            return []
        freq = self._tokenizer.FREQ
        # best[i]: the fewest parts covering word[i:], or None.
        best: list[list[str] | None] = [None] * len(word) + [[]]
        for i in range(len(word) - 2, -1, -1):
            for j in range(i + 2, len(word) + 1):
                if (i, j) == (0, len(word)) or not freq.get(word[i:j]):
                    continue
                rest = best[j]
                if rest is not None and (best[i] is None or len(rest) + 1 < len(best[i])):
                    best[i] = [word[i:j]] + rest
        return best[0] or []

    def synonyms(self, word: str) -> tuple[str, ...]:
        """The word's synonym group including itself, or just the word."""
        return self._synonyms.get(word, (word,))

    def is_pinyin_candidate(self, word: str) -> bool:
        return bool(_LATIN_WORD.match(word))

    def is_stopword(self, word: str) -> bool:
        return word in self.stopwords

    def synonym_groups(self) -> Iterable[tuple[str, ...]]:
        return set(self._synonyms.values())


@lru_cache(maxsize=200_000)
def _word_pinyin(word: str) -> tuple[str, ...]:
    """One syllable per character of a Han word, read in the word's context."""
    syllables = lazy_pinyin(word)
    if len(syllables) != len(word):  # one syllable per character, always
        syllables = [lazy_pinyin(ch)[0] for ch in word]
    return tuple(syllables)


@lru_cache(maxsize=65536)
def _pinyin(text: str) -> tuple[str, str]:
    syllables = lazy_pinyin(text)
    initials = lazy_pinyin(text, style=Style.FIRST_LETTER)
    return "".join(syllables), "".join(initials)


def text_pinyin(text: str) -> str:
    """Full pinyin of a query, for "did you mean" suggestions."""
    return _pinyin(normalise(text))[0]


_shared: dict[Dictionaries, Analyzer] = {}
_shared_lock = threading.Lock()


def shared_analyzer(dicts: Dictionaries) -> Analyzer:
    """One analyzer per set of dictionaries per process (jieba takes ~0.7 s to load)."""
    with _shared_lock:
        found = _shared.get(dicts)
        if found is None:
            found = _shared[dicts] = Analyzer(dicts)
        return found
