"""The structured recognizers, as tables: what each must find (at the exact span, whole
cells and inside Chinese sentences), what it must leave alone (wrong check characters,
look-alikes), and that its TRIGGER never misses what it finds."""

from __future__ import annotations

import random
import re
from collections.abc import Callable

import pytest
from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
from stdnum import luhn
from stdnum.cn import ric, uscc

from desensitize import entities as E
from desensitize.recognizers import checksums
from desensitize.recognizers.base import CnPatternRecognizer
from desensitize.recognizers.structured import (
    RECOGNIZER_CLASSES,
    BankCardRecognizer,
    CnEmailRecognizer,
    CnIpAddressRecognizer,
    HkMacauPermitRecognizer,
    LandlineRecognizer,
    LicensePlateRecognizer,
    MobileRecognizer,
    PassportRecognizer,
    ResidentIdRecognizer,
    UsccRecognizer,
    structured_recognizers,
)

THRESHOLD = 0.5  # the scanner's


# --- valid numbers, made with their real check characters ------------------------------

def make_id(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17 + "0")


def make_uscc(body17: str) -> str:
    return body17 + uscc.calc_check_digit(body17)


def make_card(body: str) -> str:
    return body + luhn.calc_check_digit(body)


def wrong_check(number: str, alphabet: str = "0123456789") -> str:
    """The number with its last character replaced by another of `alphabet`."""
    return number[:-1] + next(c for c in alphabet if c != number[-1].upper())


def grouped(number: str, sep: str = " ") -> str:
    return sep.join(number[i:i + 4] for i in range(0, len(number), 4))


def find_body(prefix: str, ok: Callable[[str], bool], width: int = 3) -> str:
    """The first `prefix` + counter whose made ID satisfies `ok` (for rare coincidences)."""
    for n in range(10 ** width):
        number = make_id(f"{prefix}{n:0{width}d}")
        if ok(number):
            return number
    raise AssertionError("no such number")


ID_X = "11010519491231002X"  # the textbook example, check digit X
ID_ANHUI = make_id("34132419850317123")
ID_LEAP = make_id("44030620000229456")  # born on 29 February 2000
# A valid Gansu ID that is also Luhn valid with a UnionPay-looking prefix (62...).
ID_LIKE_CARD = find_body("62010219800101", lambda n: n[-1] != "X" and luhn.is_valid(n))
# A valid ID whose 18 digits also pass the USCC mod-31 check.
ID_LIKE_USCC = find_body("11010519900101", lambda n: checksums.uscc_valid(n))
# An 18-digit UnionPay card whose digits also pass the USCC check (category 62).
CARD_LIKE_USCC = next(c for n in range(1000)
                      if checksums.uscc_valid(c := make_card(f"62220212345678{n:03d}")))

USCC_COMPANY = make_uscc("91341324MA2T3K5LX")
USCC_ALL_DIGITS = make_uscc("12100000400000624")
USCC_OTHER = make_uscc("Y1110000MA0123456")
USCC_NONPROFIT = make_uscc("52341324MA0000001")

CARD_16 = make_card("622202123456789")
CARD_17 = make_card("6217000012345678")
CARD_18 = make_card("62284800123456789")
CARD_19 = make_card("621700000012345678")
CARD_VISA = make_card("411111111111111")
CARD_MASTER = make_card("550000000000000")
CARD_MASTER_2 = make_card("222100000000000")
CARD_JCB = make_card("353011133330000")
CARD_ICBC_OLD = make_card("955880123456789012")

Case = tuple[str, list[str]]  # (text, the spans to find in order, as their texts)


def spans(text: str, expected: list[str]) -> list[tuple[int, int]]:
    out, at = [], 0
    for part in expected:
        start = text.index(part, at)
        out.append((start, start + len(part)))
        at = start + len(part)
    return out


def found(rec: CnPatternRecognizer, text: str) -> list[tuple[int, int, float]]:
    """(start, end, score) of what `rec` finds, called the way the scanner calls it."""
    results = rec.analyze(text, [rec.ENTITY], None)
    assert all(r.entity_type == rec.ENTITY for r in results)
    return sorted((r.start, r.end, r.score) for r in results)


# --- the tables: (text, spans) found at >= min score; texts where nothing is found ------

