"""Chinese person names (PERSON): a surname, then one or two given-name characters.

Candidates are every surname (王, 欧阳 ...) followed by given-name characters. jieba's
segmentation then says whether a candidate is a word of its own (a name jieba knows, or
one its HMM put together from unknown characters) or a piece of a common word (王国,
明确, 张集村); the words around it say whether it stands where a name goes (据X介绍,
X于2024年…); context words right before (户主, 经办人：) or titles right after (先生,
同志) raise the score. Names inside an address (沈河胡路) or followed by a place or an
organisation (李桥镇, 王圩社区, 明腾网络有限公司) are not people.

Two other shapes are read apart: names written with a middle dot (买买提·艾力, 扎西·多吉,
any of · • ‧ ・ ･), the run of transliteration characters on each side of the dot, one
span; and the familiar 老王, 小李 (老/小 + a common surname), 阿明 (阿 + a given-name
character), found only where the sentence around them says a person stands there
(邻居老王说, 请小李…, 据阿明讲), never in ordinary words (老师, 小学, 阿里, 小时候).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from presidio_analyzer import AnalysisExplanation, EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from desensitize.entities import LANGUAGE, PERSON
from desensitize.recognizers import lexicon as lx
from desensitize.recognizers.location import find_addresses

# Scores. A surname with given-name characters is weak alone; jieba reading it as a word
# of its own, its place in the sentence, or a context word next to it make it a finding.
_SURNAME_SCORE = {1: 0.30, 2: 0.25, 3: 0.20}  # by tier (see data/surnames.txt)
_COMPOUND_SCORE = 0.40
_GIVEN_BONUS = {1: 0.10, 2: 0.15}  # by the given name's length: two name characters say more
_WORD_BONUS = 0.20  # jieba's token is exactly the candidate (an nr word, or an HMM word)
_GLUED_BONUS = 0.15  # jieba's HMM glued a function word to it (刘洋于, 由安金凤)
_GIVEN_WORD_BONUS = 0.10  # jieba knows the given name as a name (王/秀英)
_SLOT_BONUS = 0.15  # stands where a name goes on both sides (less on one side only)
_CONTEXT_BONUS = 0.35  # a context word right before or a title right after (Presidio's)
_LIST_BONUS = 0.10  # 张伟、刘洋 / 张伟和刘洋: another name next to it
_WHOLE_BONUS = 0.10  # the whole text is the name (a table cell)
_CUT_SHORT = 0.25  # 王桂 when 王桂荣 ends where a name ends and 王桂 does not
MIN_SCORE = 0.3  # weaker candidates are not reported, even for context to lift

# A name is not followed by these (李桥镇, 张集村, 王圩社区 are places).
_PLACE_CHARS = frozenset("村镇乡庄集圩寨屯湾桥路街巷局厂县市区省港坝沟营铺店湖河山洲岛塘")
# Nor does it end with an administrative or street suffix.
_SUFFIX_CHARS = frozenset("村镇乡县市区省局路街巷")
_PLACE_WORDS = ("社区", "公司", "小学", "中学", "学校", "医院", "银行", "集团", "大学",
                "中心", "超市", "商店", "大道", "农场", "合作社", "村委", "居委", "委员会",
                "政府", "大街", "胡同", "小区", "花园", "广场", "大厦", "水库", "煤矿", "学院")
# An organisation's name runs from the candidate to one of these with no function word
# or punctuation between (明腾网络有限公司: 明腾 is no person).
_ORGANISATION = re.compile(
    r"[\u4e00-\u9fff]{0,10}?(?:有限公司|公司|集团|合作社|商行|经营部|门市部|工作室|事务所|厂)")
# Characters that introduce a person (据X介绍, 由X负责, 我叫X, 发放至X, 张伟、刘洋).
_BEFORE_NAME = frozenset("由据给向与和及同跟被让叫经对把请派将、是为系即了至到")
# Tags of the word after a name that say the name ended: a verb, a function word.
_VERB_TAGS = frozenset({"v", "vd", "vn", "vi", "p", "c", "d", "ad", "u", "uj", "ul", "uz"})
_FUNCTION_TAGS = frozenset({"p", "c", "d", "u", "uj", "ul", "uz", "r"})
_JOINERS = "、和与及跟同"
_NOT_ROLES = frozenset({"个人", "他人", "别人", "人人", "众人", "外人", "每人", "成人", "全员"})
_SEPARATORS = "：: \u3000"


@dataclass(frozen=True, slots=True)
class Name:
    start: int
    end: int
    score: float
    context: bool  # a context word or title right next to it raised the score
    ends_well: bool  # a verb, function word or punctuation follows it


# --- evidence ---------------------------------------------------------------------

def _piece(token: lx.Token, start: int, end: int) -> str:
    """The part of a token's text between two offsets of the text."""
    return token.text[max(start, token.start) - token.start:min(end, token.end) - token.start]


