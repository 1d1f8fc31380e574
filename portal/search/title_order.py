"""The key titles sort by: Chinese in pinyin order, as a Chinese reader expects.

Each character of Han text becomes its pinyin syllable (pypinyin's phrase
dictionary settles polyphones: 重庆 chong, 长春 chang, 银行 hang); Latin
letters are lowercased and file among the syllables (ABC before 安全 "an");
digit runs are zero-padded so 9 sorts before 10 and they come before letters.
Syllables are joined by a byte below every letter, so 西安 (xi an) sorts
before 先 (xian). Keyword fields sort by bytes on both backends, so the key
alone decides the order.
"""

from __future__ import annotations

import re
import unicodedata

from pypinyin import lazy_pinyin

# Below every printable character: a shorter syllable sorts before a longer one.
SYLLABLE_SEPARATOR = "\x01"
_DIGITS = re.compile(r"\d+")
_NUMBER_WIDTH = 12


def _pad_numbers(text: str) -> str:
    return _DIGITS.sub(lambda m: m.group(0).lstrip("0").rjust(_NUMBER_WIDTH, "0")
                       if len(m.group(0)) <= _NUMBER_WIDTH else m.group(0), text)


def title_key(title: str) -> str:
    """The sort key of one title (pinyin units, then the title itself to break ties)."""
    text = " ".join(unicodedata.normalize("NFKC", title).split()).lower()
    units = [_pad_numbers(unit.strip()) for unit in lazy_pinyin(text)]
    key = SYLLABLE_SEPARATOR.join(u for u in units if u)
    return f"{key}\x02{text}"