VALID: dict[type[CnPatternRecognizer], list[Case]] = {
    ResidentIdRecognizer: [
        (ID_X, [ID_X]),
        (ID_X.lower(), [ID_X.lower()]),
        (ID_ANHUI, [ID_ANHUI]),
        (f"公民身份号码{ID_ANHUI}，", [ID_ANHUI]),
        (f"申请人张三（身份证{ID_LEAP}）于今日提交", [ID_LEAP]),
        (f"身份证号：{ID_X}。", [ID_X]),
        (f"{ID_LIKE_CARD}", [ID_LIKE_CARD]),
        (f"{ID_LIKE_USCC}", [ID_LIKE_USCC]),
        (f"夫{ID_ANHUI}、妻{ID_LEAP}", [ID_ANHUI, ID_LEAP]),
    ],
    UsccRecognizer: [
        (USCC_COMPANY, [USCC_COMPANY]),
        (USCC_ALL_DIGITS, [USCC_ALL_DIGITS]),
        (USCC_OTHER, [USCC_OTHER]),
        (f"某某公司（统一社会信用代码：{USCC_COMPANY}）于", [USCC_COMPANY]),
        (f"个体工商户，信用代码{USCC_NONPROFIT}，经营场所", [USCC_NONPROFIT]),
    ],
    MobileRecognizer: [
        ("13812345678", ["13812345678"]),
        ("联系电话：13812345678。", ["13812345678"]),
        ("手机19912345678，", ["19912345678"]),
        ("138 1234 5678", ["138 1234 5678"]),
        ("138-1234-5678", ["138-1234-5678"]),
        ("+86 138 1234 5678", ["+86 138 1234 5678"]),
        ("+86 138-1234-5678", ["+86 138-1234-5678"]),
        ("电话+8613812345678", ["+8613812345678"]),
        ("0086 13812345678", ["0086 13812345678"]),
        ("请拨打13812345678或15500080636", ["13812345678", "15500080636"]),
        ("13812345678,13912345678", ["13812345678", "13912345678"]),
        ("Tel: 17712345678", ["17712345678"]),
    ],
    LandlineRecognizer: [
        ("010-12345678", ["010-12345678"]),
        ("0557-1234567", ["0557-1234567"]),
        ("021 87654321", ["021 87654321"]),
        ("(0557)1234567", ["(0557)1234567"]),
        ("（0551）62345678", ["（0551）62345678"]),
        ("0557-1234567转123", ["0557-1234567转123"]),
        ("010-12345678-8001", ["010-12345678-8001"]),
        ("办公电话0557-2345678，传真0557-7654321。", ["0557-2345678", "0557-7654321"]),
    ],
    BankCardRecognizer: [
        # 19 digits, or grouped by four as cards are printed: found alone.
        (CARD_19, [CARD_19]),
        (CARD_ICBC_OLD, [CARD_ICBC_OLD]),
        (grouped(CARD_16), [grouped(CARD_16)]),
        (grouped(CARD_19), [grouped(CARD_19)]),
        (grouped(CARD_17, "-"), [grouped(CARD_17, "-")]),
        (f"补贴已发放至银行卡（卡号{CARD_19}）。", [CARD_19]),
        (f"开户行：农业银行，账号{grouped(CARD_18)}。", [grouped(CARD_18)]),
    ],
    LicensePlateRecognizer: [
        ("粤B12345", ["粤B12345"]),
        ("皖LA12B3", ["皖LA12B3"]),
        ("京A1234学", ["京A1234学"]),
        ("粤Z1234港", ["粤Z1234港"]),
        ("皖LD12345", ["皖LD12345"]),
        ("皖L12345F", ["皖L12345F"]),
        ("苏E·A1234", ["苏E·A1234"]),
        ("皖A-88995", ["皖A-88995"]),
        ("张三驾驶皖L12345号小型汽车", ["皖L12345"]),
        ("新能源汽车皖LD12345长期停放", ["皖LD12345"]),
    ],
    CnEmailRecognizer: [
        ("zhangsan@example.com", ["zhangsan@example.com"]),
        ("请发邮件至zhangsan@example.com", ["zhangsan@example.com"]),
        ("材料已发送至li.si+tag@mail.gov.cn，逾期不候。", ["li.si+tag@mail.gov.cn"]),
        ("邮箱：123456789@qq.com。", ["123456789@qq.com"]),
        ("用户wang_wu@163.com于2024-01-01登录", ["wang_wu@163.com"]),
        ("见 Zhao-Liu@Example.ORG.", ["Zhao-Liu@Example.ORG"]),
    ],
    CnIpAddressRecognizer: [
        ("192.168.1.1", ["192.168.1.1"]),
        ("IP地址：10.0.0.1。", ["10.0.0.1"]),
        ("用户从8.8.8.8登录", ["8.8.8.8"]),
        ("255.255.255.0", ["255.255.255.0"]),
        ("2001:db8::1", ["2001:db8::1"]),
        ("服务器fe80::1ff:fe23:4567:890a异常", ["fe80::1ff:fe23:4567:890a"]),
        ("::ffff:192.168.1.1", ["::ffff:192.168.1.1"]),
    ],
}

