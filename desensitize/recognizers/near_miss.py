"""Near misses: what a person meant as an identifier but mistyped (a check character
wrong, a digit missing or extra, an O for a 0 in a plate), which no recognizer accepts.

A near miss is never found on its shape alone (that would take every order number for
an ID): it needs evidence that an identifier is meant there, a context word beside it
(身份证, 手机, 卡号...) or a column header naming the entity. The scanner then reports
it as a finding of that entity with `near_miss` set, so an open target treats it like
the identifier it was meant to be; a column classified as holding an identifier has
every cell treated whole instead (desensitize.scanner).

Shapes are matched on the normalised text (desensitize.recognizers.normalise), with
spans mapped back to the text as written.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from desensitize import entities as E
from desensitize.recognizers.normalise import normalise, span_back

# Words that say an identifier of the entity is meant (beside the value, or in the header).
CONTEXT: dict[str, tuple[str, ...]] = {
    E.CN_RESIDENT_ID: ("身份证", "证件号", "公民身份号码", "身份号码"),
    E.CN_MOBILE: ("手机", "电话", "联系方式", "联系号码", "移动电话"),
    E.CN_LANDLINE: ("电话", "固话", "座机", "联系方式", "联系号码", "传真"),
    E.CN_BANK_CARD: ("银行卡", "卡号", "账号", "帐号", "银行账户", "一卡通", "社保卡", "card"),
    E.CN_USCC: ("信用代码", "社会信用", "营业执照", "纳税人识别号"),
    E.CN_PASSPORT: ("护照", "passport"),
    E.CN_HK_MACAU_PERMIT: ("通行证", "回乡证"),
    E.CN_LICENSE_PLATE: ("车牌", "号牌", "车辆号码"),
}
_WORDS = re.compile("|".join(sorted({re.escape(w) for ws in CONTEXT.values() for w in ws},
                                    key=len, reverse=True)), re.IGNORECASE)
_ENTITY_OF_WORD: dict[str, tuple[str, ...]] = {}
for _entity, _words in CONTEXT.items():
    for _word in _words:
        _ENTITY_OF_WORD[_word] = (*_ENTITY_OF_WORD.get(_word, ()), _entity)
# Characters between a context word and the value it names (身份证号码：, 手机号是...).
BEFORE, AFTER = 12, 6

_PROVINCE_CHARS = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
# Digit runs (an X or x may sit anywhere in a mistyped ID), upper-case codes (credit
# codes, passports, permits: lower-case base32 pseudonyms are not), plates.
_DIGIT_RUN = re.compile(r"(?<![0-9A-Za-z_])[0-9][0-9Xx]{7,21}(?![0-9A-Za-z])")
_CODE = re.compile(r"(?<![0-9A-Za-z_])(?=[0-9A-Z]*[0-9]{5})[0-9A-Z]{7,20}(?![0-9A-Za-z])")
_PLATE = re.compile(f"[{_PROVINCE_CHARS}][A-Za-z][·• -]?[0-9A-Za-z]{{4,7}}"
                    "[挂学警港澳领使]?(?![0-9A-Za-z])")
# A cheap test of whether a (normalised) text could hold any of the shapes.
TRIGGER = re.compile(f"[0-9]{{8}}|[A-Z][0-9]{{5}}|[{_PROVINCE_CHARS}][A-Za-z]")
_PASSPORT_SHAPE = re.compile(r"[A-Z]{1,2}[0-9]{6,10}")


def _entities_of(shape: str, value: str) -> tuple[str, ...]:
    """The entities a mistyped `value` of this shape could have been meant as."""
    n = len(value)
    if shape == "plate":
        return (E.CN_LICENSE_PLATE,)
    if shape == "digits":
        digits = value.isdigit()
        found = []
        if 14 <= n <= 19:  # 15 or 18, one more or less
            found.append(E.CN_RESIDENT_ID)
        if digits and 15 <= n <= 20:  # 16-19, one more or less
            found.append(E.CN_BANK_CARD)
        if digits and value[0] != "0" and 10 <= n <= 12:  # 11
            found.append(E.CN_MOBILE)
        if digits and value[0] == "0" and 9 <= n <= 13:  # area code + 7-8 digits
            found.append(E.CN_LANDLINE)
        if digits and 17 <= n <= 19:
            found.append(E.CN_USCC)
        return tuple(found)
    found = []
    if 17 <= n <= 19:
        found.append(E.CN_USCC)
    if _PASSPORT_SHAPE.fullmatch(value):
        found += [E.CN_PASSPORT, E.CN_HK_MACAU_PERMIT]
    return tuple(found)


def _candidates(text: str) -> list[tuple[str, int, int]]:
    out = [("digits", m.start(), m.end()) for m in _DIGIT_RUN.finditer(text)]
    out += [("code", m.start(), m.end()) for m in _CODE.finditer(text)
            if not text[m.start():m.end()].isdigit()]
    out += [("plate", m.start(), m.end()) for m in _PLATE.finditer(text)]
    return out


_UNSET: Any = object()


def near_misses(text: str, hints: Sequence[str] = (), taken: Sequence[tuple[int, int]] = (),
                entities: Sequence[str] | None = None, *,
                normalised: tuple[str, list[int] | None] | None = _UNSET
                ) -> list[tuple[str, int, int]]:
    """(entity, start, end) of the near misses in `text`: a value shaped like a mistyped
    identifier, beside a context word of its entity (the nearest wins) or in a column
    whose header names it (`hints`), overlapping no span of `taken` (what the
    recognizers found). Spans are of `text` as written. `normalised`: what
    normalise(text) gave, when the caller has it already."""
    if normalised is _UNSET:
        normalised = normalise(text)
    norm, index = normalised if normalised is not None else (text, None)
    if not TRIGGER.search(norm):
        return []
    hinted = [e for e in hints if e in CONTEXT]
    words = [(m.start(), m.end(), _ENTITY_OF_WORD[m.group().lower()])
             for m in _WORDS.finditer(norm)]
    if not words and not hinted:
        return []
    found: list[tuple[str, int, int]] = []
    for shape, start, end in _candidates(norm):
        meant = _entities_of(shape, norm[start:end])
        if entities is not None:
            meant = tuple(e for e in meant if e in entities)
        if not meant:
            continue
        span = span_back(index, start, end)
        if any(span[0] < t_end and t_start < span[1] for t_start, t_end in taken):
            continue
        if any(span[0] < f_end and f_start < span[1] for _, f_start, f_end in found):
            continue
        entity = _closest(meant, words, start, end) or next(
            (e for e in hinted if e in meant), None)
        if entity is not None:
            found.append((entity, *span))
    return found


def _closest(meant: Sequence[str], words: list[tuple[int, int, tuple[str, ...]]],
             start: int, end: int) -> str | None:
    best: tuple[int, str] | None = None
    for w_start, w_end, named in words:
        if w_end <= start and start - w_end <= BEFORE:
            distance = start - w_end
        elif w_start >= end and w_start - end <= AFTER:
            distance = w_start - end + BEFORE  # a word after the value counts less
        else:
            continue
        for entity in named:
            if entity in meant and (best is None or distance < best[0]):
                best = (distance, entity)
    return best[1] if best else None
