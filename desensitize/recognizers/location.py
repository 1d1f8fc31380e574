"""Street-level Chinese addresses (LOCATION), by rule with jieba's help.

An address is read as a chain of adjacent parts: administrative ones (安徽省 宿州市 泗县
泗城镇 张集村 王圩社区), street ones (东关路 汴河大道), compounds (幸福小区) and numbered
units (123号 8栋 2单元 301室 3组 G座). A chain is a finding only when it reaches street
level (a street or a unit): 泗县 or 安徽省宿州市 alone is not a personal address. The
span runs from the first part to the last street-level part, so a postcode, a context
word before (住址：) or anything after (附近) is left out.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from presidio_analyzer import AnalysisExplanation, EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from desensitize.entities import LANGUAGE, LOCATION
from desensitize.recognizers import lexicon as lx

Kind = Literal["admin", "street", "estate", "unit"]

_NUMBER = r"[0-9A-Za-z０-９Ａ-Ｚａ-ｚ]+(?:[-－#][0-9A-Za-z０-９]+)*"
_UNITS = "|".join(sorted(lx.UNIT_SUFFIXES, key=len, reverse=True))
_UNIT = re.compile(rf"(?:{_NUMBER})(?:{_UNITS})")
_UNITS_LONGEST_FIRST = sorted(lx.UNIT_SUFFIXES, key=len, reverse=True)
# 张集村三组: a village's group numbered in words (only right after a village).
_WORD_UNIT = re.compile(r"[一二三四五六七八九十]{1,3}组")
# Cheap test run before any segmentation: a street name or a numbered unit somewhere.
_PREFILTER = re.compile(
    "(?:" + "|".join(lx.STREET_SUFFIXES) + rf")|[0-9A-Za-z０-９一二三四五六七八九十](?:{_UNITS})")

_SUFFIXES: tuple[tuple[str, Kind], ...] = tuple(sorted(
    [(s, "admin") for s in lx.ADMIN_SUFFIXES] + [(s, "street") for s in lx.STREET_SUFFIXES]
    + [(s, "estate") for s in lx.ESTATE_SUFFIXES],
    key=lambda item: -len(item[0])))
_SUFFIXES_BY_FIRST: dict[str, list[tuple[str, Kind]]] = {
    first: [item for item in _SUFFIXES if item[0][0] == first]
    for first in dict.fromkeys(s[0] for s, _ in _SUFFIXES)}
_SUFFIX_START = re.compile("[" + "".join(_SUFFIXES_BY_FIRST) + "]")
_HAN_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_CN_DIGITS = frozenset("一二三四五六七八九十")

# Name lengths (before the suffix) of a chain's first part: longer ones would swallow
# the words before the address. Parts inside a chain may be longer (城北冯路, 徐汇韦街).
_FIRST_NAME_LEN: dict[str, tuple[int, int]] = {
    "特别行政区": (2, 2), "自治区": (2, 5), "自治州": (2, 8), "自治县": (2, 6),
    "自治旗": (2, 6), "省": (2, 3), "市": (2, 4), "县": (1, 3), "区": (2, 3),
    "镇": (2, 3), "乡": (2, 4), "村": (2, 3), "街道": (2, 4), "社区": (2, 4),
}
_FIRST_NAME_DEFAULT = {"admin": (2, 4), "street": (1, 4), "estate": (2, 5)}
_FIRST_NAME_MAX = 8  # before trimming: the words before the address are still in it
_INNER_NAME_MAX = 6

# Villages and communities: a group numbered in words may follow them (张集村三组).
_GROUP_HOLDERS = ("村", "社区", "居委会", "村委会")
# After a street name these make it an organisation's name, not an address (东关路小学).
_ORG_AFTER = ("小学", "中学", "学校", "医院", "派出所", "支行", "分行", "办事处", "卫生院",
              "幼儿园", "公司", "超市", "管理", "改造", "建设", "工程", "项目")
# Tokens that end the words before an address (住址是…, 家住…, 位于…) and never begin one.
_STOP_TAGS = frozenset({"v", "p", "c", "u", "uj", "ul", "uz", "ug", "ud", "uv", "r", "d",
                        "y", "e", "o", "m", "q", "x"})
_STOP_TOKENS = frozenset(lx.LOCATION_CONTEXT) | lx.FUNCTION_CHARS | frozenset(
    {"位于", "来自", "迁至", "迁往", "寄往", "送至", "到", "至", "往", "去", "回", "住", "我",
     "其", "该", "在", "是"})
# Words in a part's name that show it is not an address (泗县人民政府…路).
_NOT_PLACE = ("政府", "委员会", "办公", "局", "公司", "银行", "医院", "学校", "中心", "单位")

# Words that end an address inside a chain (泗县在东关路…); narrower than _STOP_TOKENS,
# as place names hold function characters (魏都, 和平).
_INNER_STOP = frozenset(lx.LOCATION_CONTEXT) | frozenset(
    {"在", "是", "为", "于", "的", "位于", "至", "到", "往", "从", "由", "系", "等", "及", "和", "与"})
# Characters a place name does not begin with (in a word jieba's HMM made up: 现住).
_STOP_CHARS = lx.FUNCTION_CHARS | frozenset("住址到至往系位")

_SEPARATORS = "：: \u3000"


@dataclass(frozen=True, slots=True)
class Part:
    start: int
    end: int
    name_start: int  # where the suffix's name ends and the suffix begins: [start, name_start)
    suffix: str
    kind: Kind


@dataclass(frozen=True, slots=True)
class Address:
    start: int
    end: int
    score: float
    parts: tuple[Part, ...]


def _is_stop_token(token: lx.Token) -> bool:
    """A word that ends the text before an address: 住址, 位于, 是; a verb or the like
    of two or more characters (a single one may be a piece of a place name: 合山县)."""
    return token.text in _STOP_TOKENS or (
        token.known and len(token.text) > 1 and token.tag in _STOP_TAGS)


class _Reader:
    """The parts of one text: where suffixes sit and where runs of ideographs end are
    found once, and named parts are remembered, as chains try many starts."""

    def __init__(self, text: str, seg: lx.Segmentation) -> None:
        self.text, self.seg = text, seg
        self.suffixes: dict[int, list[tuple[str, Kind]]] = {}
        for m in _SUFFIX_START.finditer(text):
            k = m.start()
            hits = [o for o in _SUFFIXES_BY_FIRST[m.group()] if text.startswith(o[0], k)]
            if hits:
                self.suffixes[k] = hits
        self.suffix_at = sorted(self.suffixes)
        self._named: dict[tuple[int, int], list[Part]] = {}

    def han_end(self, i: int) -> int:
        """Where the run of ideographs beginning at i ends (i when there is none)."""
        m = _HAN_RUN.match(self.text, i)
        return m.end() if m else i

    def named_parts(self, j: int, max_name: int) -> list[Part]:
        """Every part "name + suffix" beginning at j that is not a common word, shortest
        first (虹乡 then 虹乡路)."""
        key = (j, max_name)
        if key in self._named:
            return self._named[key]
        parts = []
        if j < len(self.text):
            for k in range(j + 1, min(j + max_name, self.han_end(j)) + 1):
                for suffix, kind in self.suffixes.get(k, ()):
                    word = self.text[j:k + len(suffix)]
                    if word not in lx.ADDRESS_STOP_WORDS and not any(
                            w in word for w in _NOT_PLACE):
                        parts.append(Part(j, k + len(suffix), k, suffix, kind))
                        break
        self._named[key] = parts
        return parts

    def unit(self, j: int, previous: Part | None) -> Part | None:
        m = _UNIT.match(self.text, j)
        if m:
            unit = next(u for u in _UNITS_LONGEST_FIRST if m.group().endswith(u))
            return Part(j, m.end(), m.end() - len(unit), unit, "unit")
        m = _WORD_UNIT.match(self.text, j)
        if m and previous is not None and previous.suffix in _GROUP_HOLDERS:
            return Part(j, m.end(), m.end() - 1, "组", "unit")
        return None

    def part(self, j: int, previous: Part | None, max_name: int) -> Part | None:
        """The part beginning at j: a unit, or the shortest named part after which the
        address goes on (or stops at a non-ideograph); the shortest when none does."""
        unit = self.unit(j, previous)
        if unit is not None:
            return unit
        parts = self.named_parts(j, max_name)
        for part in parts:
            end = part.end
            if (end == len(self.text) or not lx.is_han(self.text[end])
                    or self.unit(end, part) or self.named_parts(end, _INNER_NAME_MAX)):
                return part
        return parts[0] if parts else None

    def trim_first(self, part: Part, floor: int) -> Part | None:
        """A chain's first part, starting where its name starts: the longest name allowed
        that begins a word (or follows 住/在… inside a word jieba's HMM made up: 现住|草沟)
        and holds no word like 住/是/位于 (周婷婷在西藏自治区: the name is 西藏)."""
        if part.kind == "unit":
            return part
        text, seg = self.text, self.seg
        low, high = _FIRST_NAME_LEN.get(part.suffix, _FIRST_NAME_DEFAULT[part.kind])
        for p in range(max(floor, part.name_start - high), part.name_start - low + 1):
            if text[p] in _STOP_CHARS or self.holds(p, part.name_start, _is_stop_token):
                continue
            inside = seg.inside(p)
            if inside is None or (not inside.known and all(
                    ch in _STOP_CHARS for ch in inside.text[:p - inside.start])):
                return Part(p, part.end, part.name_start, part.suffix, part.kind)
        p = part.name_start - low  # jieba glued the name to the word before it: shortest
        if p >= floor and text[p] not in _STOP_CHARS and not self.holds(
                p, part.name_start, _is_stop_token):
            return Part(p, part.end, part.name_start, part.suffix, part.kind)
        return None

    def holds(self, start: int, end: int, is_stop: Callable[[lx.Token], bool]) -> bool:
        """Whether a word of text[start:end] is a stop word."""
        by_start = self.seg.by_start
        return any((t := by_start.get(i)) is not None and is_stop(t) for i in range(start, end))

    def inner_ok(self, part: Part) -> bool:
        """A part inside a chain: no word in its name that ends the address before it."""
        return part.kind == "unit" or not self.holds(
            part.start, part.name_start, lambda t: t.text in _INNER_STOP)

    def may_start(self, i: int) -> bool:
        """Whether a part can begin at i: a number, or a suffix a few ideographs on."""
        ch = self.text[i]
        if not lx.is_han(ch):
            return ch.isalnum()
        if ch in _CN_DIGITS:
            return True
        k = bisect_right(self.suffix_at, i)
        return k < len(self.suffix_at) and self.suffix_at[k] <= min(
            i + _FIRST_NAME_MAX, self.han_end(i))

    def chains(self) -> list[list[Part]]:
        chains: list[list[Part]] = []
        i = 0
        while i < len(self.text):
            first = self.part(i, None, _FIRST_NAME_MAX) if self.may_start(i) else None
            first = self.trim_first(first, i) if first else None
            if first is None:
                i += 1
                continue
            chain = [first]
            j = first.end
            while j < len(self.text):
                part = self.part(j, chain[-1], _INNER_NAME_MAX)
                if part is None or not self.inner_ok(part):
                    break
                chain.append(part)
                j = part.end
            chains.append(chain)
            i = j
        return chains


def _street_level(chain: list[Part], index: int, text: str) -> bool:
    part = chain[index]
    after = chain[index + 1] if index + 1 < len(chain) else None
    if part.kind == "unit":
        return True
    if part.kind == "estate":
        return False
    if part.kind != "street" or (after is not None and after.kind == "admin"):
        return False
    if part.suffix == "道" and (after is None or after.kind != "unit"):
        return False  # 道 ends too many words (渠道, 报道) to count without a number
    return after is not None or not text.startswith(_ORG_AFTER, part.end)


def _score(parts: tuple[Part, ...]) -> float:
    admins = sum(p.kind == "admin" for p in parts)
    streets = sum(p.kind == "street" for p in parts)
    units = sum(p.kind == "unit" for p in parts)
    if admins and (streets or units):
        if not streets and units == 1 and not any(
                p.suffix in _GROUP_HOLDERS or p.kind == "estate" for p in parts):
            return 0.4  # 泗县3号: a county and a number are weak
        return min(0.85, 0.6 + 0.05 * min(admins, 3) + (0.1 if streets and units else 0))
    if streets and units:
        return 0.55  # 东关路123号
    if units >= 2:
        return 0.35  # 8栋2单元301室
    return 0.25


def find_addresses(text: str) -> list[Address]:
    """Every address-like chain of `text` that reaches street level, scored (remembered
    for the last few hundred texts: the PERSON recognizer asks for the same text)."""
    if not _PREFILTER.search(text):
        return []
    found = _FOUND.get(text)
    if found is None:
        found = _find_addresses(text, lx.segment(text))
        if len(_FOUND) >= _FOUND_MAX:
            _FOUND.clear()
        _FOUND[text] = found
    return found


_FOUND: dict[str, list[Address]] = {}
_FOUND_MAX = 512


def _find_addresses(text: str, seg: lx.Segmentation) -> list[Address]:
    found = []
    for chain in _Reader(text, seg).chains():
        last = max((k for k in range(len(chain)) if _street_level(chain, k, text)), default=-1)
        if last < 0:
            continue
        parts = tuple(chain[:last + 1])
        found.append(Address(parts[0].start, parts[-1].end, _score(parts), parts))
    return found


def _context_before(text: str, start: int) -> bool:
    head = text[:start].rstrip(_SEPARATORS)
    return head.endswith(lx.LOCATION_CONTEXT)


_CELL_CHARS = re.compile(r"[\u3400-\u9fff0-9A-Za-z０-９\-－#（）()·\s]+")
_ANY_SUFFIX = re.compile("|".join(s for s, _ in _SUFFIXES))


def looks_like_address(text: str) -> bool:
    """Cheap test (no jieba) for a cell of an address column: mostly ideographs and
    digits, an administrative or street name, and a street-level part."""
    s = text.strip()
    if not 4 <= len(s) <= 100 or not _CELL_CHARS.fullmatch(s):
        return False
    han = sum(lx.is_han(c) for c in s)
    if han < 3 or not _ANY_SUFFIX.search(s):
        return False
    return bool(_UNIT.search(s) or _WORD_UNIT.search(s)
                or any(s.find(x) > 0 for x in lx.STREET_SUFFIXES))


class LocationRecognizer(EntityRecognizer):
    """Street-level addresses (住址) in Chinese text."""

    CONTEXT = list(lx.LOCATION_CONTEXT)

    def __init__(self) -> None:
        super().__init__(supported_entities=[LOCATION], name="ChineseAddressRecognizer",
                         supported_language=LANGUAGE, context=list(self.CONTEXT))

    def load(self) -> None:  # word lists load with the lexicon module
        pass

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        if entities and LOCATION not in entities:
            return []
        if not _PREFILTER.search(text):
            return []
        results = []
        lx.segment(text, nlp_artifacts)  # the tokens Presidio made, if any
        for address in find_addresses(text):
            score = address.score
            if _context_before(text, address.start):
                score = min(1.0, score + 0.1)
            explanation = AnalysisExplanation(
                recognizer=self.name, original_score=score,
                textual_explanation=f"address of {len(address.parts)} parts")
            results.append(RecognizerResult(
                LOCATION, address.start, address.end, score, explanation,
                recognition_metadata={RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                                      RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id}))
        return results