# Found, but below the threshold: these need a context word or a column header.
WEAK: dict[type[CnPatternRecognizer], list[Case]] = {
    # 16-18 bare digits, Luhn valid: as often an order number or a serial as a card.
    BankCardRecognizer: [(card, [card]) for card in (
        CARD_16, CARD_17, CARD_18, CARD_VISA, CARD_MASTER, CARD_MASTER_2, CARD_JCB,
        CARD_LIKE_USCC)],
    ResidentIdRecognizer: [("110105491231002", ["110105491231002"])],  # 15 digits, 1949
    LandlineRecognizer: [("05571234567", ["05571234567"]), ("01087654321", ["01087654321"])],
    PassportRecognizer: [
        ("E12345678", ["E12345678"]),
        ("EA1234567", ["EA1234567"]),
        ("G12345678", ["G12345678"]),
        ("D1234567", ["D1234567"]),
        ("SE1234567", ["SE1234567"]),
        ("P12345678", ["P12345678"]),
        ("护照号码E12345678，", ["E12345678"]),
    ],
    HkMacauPermitRecognizer: [
        ("C12345678", ["C12345678"]),
        ("CA1234567", ["CA1234567"]),
        ("H12345678", ["H12345678"]),
        ("H1234567890", ["H1234567890"]),
        ("通行证M12345678。", ["M12345678"]),
    ],
}

INVALID: dict[type[CnPatternRecognizer], list[str]] = {
    ResidentIdRecognizer: [
        wrong_check(ID_X), wrong_check(ID_ANHUI), f"身份证{wrong_check(ID_LEAP)}号",
        make_id("11010519490230002"),  # 30 February
        make_id("11010520991231002"),  # born in the future
        make_id("20010519491231002"),  # no province 20
        "202405170001234567", "202201011230451234",  # order numbers
        f"1{ID_ANHUI}", f"{ID_ANHUI}9", f"A{ID_ANHUI}", f"{ID_X}B",  # parts of longer codes
        "110105491332002", "200105491231002",  # 15 digits: month 13, no province 20
        "20240101", "2024-01-01", "12,345.67", "1234567.89",
    ],
    UsccRecognizer: [
        wrong_check(USCC_COMPANY, "0123456789ABCDEFGHJKLMNPQRTUWXY"),
        wrong_check(USCC_ALL_DIGITS, "0123456789ABCDEFGHJKLMNPQRTUWXY"),
        make_uscc("95110000MA0123456"),  # authority 9 has no category 5
        make_uscc("20240517000123456"),  # an order number with a matching check
        ID_LIKE_USCC, wrong_check(ID_LIKE_USCC), ID_X, CARD_LIKE_USCC,
        "91341324MA2T3K5LI0", f"X{USCC_COMPANY}", f"{USCC_COMPANY}0",
        "202405170001234567",
    ],
    MobileRecognizer: [
        "10123456789", "12345678901", "20240517001", "工单20240517001已办结",
        "1381234567", "138123456789", "213812345678", "订单号20240513812345678",
        "13812345678.50", "a13812345678", "13812345678b", "138 1234 56789",
        ID_ANHUI, CARD_19, "2024-01-01", "12,345.67",
    ],
    LandlineRecognizer: [
        "2024-01-01", "20240101", "12,345.67", "1234567.89", "0557-123456", "0557-123456789",
        "00557-1234567", "0557-0123456", "13812345678", grouped(make_card("622205571234567")),
    ],
    BankCardRecognizer: [
        wrong_check(CARD_16), wrong_check(CARD_19), grouped(wrong_check(CARD_16)),
        make_card("123456789012345"),  # no issuer starts with 1
        make_card("2024051700012345"),  # 17 digits from a date: below 2221
        make_card("20240517000123456"),  # an order number with a matching Luhn digit
        make_card("550000000000000000"),  # Mastercard numbers have 16 digits, not 19
        ID_LIKE_CARD, wrong_check(ID_LIKE_CARD),  # resident IDs, not cards
        "6222 0212-3456 7890", f"1{CARD_16}", f"{CARD_19}0",
        "202405170001234567", "20240101", "12,345.67", "1234567.89", "13812345678",
    ],
    PassportRecognizer: [
        "E1234567", "E123456789", "EI1234567", "XE12345678", "e12345678", "G1234567",
    ],
    HkMacauPermitRecognizer: [
        "C1234567", "H123456789", "CI1234567", "AC12345678", "M123456789012",
    ],
    LicensePlateRecognizer: [
        "粤I12345", "粤B1234", "粤B1234567", "京AO1234", "最新ADSLAB", "粤b12345", "中A12345",
    ],
    CnEmailRecognizer: [
        "zhangsan@example", "user@localhost", "a@b.notatld", "@example.com",
        "张三@例子.中国", "user@example.com.notatld",
    ],
    CnIpAddressRecognizer: [
        "256.1.1.1", "1.2.3", "1.2.3.4.5", "192.168.01.1", "v1.2.3.4", "12:30:45",
        "00:1A:2B:3C:4D:5E", "::", "12,345.67", "2024.01.01", "1234567.89",
    ],
}