def _start_ok(seg: lx.Segmentation, start: int) -> bool:
    """A name may start between jieba's tokens, or inside a word (one jieba's HMM made
    up, or a dictionary word not itself a function word) when what it cuts off is a
    function character (由余建平)."""
    token = seg.inside(start)
    if token is None:
        return True
    if token.known and token.tag in _FUNCTION_TAGS:  # 对于可是, 由于美国
        return False
    # 据夏雪梅, 由张婷婷, 由余建平; not 大庄镇 (庄 starts no name there)
    return all(ch in lx.FUNCTION_CHARS or ch in _BEFORE_NAME
               for ch in _piece(token, token.start, start))


def _end_ok(text: str, seg: lx.Segmentation, end: int) -> bool:
    """Likewise for the end (李明确 is 李/明确, but 杨利于 is 杨利 + 于), and a dictionary
    word cut may regroup with what follows (夏建国家住: 夏建国 + 家住)."""
    token = seg.inside(end)
    if token is None or not token.known:
        return True
    rest = _piece(token, end, token.end)
    return all(ch in lx.FUNCTION_CHARS for ch in rest) or _regrouped(text, end, token.end) != ""


def _regrouped(text: str, end: int, token_end: int) -> str:
    """The dictionary word that starts at `end`, inside a token ending at `token_end`,
    and runs past it (夏建|国家|住: 家住), or ""."""
    for k in range(token_end + 1, min(end + 5, len(text)) + 1):
        if lx.word_freq(text[end:k]):
            return text[end:k]
    return ""


def _common_word(word: str) -> str:
    """"common" for a common word (王国, 高兴), "rare" for a word seldom met, which a
    context word right before may still make a name (来电人宁宁), "" for none."""
    if word in lx.NAME_STOP_WORDS:
        return "common"
    freq = lx.word_freq(word)
    if freq >= 1500 or (freq >= 20 and not lx.word_tag(word).startswith("nr")):
        return "common" if freq >= 200 else "rare"
    return ""


def _word_bonus(seg: lx.Segmentation, start: int, end: int) -> float:
    """How far jieba reads text[start:end] as a word of its own."""
    token = seg.by_start.get(start) or seg.inside(start)
    if token is None:
        return 0.0
    if token.known:
        if token.start == start and token.end == end and token.tag.startswith("nr"):
            return _WORD_BONUS
        given = seg.by_start.get(start + 1)  # 王/秀英
        if (token.end == start + 1 and given is not None and given.end == end
                and given.tag.startswith("nr")):
            return _GIVEN_WORD_BONUS
        return 0.0
    if token.end < end:
        return 0.0
    glued = _piece(token, token.start, start) + _piece(token, end, token.end)
    if not glued:
        return _WORD_BONUS
    if all(ch in lx.FUNCTION_CHARS or ch in _BEFORE_NAME for ch in glued):
        return _GLUED_BONUS
    return 0.05


def _ends_well(text: str, seg: lx.Segmentation, end: int) -> bool:
    if end == len(text) or not lx.is_han(text[end]) or text[end] in lx.FUNCTION_CHARS:
        return True
    token = seg.by_start.get(end)
    if token is None and (inside := seg.inside(end)) is not None:  # 周明|代为 in 由周/明代/为
        return lx.word_tag(_regrouped(text, end, inside.end)) in _VERB_TAGS
    return token is not None and token.known and token.tag in _VERB_TAGS


def _starts_well(text: str, seg: lx.Segmentation, start: int) -> bool:
    if start == 0 or not lx.is_han(text[start - 1]) or text[start - 1] in _BEFORE_NAME:
        return True
    token = seg.by_end.get(start)  # 接到/毕桂兰, 通知/王芳: the object of a verb
    return token is not None and token.known and len(token.text) > 1 and token.tag == "v"


