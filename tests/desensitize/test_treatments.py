"""Treatments: exact outputs of each operator, keyed pseudonyms and surrogates that are
stable for one secret and different for another, and the no-finding fast path."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re

import pytest
from stdnum import luhn

from desensitize import entities as E
from desensitize.findings import Finding
from desensitize.recognizers.checksums import resident_id_valid
from desensitize.treatments import (
    MissingSecret,
    Rule,
    Treater,
    age_band,
    base32,
    birth_year,
    county,
    mask,
    pseudonym,
    town,
    year_band,
)

SECRET = "test-secret-0123456789"
OTHER = "another-secret-987654321"
ID = "340123199001011234"
MOBILE = "13812345678"


def found(text: str, value: str, entity: str) -> Finding:
    start = text.index(value)
    return Finding(entity, start, start + len(value), 0.9)


@pytest.mark.parametrize(("value", "entity", "expected"), [
    (ID, E.CN_RESIDENT_ID, "340123********1234"),
    ("6222021234567890123", E.CN_BANK_CARD, "622202*********0123"),
    (MOBILE, E.CN_MOBILE, "138****5678"),
    ("0557-7654321", E.CN_LANDLINE, "0557******21"),
    ("王秀英", E.PERSON, "王**"),
    ("欧阳娜娜", E.PERSON, "欧***"),
    ("王", E.PERSON, "*"),  # too short to keep an end: hidden whole
    ("zhang.san@163.com", E.EMAIL_ADDRESS, "*********@163.com"),
    ("192.168.1.23", E.IP_ADDRESS, "192.168.*.**"),
    ("皖L12345", E.CN_LICENSE_PLATE, "皖L****5"),
    ("E12345678", E.CN_PASSPORT, "E******78"),
    ("安徽省宿州市泗县大庄镇王庄村3组", E.LOCATION, "安徽省宿州市泗县大庄镇*****"),
])
def test_mask_keeps_the_default_ends_of_each_entity(value: str, entity: str,
                                                    expected: str) -> None:
    assert mask(value, entity) == expected


def test_mask_ends_are_configurable() -> None:
    assert mask(ID, E.CN_RESIDENT_ID, keep_first=6, keep_last=0) == "340123" + "*" * 12
    assert mask(MOBILE, E.CN_MOBILE, keep_first=0, keep_last=4, char="#") == "#######5678"


def test_treater_masks_through_presidio_at_the_finding_span() -> None:
    text = f"身份证{ID}，电话{MOBILE}"
    treater = Treater({E.CN_RESIDENT_ID: Rule("mask"),
                       E.CN_MOBILE: Rule("mask", (("keep_first", 0), ("keep_last", 2)))})
    out = treater.treat(text, [found(text, ID, E.CN_RESIDENT_ID),
                               found(text, MOBILE, E.CN_MOBILE)])
    assert out == "身份证340123********1234，电话*********78"


def test_redact_and_replace() -> None:
    text = f"电话{MOBILE}。"
    finding = [found(text, MOBILE, E.CN_MOBILE)]
    assert Treater({E.CN_MOBILE: Rule("redact")}).treat(text, finding) == "电话。"
    assert Treater({E.CN_MOBILE: Rule("replace")}).treat(text, finding) == "电话<CN_MOBILE>。"
    assert Treater({E.CN_MOBILE: Rule("replace", (("value", "[已删除]"),))}).treat(
        text, finding) == "电话[已删除]。"


def test_pseudonym_has_a_readable_form_and_depends_on_the_secret() -> None:
    first = pseudonym(ID, E.CN_RESIDENT_ID, SECRET.encode())
    assert re.fullmatch(r"ID_[a-z2-7]{12}", first)
    assert pseudonym(ID, E.CN_RESIDENT_ID, SECRET.encode()) == first
    assert pseudonym(ID, E.CN_RESIDENT_ID, OTHER.encode()) != first
    assert pseudonym("340123199001011235", E.CN_RESIDENT_ID, SECRET.encode()) != first
    # One spelling per identifier: spaces, hyphens and the case of the check letter.
    assert pseudonym("138 1234 5678", E.CN_MOBILE, SECRET.encode()) == \
        pseudonym(MOBILE, E.CN_MOBILE, SECRET.encode())
    assert pseudonym("34012319900101123x", E.CN_RESIDENT_ID, SECRET.encode()) == \
        pseudonym("34012319900101123X", E.CN_RESIDENT_ID, SECRET.encode())


def test_pseudonym_is_the_hmac_sha256_of_the_value_in_base32() -> None:
    # The definition, pinned: files treated years apart must still join.
    digest = hmac.new(SECRET.encode(), ID.encode(), hashlib.sha256).digest()
    expected = "ID_" + base64.b32encode(digest).decode("ascii").lower()[:12]
    assert pseudonym(ID, E.CN_RESIDENT_ID, SECRET.encode()) == expected
    assert pseudonym(ID, E.CN_RESIDENT_ID, SECRET.encode(), prefix="", length=20) == \
        expected[3:] + base64.b32encode(digest).decode("ascii").lower()[12:20]
    for data in (os.urandom(32) for _ in range(50)):
        for length in (8, 12, 13, 51, 52):
            assert base32(data, length) == base64.b32encode(data).decode().lower()[:length]


def test_pseudonyms_are_equal_for_equal_values_in_different_cells_and_treaters() -> None:
    rules = {E.CN_RESIDENT_ID: Rule("pseudonym"), E.PERSON: Rule("pseudonym")}
    one, two = Treater(rules, SECRET), Treater(rules, SECRET)
    cell = one.treat(ID, [Finding(E.CN_RESIDENT_ID, 0, len(ID), 0.9)])
    text = f"申请人王秀英，身份证号{ID}。"
    line = two.treat(text, [found(text, "王秀英", E.PERSON), found(text, ID, E.CN_RESIDENT_ID)])
    assert cell.startswith("ID_")
    assert line == f"申请人{pseudonym('王秀英', E.PERSON, SECRET.encode())}，身份证号{cell}。"
    assert Treater(rules, OTHER).treat(ID, [Finding(E.CN_RESIDENT_ID, 0, 18, 0.9)]) != cell


def test_pseudonyms_and_surrogates_refuse_to_run_without_a_secret() -> None:
    with pytest.raises(MissingSecret, match="CN_RESIDENT_ID"):
        Treater({E.CN_RESIDENT_ID: Rule("pseudonym")})
    with pytest.raises(MissingSecret, match="PERSON"):
        Treater({E.PERSON: Rule("surrogate")}, secret="")
    with pytest.raises(MissingSecret, match="at least 16"):
        Treater({E.PERSON: Rule("pseudonym")}, secret="short")
    Treater({E.PERSON: Rule("mask")})  # masking needs no secret


@pytest.mark.parametrize(("address", "expected_town", "expected_county"), [
    ("安徽省宿州市泗县大庄镇王庄村3组", "安徽省宿州市泗县大庄镇", "安徽省宿州市泗县"),
    ("泗县泗城街道汴河路12号", "泗县泗城街道", "泗县"),
    ("宿州市埇桥区淮海路12号", "宿州市埇桥区", "宿州市埇桥区"),
    ("江苏省镇江市京口区象山镇1号", "江苏省镇江市京口区象山镇", "江苏省镇江市京口区"),
    ("广西壮族自治区南宁市青秀区民族大道1号", "广西壮族自治区南宁市青秀区",
     "广西壮族自治区南宁市青秀区"),
    ("合肥市蜀山区某某小区3栋", "合肥市蜀山区", "合肥市蜀山区"),
    ("王庄村3组", "", ""),
])
def test_address_generalised_to_town_and_county(address: str, expected_town: str,
                                               expected_county: str) -> None:
    assert town(address) == expected_town
    assert county(address) == expected_county


def test_generalise_treatment_cuts_addresses_in_text() -> None:
    text = "家住安徽省宿州市泗县大庄镇王庄村3组，村口"
    address = "安徽省宿州市泗县大庄镇王庄村3组"
    treater = Treater({E.LOCATION: Rule("generalise")})
    assert treater.treat(text, [found(text, address, E.LOCATION)]) == \
        "家住安徽省宿州市泗县大庄镇，村口"
    by_county = Treater({E.LOCATION: Rule("generalise", (("level", "county"),))})
    assert by_county.treat(address, [Finding(E.LOCATION, 0, len(address), 0.9)]) == \
        "安徽省宿州市泗县"
    # An address that names no town or county cannot be placed: it is hidden.
    assert treater.treat("王庄村3组", [Finding(E.LOCATION, 0, 5, 0.9)]) == "*"


@pytest.mark.parametrize(("value", "year"), [
    ("1985-03-02", "1985"), ("1985/3/2", "1985"), ("1985年3月2日", "1985"),
    ("1985年3月", "1985"), ("19850302", "1985"), ("1985", "1985"), ("不详", None),
])
def test_birth_year(value: str, year: str | None) -> None:
    assert birth_year(value) == year


def test_bands() -> None:
    assert year_band("1987-06-01", 5) == "1985-1989"
    assert year_band("1987", 10) == "1980-1989"
    assert year_band("1985-1989", 10) == "1980-1989"  # a band climbs to a wider one
    assert age_band("34") == "30-39"
    assert age_band("34岁", 5) == "30-34"
    assert age_band("30-39", 20) == "20-39"
    assert age_band("不详") is None


def test_surrogates_are_stable_realistic_and_keyed() -> None:
    rules = {e: Rule("surrogate") for e in (E.PERSON, E.CN_RESIDENT_ID, E.CN_BANK_CARD,
                                            E.CN_MOBILE)}
    one, two, other = Treater(rules, SECRET), Treater(rules, SECRET), Treater(rules, OTHER)

    def run(treater: Treater, value: str, entity: str) -> str:
        return treater.treat(value, [Finding(entity, 0, len(value), 0.9)])

    card = "6222021234567890123"
    for value, entity in (("王秀英", E.PERSON), (ID, E.CN_RESIDENT_ID), (card, E.CN_BANK_CARD),
                          (MOBILE, E.CN_MOBILE)):
        made = run(one, value, entity)
        assert made != value
        assert run(two, value, entity) == made
        assert run(other, value, entity) != made
    assert resident_id_valid(run(one, ID, E.CN_RESIDENT_ID))
    fake_card = run(one, card, E.CN_BANK_CARD)
    assert len(fake_card) == len(card) and luhn.is_valid(fake_card)
    assert re.fullmatch(r"1[3-9][0-9]{9}", run(one, MOBILE, E.CN_MOBILE))
    assert re.fullmatch(r"[\u4e00-\u9fff]{2,4}", run(one, "王秀英", E.PERSON))


def test_text_without_findings_to_treat_skips_the_engine() -> None:
    treater = Treater({E.CN_MOBILE: Rule("mask"), E.PERSON: Rule("keep")})

    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("the anonymizer engine was called")

    treater._engine.anonymize = fail  # type: ignore[method-assign]
    text = "王秀英 已核实"
    assert treater.treat(text, []) is text
    assert treater.treat(text, [Finding(E.PERSON, 0, 3, 0.9)]) is text  # kept
    assert not treater.applies([Finding(E.PERSON, 0, 3, 0.9)])
    assert treater.applies([Finding(E.CN_MOBILE, 0, 3, 0.9)])