# Hard negatives: no structured recognizer may report anything here at the threshold.
LOOK_ALIKES = [
    "202405170001234567", "订单号202405170001234567已退款", "合同编号202201011230451234，",
    "20240101", "2024-01-01", "2024年1月5日", "2024/1/5", "12,345.67", "1234567.89",
    "本次采购合同金额1,234,567.89元", "10123456789", "12345678901", "20240517001",
    "工单11234567890已办结", "批次号20240517001，到货日期2024-05-17", "123456", "2024",
]


def _cases(table: dict) -> list:
    """pytest params (class, *case); a case is a (text, spans) tuple or a bare text."""
    return [pytest.param(cls, *((case,) if isinstance(case, str) else case),
                         id=f"{cls.__name__}-{i}")
            for cls, cases in table.items() for i, case in enumerate(cases)]


@pytest.fixture(scope="module")
def recs() -> dict[type[CnPatternRecognizer], CnPatternRecognizer]:
    return {type(r): r for r in structured_recognizers()}


@pytest.mark.parametrize(("cls", "text", "expected"), _cases(VALID))
def test_finds_valid(recs, cls, text: str, expected: list[str]) -> None:
    results = found(recs[cls], text)
    assert [(s, e) for s, e, _ in results] == spans(text, expected)
    assert all(score >= THRESHOLD for _, _, score in results)


CHECKSUMMED = (ResidentIdRecognizer, UsccRecognizer, BankCardRecognizer)


@pytest.mark.parametrize(("cls", "text", "expected"),
                         [p for p in _cases(VALID) if p.values[0] in CHECKSUMMED])
def test_checksum_matches_score_high(recs, cls, text: str, expected: list[str]) -> None:
    assert all(score >= 0.85 for _, _, score in found(recs[cls], text))


@pytest.mark.parametrize(("cls", "text", "expected"), _cases(WEAK))
def test_weak_alone(recs, cls, text: str, expected: list[str]) -> None:
    results = found(recs[cls], text)
    assert [(s, e) for s, e, _ in results] == spans(text, expected)
    # Below the threshold alone, above it with a context word (+0.35).
    assert all(0 < score < THRESHOLD <= score + 0.35 for _, _, score in results)


@pytest.mark.parametrize(("cls", "text"), _cases(INVALID))
def test_leaves_alone(recs, cls, text: str) -> None:
    assert found(recs[cls], text) == []


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_look_alikes_found_by_none(recs, text: str) -> None:
    hits = [(type(r).__name__, res.start, res.end) for r in recs.values()
            for res in r.analyze(text, [r.ENTITY], None) if res.score >= THRESHOLD]
    assert hits == []


@pytest.mark.parametrize(("cls", "text", "expected"), _cases(VALID) + _cases(WEAK))
def test_trigger_matches_what_is_found(cls, text: str, expected: list[str]) -> None:
    trigger = re.compile(cls.TRIGGER)
    assert all(trigger.search(part) for part in expected)


def test_registry_lists_each_class_once() -> None:
    recognizers = structured_recognizers()
    assert [type(r) for r in recognizers] == list(RECOGNIZER_CLASSES)
    assert {r.ENTITY for r in recognizers} == set(E.STRUCTURED)
    assert all(r.supported_language == E.LANGUAGE and r.context for r in recognizers)
    assert all(re.compile(r.TRIGGER) for r in recognizers)


