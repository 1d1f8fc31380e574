"""Word lists (from `data/`) and jieba segmentation shared by the PERSON and LOCATION
recognizers. Everything is loaded once per process; segmentation is cached so two
recognizers reading the same text segment it once."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import jieba

jieba.setLogLevel(logging.WARNING)  # the "Building prefix dict" chatter, once per process


def read_list(name: str) -> list[str]:
    """The entries of a data file: stripped lines, blank lines and "#" comments left out."""
    text = resources.files(__package__).joinpath("data", name).read_text(encoding="utf-8")
    lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return [line for line in lines if line]


def read_chars(name: str) -> frozenset[str]:
    """Every non-space character of a data file (lists of single characters)."""
    return frozenset(ch for line in read_list(name) for ch in line if not ch.isspace())


def _surnames() -> dict[str, int]:
    tiers: dict[str, int] = {}
    for line in read_list("surnames.txt"):
        surname, tier = line.split()
        tiers[surname] = int(tier)
    return tiers


# --- person names ---------------------------------------------------------------

SURNAMES: dict[str, int] = _surnames()  # single-character surname -> tier (1 commonest)
COMPOUND_SURNAMES: frozenset[str] = frozenset(read_list("compound_surnames.txt"))
GIVEN_CHARS: frozenset[str] = read_chars("given_chars.txt")
PERSON_CONTEXT: tuple[str, ...] = tuple(read_list("person_context.txt"))  # before a name
PERSON_TITLES: tuple[str, ...] = tuple(read_list("person_titles.txt"))  # after a name
NAME_STOP_WORDS: frozenset[str] = frozenset(read_list("name_stop_words.txt"))
NICKNAME_STOP_WORDS: frozenset[str] = frozenset(read_list("nickname_stop_words.txt"))
TRANSLITERATION_CHARS: frozenset[str] = read_chars("transliteration_chars.txt")
MIDDLE_DOTS = "·•‧・･"  # U+00B7, U+2022, U+2027, U+30FB, U+FF65: 买买提·艾力

# --- addresses ------------------------------------------------------------------

ADMIN_SUFFIXES: tuple[str, ...] = tuple(read_list("admin_suffixes.txt"))
STREET_SUFFIXES: tuple[str, ...] = tuple(read_list("street_suffixes.txt"))
UNIT_SUFFIXES: tuple[str, ...] = tuple(read_list("unit_suffixes.txt"))
ESTATE_SUFFIXES: tuple[str, ...] = tuple(read_list("estate_suffixes.txt"))
LOCATION_CONTEXT: tuple[str, ...] = tuple(read_list("location_context.txt"))
ADDRESS_STOP_WORDS: frozenset[str] = frozenset(read_list("address_stop_words.txt"))

# Function words: a boundary falling inside a dictionary word is tolerated when what it
# cuts off is one of these (jieba reads 杨利于 as 杨/利于: the name is 杨利).
FUNCTION_CHARS = frozenset("于和与及在等的是系说向对将把被为从由据给叫让已也都就了")


# --- jieba ----------------------------------------------------------------------

@cache
def _dictionary() -> tuple[dict[str, int], dict[str, str]]:
    import jieba.posseg

    jieba.dt.check_initialized()
    return jieba.dt.FREQ, jieba.posseg.dt.word_tag_tab


def word_freq(word: str) -> int:
    """jieba's dictionary frequency of a word, 0 when it is not a dictionary word."""
    return _dictionary()[0].get(word) or 0


def word_tag(word: str) -> str:
    """jieba's dictionary part-of-speech tag of a word ("" when unknown)."""
    return _dictionary()[1].get(word, "")


@dataclass(frozen=True, slots=True)
class Token:
    start: int
    end: int
    text: str
    known: bool  # a dictionary word (False: merged by jieba's HMM, or punctuation)
    tag: str


class Segmentation:
    """jieba's tokens of a text, with the offsets where each starts and ends."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.by_start = {t.start: t for t in tokens}
        self.by_end = {t.end: t for t in tokens}
        self._covering: dict[int, Token] = {}
        for t in tokens:
            for i in range(t.start + 1, t.end):
                self._covering[i] = t

    def boundary(self, offset: int) -> bool:
        return offset not in self._covering

    def inside(self, offset: int) -> Token | None:
        """The token an offset falls strictly inside of, if any."""
        return self._covering.get(offset)


def _token(start: int, text: str) -> Token:
    freq = word_freq(text)
    return Token(start, start + len(text), text, freq > 0, word_tag(text) if freq else "")


_SEGMENTATIONS: dict[str, Segmentation] = {}
_SEGMENTATIONS_MAX = 512


def _jieba_tokens(text: str) -> list[Token]:
    tokens, pos = [], 0
    for word in jieba.cut(text):
        tokens.append(_token(pos, word))
        pos += len(word)
    return tokens


def _spacy_tokens(text: str, nlp_artifacts: Any) -> list[Token] | None:
    tokens = getattr(nlp_artifacts, "tokens", None)
    if tokens is None:
        return None
    out = [_token(t.idx, t.text) for t in tokens if t.text.strip()]
    return out if all(text[t.start:t.end] == t.text for t in out) else None


def segment(text: str, nlp_artifacts: Any = None) -> Segmentation:
    """jieba's segmentation of `text`: the spaCy tokens Presidio already made (jieba's
    too) when given, otherwise jieba's. Remembered for the last few hundred texts, so
    recognizers reading the same text segment it once."""
    seg = _SEGMENTATIONS.get(text)
    if seg is None:
        seg = Segmentation(_spacy_tokens(text, nlp_artifacts) or _jieba_tokens(text))
        if len(_SEGMENTATIONS) >= _SEGMENTATIONS_MAX:
            _SEGMENTATIONS.clear()
        _SEGMENTATIONS[text] = seg
    return seg


def is_han(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff"