def _context_before(text: str, start: int) -> bool:
    """A context word right before (户主, 经办人：, 收货人为), or any role word in 人/员
    (来电人, 网格员)."""
    head = text[max(0, start - 12):start].rstrip(_SEPARATORS)
    if head.endswith(("为", "是", "系")):  # 收货人为何桂兰, 申请人是王芳
        head = head[:-1]
    if head.endswith(lx.PERSON_CONTEXT):
        return True
    return (len(head) >= 2 and head[-1] in "人员" and lx.is_han(head[-2])
            and head[-2:] not in _NOT_ROLES)


_ROLE_LABELS = tuple(w for w in lx.PERSON_CONTEXT if w.endswith(("人", "姓名")))


def _labelled(text: str, start: int, end: int) -> bool:
    """姓名：高峰, 联系人 平安, 申请人万里 — a label (a colon, or a role label such as
    联系人 with or without one), then the name up to the end of the field."""
    head = text[:start].rstrip(" \u3000")
    return (head.endswith(("：", ":")) or head.endswith(_ROLE_LABELS)) and (
        end == len(text) or not lx.is_han(text[end]))


def _place_after(text: str, end: int) -> bool:
    return end < len(text) and (text[end] in _PLACE_CHARS or text.startswith(_PLACE_WORDS, end))


def _in_organisation(text: str, end: int) -> bool:
    m = _ORGANISATION.match(text, end)
    return m is not None and not any(ch in lx.FUNCTION_CHARS for ch in m.group())


def _score(text: str, seg: lx.Segmentation, start: int, surname: str, end: int) -> Name | None:
    """text[start:end] scored as a name, or None when it cannot be one."""
    if not all(ch in lx.GIVEN_CHARS for ch in text[start + len(surname):end]):
        return None
    if text[end - 1] in _SUFFIX_CHARS:  # 丁湖镇: a place
        return None
    context = _context_before(text, start)
    title = text.startswith(lx.PERSON_TITLES, end)
    if not (context or title or _start_ok(seg, start)) or not (title or _end_ok(text, seg, end)):
        return None
    if not title and (_place_after(text, end) or _in_organisation(text, end)):
        return None
    common = _common_word(text[start:end])
    if common and not (title or context and (common == "rare" or _labelled(text, start, end))):
        return None
    first = seg.by_start.get(start)  # 方法|可是: a common word, then a cut one
    if (len(surname) == 1 and end - start == 3 and first is not None
            and first.end == start + 2 and not seg.boundary(end) and _common_word(first.text)):
        return None
    score = _COMPOUND_SCORE if len(surname) == 2 else _SURNAME_SCORE[lx.SURNAMES[surname]]
    score += _GIVEN_BONUS[end - start - len(surname)] + _word_bonus(seg, start, end)
    before, after = _starts_well(text, seg, start), _ends_well(text, seg, end)
    score += _SLOT_BONUS if before and after else 0.10 if after else 0.05 if before else 0.0
    if context or title:
        score += _CONTEXT_BONUS
    if start == 0 and end == len(text):
        score += _WHOLE_BONUS
    return Name(start, end, min(score, 1.0), context or title, after)


# --- choosing among candidates ------------------------------------------------------

def _candidates(text: str, seg: lx.Segmentation) -> list[Name]:
    found = []
    for i, ch in enumerate(text):
        surnames = [text[i:i + 2]] if text[i:i + 2] in lx.COMPOUND_SURNAMES else []
        if ch in lx.SURNAMES:
            surnames.append(ch)
        for surname in surnames:
            for given_len in (1, 2):
                end = i + len(surname) + given_len
                if end > len(text):
                    break
                name = _score(text, seg, i, surname, end)
                if name is not None:
                    found.append(name)
    return found


def _adjust(text: str, candidates: list[Name]) -> list[Name]:
    """Between a name and its own first characters (王桂荣 / 王桂), the one after which
    the sentence goes on well; between a name and its given name (欧玉兰 / 玉兰), the
    whole name, unless a function word comes first (和林芳)."""
    by_span = {(c.start, c.end): c for c in candidates}
    out = []
    for c in candidates:
        longer = by_span.get((c.start, c.end + 1))
        if longer is not None and longer.ends_well and not c.ends_well:
            c = replace(c, score=c.score - _CUT_SHORT)
        if (c.start - 1, c.end) in by_span and text[c.start - 1] not in _BEFORE_NAME:
            c = replace(c, score=c.score - 0.15)
        out.append(c)
    return out


