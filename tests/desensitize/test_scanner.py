"""The table scanner: headers as evidence, columns classified from samples, every cell
still scanned at exact spans, and Presidio's recognizers applied without analyze()'s
bookkeeping but to the same effect."""

from __future__ import annotations

import pytest
from presidio_analyzer import PatternRecognizer
from stdnum import luhn
from stdnum.cn import ric

from desensitize import entities as E
from desensitize.findings import Finding
from desensitize.recognizers.structured import structured_recognizers
from desensitize.scanner import (
    ColumnProfile,
    Scanner,
    header_entities,
    pattern_matches,
    resolve,
    whole_match,
)


def resident_id(body: str) -> str:
    return body + ric.calc_check_digit(body + "0")


def card(body: str) -> str:
    return body + luhn.calc_check_digit(body)


ID = resident_id("34132419850315123")
CARD = card("621700123456789012")
TEXTS = [
    ID, f"身份证号{ID}。", CARD, "6217 0012 3456 7890", "13812345678", "+86 138-1234-5678",
    "联系电话：0557-1234567转123", "(0557)7654321", "zhangsan@example.com",
    "请发邮件至zhangsan@example.com", "192.168.1.20", "皖L12345", "皖LD12345",
    "E12345678", "C12345678", "91341324MA2N0X1234", "202405170001234567", "20240101",
    "12,345.67", "10123456789", "订单号202405170001234567已发货", "2001:db8::1", "12:30:45",
]


@pytest.fixture(scope="module")
def scanner() -> Scanner:
    return Scanner()


@pytest.mark.parametrize("recognizer", structured_recognizers(), ids=lambda r: r.name)
def test_lean_pattern_matching_finds_what_presidio_analyze_finds(
        recognizer: PatternRecognizer) -> None:
    for text in TEXTS:
        ours = sorted(pattern_matches(recognizer, text))
        theirs = sorted((r.entity_type, r.start, r.end, r.score)
                        for r in recognizer.analyze(text, recognizer.supported_entities, None))
        # analyze() also drops a match contained in another of the same entity.
        assert set(theirs) <= set(ours), text
        for extra in set(ours) - set(theirs):
            assert any(t[1] <= extra[1] and extra[2] <= t[2] for t in theirs), (text, extra)


def test_whole_match_is_the_whole_cell_or_nothing() -> None:
    ids = next(r for r in structured_recognizers() if E.CN_RESIDENT_ID in r.supported_entities)
    assert whole_match(ids, ID, 0, 18) == (E.CN_RESIDENT_ID, 0, 18, 1.0)
    assert whole_match(ids, f" {ID} ", 1, 19) == (E.CN_RESIDENT_ID, 1, 19, 1.0)
    assert whole_match(ids, f"身份证{ID}", 0, 21) is None
    assert whole_match(ids, ID[:-1] + ("0" if ID[-1] != "0" else "1"), 0, 18) is None


def test_headers_hint_at_entities() -> None:
    assert header_entities("身份证号码") == (E.CN_RESIDENT_ID,)
    assert header_entities("联系电话") == (E.CN_MOBILE, E.CN_LANDLINE)
    assert header_entities("户主姓名") == (E.PERSON,)
    assert header_entities("家庭住址") == (E.LOCATION,)
    assert header_entities("金额") == ()


def test_a_header_raises_a_weak_match_over_the_threshold(scanner: Scanner) -> None:
    # A passport number alone is too weak to report; under a 护照号 header it is one.
    assert scanner.scan_cell("E12345678") == []
    found = scanner.scan_cell("E12345678", hints=header_entities("护照号"))
    assert [(f.entity, f.start, f.end) for f in found] == [(E.CN_PASSPORT, 0, 9)]
    assert found[0].score >= 0.5


def test_columns_are_classified_from_samples_and_every_cell_is_still_scanned(
        scanner: Scanner) -> None:
    columns = ["姓名", "证件", "备注", "性别"]
    rows = [["王秀英", ID, "已核实", "女"], ["李明", resident_id("34132419900101002"), "无", "男"],
            ["欧阳建华", resident_id("34132420010228003"), "已核实", "男"]]
    profiles = scanner.profile(columns, rows)
    by_name = {p.name: p for p in profiles}
    assert by_name["姓名"].entity == E.PERSON
    assert by_name["证件"].entity == E.CN_RESIDENT_ID  # no hinting header: the samples decide
    assert by_name["备注"].entity is None and by_name["性别"].entity is None
    # One phone number in the remarks column: found at its span, the column not condemned.
    row = ["张伟", ID, "家属电话13812345678，已回访", "男"]
    found = scanner.scan_row(row, profiles, 7)
    assert Finding(E.CN_MOBILE, 4, 15, found[2].score, 7, "备注") in found
    assert {(f.column, f.entity) for f in found} == {
        ("姓名", E.PERSON), ("证件", E.CN_RESIDENT_ID), ("备注", E.CN_MOBILE)}


def test_a_cell_failing_its_columns_shape_is_scanned_in_full(scanner: Scanner) -> None:
    names = ColumnProfile("姓名", (E.PERSON,), E.PERSON, 10)
    found = scanner.scan_row(["见附件，联系13812345678"], [names], 0)
    assert [(f.entity, f.start, f.end) for f in found] == [(E.CN_MOBILE, 6, 17)]


def test_overlapping_findings_keep_the_stronger() -> None:
    strong = Finding(E.CN_RESIDENT_ID, 0, 18, 1.0)
    weak = Finding(E.CN_BANK_CARD, 0, 18, 0.5)
    inner = Finding(E.CN_MOBILE, 3, 14, 0.6)
    after = Finding(E.EMAIL_ADDRESS, 20, 30, 0.5)
    assert resolve([weak, inner, strong, after]) == [strong, after]