# --- sweeps: many generated values, seeded ----------------------------------------------

def test_generated_ids_found_and_order_numbers_not(recs) -> None:
    rng = random.Random(7)
    ids, cards, codes = recs[ResidentIdRecognizer], recs[BankCardRecognizer], recs[UsccRecognizer]
    provinces = sorted(checksums.PROVINCES)
    for _ in range(300):
        region = rng.choice(provinces) + f"{rng.randrange(10000):04d}"
        body = f"{region}{rng.randint(1930, 2020)}{rng.randint(1, 12):02d}" \
               f"{rng.randint(1, 28):02d}{rng.randrange(1000):03d}"
        number = make_id(body)
        assert [(s, e) for s, e, _ in found(ids, f"身份证{number}。")] == [(3, 21)]
        assert found(cards, number) == []
        order = f"2{rng.randint(20, 25):03d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}" \
                f"{rng.randrange(10 ** 10):010d}"
        for rec in (ids, cards, codes):
            assert found(rec, order) == []


def test_generated_cards_and_mobiles_found(recs) -> None:
    rng = random.Random(11)
    cards, mobiles = recs[BankCardRecognizer], recs[MobileRecognizer]
    for _ in range(300):
        length = rng.choice((16, 17, 18, 19))
        body = rng.choice(("622202", "621700", "622848", "623058"))
        body += "".join(rng.choice("0123456789") for _ in range(length - 7))
        number = make_card(body)
        if checksums.resident_id_shaped(number):
            continue  # taken for a resident ID with a mistyped check digit, by design
        assert [(s, e) for s, e, _ in found(cards, f"卡号{number}，")] == [(2, 2 + length)]
        mobile = f"1{rng.choice('3456789')}{rng.randrange(10 ** 9):09d}"
        assert [(s, e) for s, e, _ in found(mobiles, f"电话{mobile}")] == [(2, 13)]


# --- through Presidio's AnalyzerEngine: context words raise scores -----------------------

@pytest.fixture(scope="module")
def engine() -> AnalyzerEngine:
    from desensitize.nlp import make_nlp_engine

    registry = RecognizerRegistry(supported_languages=[E.LANGUAGE])
    for recognizer in structured_recognizers():
        registry.add_recognizer(recognizer)
    return AnalyzerEngine(nlp_engine=make_nlp_engine(), registry=registry,
                          supported_languages=[E.LANGUAGE])


def _analyze(engine: AnalyzerEngine, text: str) -> list[tuple[str, str, float]]:
    results = engine.analyze(text=text, language=E.LANGUAGE, score_threshold=THRESHOLD)
    return sorted((r.entity_type, text[r.start:r.end], r.score) for r in results)


def test_context_word_lifts_a_passport(engine) -> None:
    hits = _analyze(engine, "出境人员张三，护照号码E12345678，已按规定报备。")
    assert [(e, t) for e, t, _ in hits] == [(E.CN_PASSPORT, "E12345678")]
    assert hits[0][2] >= THRESHOLD
    assert _analyze(engine, "档案编号E12345678，已归档。") == []


def test_card_context_lifts_sixteen_digits_and_nothing_else_does(engine) -> None:
    for word in ("卡号", "银行卡号：", "账号", "card no. "):
        hits = _analyze(engine, f"{word}{CARD_16}。")
        assert [(e, t) for e, t, _ in hits] == [(E.CN_BANK_CARD, CARD_16)], word
    assert _analyze(engine, f"订单编号{CARD_16}，已发货。") == []
    assert _analyze(engine, f"订单编号{CARD_19}，已发货。") == [(E.CN_BANK_CARD, CARD_19, 1.0)]


def test_engine_spans_in_a_sentence(engine) -> None:
    text = f"户主张三，身份证号{ID_ANHUI}，联系电话13812345678，邮箱zhangsan@example.com。"
    assert [(e, t) for e, t, _ in _analyze(engine, text)] == sorted([
        (E.CN_RESIDENT_ID, ID_ANHUI), (E.CN_MOBILE, "13812345678"),
        (E.EMAIL_ADDRESS, "zhangsan@example.com"),
    ])


def test_fast_luhn_decides_as_stdnum_does() -> None:
    import random

    from stdnum import luhn

    from desensitize.recognizers.checksums import luhn_valid

    rng = random.Random(11)
    for _ in range(20_000):
        digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 19)))
        assert luhn_valid(digits) == luhn.is_valid(digits), digits