def _select(candidates: list[Name]) -> list[Name]:
    """Non-overlapping candidates, best first (then the longer)."""
    kept: list[Name] = []
    for c in sorted(candidates, key=lambda c: (-c.score, -(c.end - c.start), c.start)):
        if all(c.end <= k.start or c.start >= k.end for k in kept):
            kept.append(c)
    return sorted(kept, key=lambda c: c.start)


def _listed(text: str, names: list[Name]) -> list[Name]:
    """Names in a list (张伟、刘洋和王芳) support each other."""
    out = []
    for k, name in enumerate(names):
        near = names[max(0, k - 1):k] + names[k + 1:k + 2]
        joined = any((n.end == name.start - 1 and text[n.end] in _JOINERS)
                     or (n.start == name.end + 1 and text[name.end] in _JOINERS) for n in near)
        out.append(replace(name, score=min(1.0, name.score + _LIST_BONUS)) if joined else name)
    return out


# --- names written with a middle dot ---------------------------------------------------

_DOTTED_SCORE = 0.85  # two runs of transliteration characters joined by a middle dot
_DOTTED = re.compile("[{0}]{{2,8}}(?:[{1}][{0}]{{2,8}}){{1,3}}".format(
    "".join(sorted(lx.TRANSLITERATION_CHARS)), lx.MIDDLE_DOTS))


def _glued_before(text: str, k: int) -> bool:
    """text[k] ends a common word begun before it (感谢: 谢 is no name's first character)."""
    return any(lx.word_freq(w) >= 100 and not lx.word_tag(w).startswith("nr")
               for w in (text[max(0, k - 1):k + 1], text[max(0, k - 2):k + 1])
               if len(w) > 1 and w[0] not in lx.TRANSLITERATION_CHARS | {w[-1]})


def find_dotted(text: str) -> list[Name]:
    """Names written with a middle dot (买买提·艾力): a run of transliteration characters
    on each side, cut where a common word takes over (感谢|伊力哈木, 吐尔逊|申请)."""
    out = []
    for m in _DOTTED.finditer(text):
        start, end = m.start(), m.end()
        first_dot = next(i for i in range(start, end) if text[i] in lx.MIDDLE_DOTS)
        last_dot = max(i for i in range(start, end) if text[i] in lx.MIDDLE_DOTS)
        while first_dot - start > 2 and (
                text[start] in _BEFORE_NAME or text[start] in lx.FUNCTION_CHARS
                or _glued_before(text, start)):
            start += 1  # 感谢伊力哈木: 感谢 is a word, 谢 no part of the name
        for j in range(last_dot + 3, end):
            w2, w3 = text[j:j + 2], text[j:j + 3]
            if text[j] in lx.FUNCTION_CHARS or text.startswith(lx.PERSON_TITLES, j) or any(
                    len(w) > end - j and lx.word_freq(w) >= 100
                    and not lx.word_tag(w).startswith("nr") for w in (w2, w3)):
                end = j  # 吐尔逊申请: 申请 is a word; 艾力都在, 史密斯先生
                break
        context = _context_before(text, start) or text.startswith(lx.PERSON_TITLES, end)
        score = min(1.0, _DOTTED_SCORE + (_CONTEXT_BONUS if context else 0.0))
        out.append(Name(start, end, score, context, True))
    return out


# --- 老王, 小李, 阿明 ---------------------------------------------------------------------

_NICK_BASE = 0.30
_NICK_SIDE = 0.20  # the sentence reads well before it, or after it


def find_nicknames(text: str, seg: lx.Segmentation) -> list[Name]:
    """老/小 + a common surname (tiers 1-2) and 阿 + a given-name character, where the
    sentence says a person stands there: a context word before it, or a name's place
    on one side at least (邻居老王说, 请小李…, 找阿明，). Left alone: words of that shape
    (老师, 小学, 阿里, 小康), and a surname character that begins a word (小时候, 小高层),
    or a prefix character that ends one (大小王)."""
    out = []
    for i in range(len(text) - 1):
        head, ch = text[i], text[i + 1]
        if not ((head in "老小" and lx.SURNAMES.get(ch, 9) <= 2)
                or (head == "阿" and ch in lx.GIVEN_CHARS)):
            continue
        word, end = text[i:i + 2], i + 2
        if word in lx.NICKNAME_STOP_WORDS or word in lx.NAME_STOP_WORDS:
            continue
        if lx.word_freq(word) >= 500 and not lx.word_tag(word).startswith("nr"):
            continue
        if any(lx.word_freq(w) >= 50 and not lx.word_tag(w).startswith("nr")
               for w in (text[i + 1:i + 3], text[i + 1:i + 4]) if len(w) > 1):
            continue  # 小时候, 小学生: the character starts a word
        if i > 0 and lx.is_han(text[i - 1]) and text[i - 1] not in _BEFORE_NAME \
                and lx.word_freq(text[i - 1:i + 1]) >= 50:
            continue  # 大小王, 养老金
        if end < len(text) and lx.is_han(text[end]) and lx.word_freq(text[i:end + 1]) >= 50 \
                and not lx.word_tag(text[i:end + 1]).startswith("nr"):
            continue  # 老李子? a longer word
        context = _context_before(text, i) or text.startswith(lx.PERSON_TITLES, end)
        before, after = _starts_well(text, seg, i), _ends_well(text, seg, end)
        score = (_NICK_BASE + (_NICK_SIDE if before else 0.0) + (_NICK_SIDE if after else 0.0)
                 + (_CONTEXT_BONUS if context else 0.0))
        if context or before or after:
            out.append(Name(i, end, min(score, 1.0), context, after))
    return out


