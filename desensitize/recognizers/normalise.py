"""Identifiers as people type them: full-width forms (１１０１０１…, Ｘ, －, the ideographic
space) and separators between the parts ("110101 19900307 4514", "110101-1990-0307-451X",
"138 1234 5678", "138.1234.5678").

`normalise(text)` gives the text every recognizer also matches: full-width forms folded
to ASCII one for one (offsets do not move) and the separators inside a grouped number
of identifier length dropped, with the map from its offsets back to the original's, so
that a finding covers the characters as they were written (and treatment hides them).
The scanner and CnPatternRecognizer.analyze run the recognizers on the original text
too: a landline (0557-1234567) or an IP address keeps its separators there.
"""

from __future__ import annotations

import re

# Full-width ASCII (U+FF01-FF5E) to ASCII; the ideographic space to a space; dashes and
# the minus sign to a hyphen; the katakana middle dot to a middle dot (plates: 皖A・12345).
_FOLD = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_FOLD.update({0x3000: 0x20, 0x2010: 0x2D, 0x2011: 0x2D, 0x2012: 0x2D, 0x2013: 0x2D,
              0x2014: 0x2D, 0x2015: 0x2D, 0x2212: 0x2D, 0xFE63: 0x2D, 0x30FB: 0xB7})
FOLD_TABLE = str.maketrans(_FOLD)
_FOLDED = "".join(map(chr, _FOLD))

# What a text must hold for normalise() to change it: a foldable character, or ten
# digits with separators between some (an amount such as 1234.56 has too few).
# (`re`'s \d also matches full-width digits.)
TRIGGER = re.compile("[" + re.escape(_FOLDED) + r"]|(?:\d[ .\-·]{0,2}){9}\d")
# A grouped number: digit groups joined by one or two separator characters, maybe
# ending in a check character X.
_GROUPED = re.compile(r"(?<![0-9A-Za-z])[0-9]+(?:[ .\-·]{1,2}[0-9]+)+[Xx]?(?![0-9A-Za-z])")
_SEPARATOR = re.compile(r"[ .\-·]")
_DOTTED_QUAD = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")
# Digits a grouped number must have to be collapsed: a mobile (11) to a 19-digit card,
# one digit more or less (near misses, desensitize.recognizers.near_miss).
MIN_DIGITS, MAX_DIGITS = 10, 20


def fold(text: str) -> str:
    """Full-width forms as ASCII, one character for one."""
    return text.translate(FOLD_TABLE)


def normalise(text: str) -> tuple[str, list[int] | None] | None:
    """(normalised text, map) or None when there is nothing to normalise. The map gives,
    for each offset of the normalised text (and its end), the original offset; None when
    offsets did not move (only full-width forms were folded)."""
    if not TRIGGER.search(text):
        return None
    folded = text.translate(FOLD_TABLE)
    parts: list[str] = []
    index: list[int] = []
    last = 0
    for match in _GROUPED.finditer(folded):
        group = match.group()
        digits = _SEPARATOR.sub("", group)
        if not MIN_DIGITS <= len(digits.rstrip("Xx")) <= MAX_DIGITS \
                or _DOTTED_QUAD.fullmatch(group):
            continue
        start = match.start()
        parts.append(folded[last:start])
        index.extend(range(last, start))
        for offset, char in enumerate(group, start):
            if not _SEPARATOR.match(char):
                parts.append(char)
                index.append(offset)
        last = match.end()
    if not parts:
        return (folded, None) if folded != text else None
    parts.append(folded[last:])
    index.extend(range(last, len(folded) + 1))
    return "".join(parts), index


def span_back(index: list[int] | None, start: int, end: int) -> tuple[int, int]:
    """A span of the normalised text as a span of the original."""
    if index is None:
        return start, end
    return index[start], index[end - 1] + 1 if end > start else index[start]