def _may_hold_name(text: str) -> bool:
    return (any(ch in lx.SURNAMES for ch in text) or "阿" in text
            or any(dot in text for dot in lx.MIDDLE_DOTS))


def find_names(text: str, seg: lx.Segmentation | None = None) -> list[Name]:
    """Person names in `text`, scored (weak ones included, down to MIN_SCORE)."""
    if not _may_hold_name(text):
        return []
    seg = seg or lx.segment(text)
    places = [(a.start, a.end) for a in find_addresses(text)]
    dotted = [d for d in find_dotted(text)
              if not any(d.start < e and s < d.end for s, e in places)]
    taken = places + [(d.start, d.end) for d in dotted]
    candidates = [c for c in _candidates(text, seg) + find_nicknames(text, seg)
                  if not any(c.start < e and s < c.end for s, e in taken)]
    selected = sorted(_select(_adjust(text, candidates)) + dotted, key=lambda n: n.start)
    return [n for n in _listed(text, selected) if n.score >= MIN_SCORE]


# --- cells of a column of names -------------------------------------------------------

_NAME_CELL = re.compile(r"[\u3400-\u9fff]{2,4}")
_MINORITY_CELL = re.compile(
    r"[\u3400-\u9fff]{1,10}(?:[" + lx.MIDDLE_DOTS + r"．][\u3400-\u9fff]{1,10}){1,3}")
# In a column of names, 陆军 and 杨柳 are names; 张集村 and 王圩社区 are still places.
_NOT_NAME_ENDS = tuple(_SUFFIX_CHARS) + _PLACE_WORDS


def looks_like_name(text: str) -> bool:
    """Cheap test (no jieba) for a cell of a column of names: 2-4 ideographs starting with
    a surname (王秀英, 欧阳建华), or ideographs joined by middle dots (minority names
    such as 买买提·艾力, which start with no Han surname)."""
    s = text.strip()
    if _NAME_CELL.fullmatch(s):
        return ((s[0] in lx.SURNAMES or s[:2] in lx.COMPOUND_SURNAMES)
                and not s.endswith(_NOT_NAME_ENDS))
    return len(s) <= 24 and bool(_MINORITY_CELL.fullmatch(s))


class PersonRecognizer(EntityRecognizer):
    """Chinese person names (姓名) in text and in table cells."""

    CONTEXT = list(lx.PERSON_CONTEXT)

    def __init__(self) -> None:
        super().__init__(supported_entities=[PERSON], name="ChinesePersonRecognizer",
                         supported_language=LANGUAGE, context=list(self.CONTEXT))

    def load(self) -> None:  # word lists load with the lexicon module
        pass

    def analyze(self, text: str, entities: list[str],
                nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        if entities and PERSON not in entities:
            return []
        if not _may_hold_name(text):
            return []
        results = []
        for name in find_names(text, lx.segment(text, nlp_artifacts)):
            explanation = AnalysisExplanation(
                recognizer=self.name, original_score=name.score,
                textual_explanation="surname and given name"
                + (", context word next to it" if name.context else ""))
            results.append(RecognizerResult(
                PERSON, name.start, name.end, name.score, explanation,
                recognition_metadata={
                    RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                    RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                    # Counted already: Presidio's enhancer must not add it again.
                    RecognizerResult.IS_SCORE_ENHANCED_BY_CONTEXT_KEY: name.context}))
        return results
