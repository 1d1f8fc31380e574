"""Fail closed (issue 13, item 2): mistyped identifiers in a column of identifiers, or
beside a context word, are treated as the identifier they were meant to be; full-width
forms and separators do not hide an identifier; and 16 Luhn-valid digits are a card
only with card context (item 10). Written as an attacker would: every value here was
published raw before."""

from __future__ import annotations

import csv
import json
import random
import re
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from stdnum import luhn
from stdnum.cn import ric

from desensitize import entities as E
from desensitize.apply import apply
from desensitize.findings import Finding
from desensitize.recognizers.checksums import resident_id_valid
from desensitize.recognizers.normalise import normalise, span_back
from desensitize.report import ALLOWED_AFTER_TREATMENT, BLOCKED
from desensitize.scanner import Scanner
from desensitize.treatments import Rule, Treater

OPEN = "unconditional-open"
SECRET = "near-miss-test-secret-0123456789"
FULL = str.maketrans("0123456789Xx", "０１２３４５６７８９Ｘｘ")


def resident_id(body: str) -> str:
    return body + ric.calc_check_digit(body + "0")


def wrong_check(number: str) -> str:
    return number[:-1] + ("0" if number[-1] != "0" else "1")


def mistyped_ids(n: int, seed: int = 13) -> list[str]:
    """Resident IDs as people mistype them: no recognizer accepts any of these."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        body = f"3413{rng.randint(20, 29)}{rng.randint(1950, 2005)}{rng.randint(1, 12):02d}" \
               f"{rng.randint(1, 28):02d}{rng.randrange(1000):03d}"
        good = resident_id(body)
        kind = i % 8
        if kind == 0:
            value = wrong_check(good)
        elif kind == 1:
            value = good[:17]  # a digit short
        elif kind == 2:
            value = good[:10] + str(rng.randrange(10)) + good[10:]  # a digit extra
        elif kind == 3:
            value = body + "x" if good[-1] != "X" else wrong_check(good).lower()
        elif kind == 4:
            value = wrong_check(good).translate(FULL)  # full-width, wrong check
        elif kind == 5:
            bad = wrong_check(good)
            value = f"{bad[:6]} {bad[6:14]} {bad[14:]}"
        elif kind == 6:
            bad = good[:17]
            value = f"{bad[:6]}-{bad[6:10]}-{bad[10:14]}-{bad[14:]}"
        else:
            value = good.translate(FULL)  # valid, but full-width
        if kind != 7:
            assert not resident_id_valid(value)
        out.append(value)
    return out


def spaced_valid_ids(n: int, seed: int = 5) -> list[str]:
    """Valid IDs written with separators or full-width digits (the measured leak)."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        good = resident_id(f"110101{rng.randint(1950, 2005)}{rng.randint(1, 12):02d}"
                           f"{rng.randint(1, 28):02d}{rng.randrange(1000):03d}")
        out.append([f"{good[:6]} {good[6:14]} {good[14:]}",
                    f"{good[:6]}-{good[6:10]}-{good[10:14]}-{good[14:]}",
                    good.translate(FULL), f"{good[:6]}　{good[6:14]}　{good[14:]}"][i % 4])
    return out


def digit_runs(text: str) -> list[str]:
    folded = normalise(text)
    return re.findall(r"[0-9Xx]{7,}", folded[0] if folded else text)


# --- the scanner ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def scanner() -> Scanner:
    return Scanner()


def test_normalised_spans_map_back_to_the_text_as_written() -> None:
    text = "证件 110101-1990-0307-451X 号"
    norm, index = normalise(text)
    assert norm == "证件 11010119900307451X 号"
    start = norm.index("1")
    assert span_back(index, start, start + 18) == (3, 24)
    assert normalise("金额 1234.56 元") is None
    assert normalise("服务器 192.168.100.200") is None


@pytest.mark.parametrize("text, entity, value", [
    ("身份证号：１１０１０１１９９００３０７４５１４", E.CN_RESIDENT_ID, "１１０１０１１９９００３０７４５１４"),
    ("身份证号：110101 19900307 4514。", E.CN_RESIDENT_ID, "110101 19900307 4514"),
    ("证件号码110101-1990-0307-4514，", E.CN_RESIDENT_ID, "110101-1990-0307-4514"),
    ("电话 138-1234-5678", E.CN_MOBILE, "138-1234-5678"),
    ("手机：１３８１２３４５６７８", E.CN_MOBILE, "１３８１２３４５６７８"),
    ("手机 138.1234.5678", E.CN_MOBILE, "138.1234.5678"),
])
def test_full_width_and_separated_identifiers_are_found(scanner, text, entity, value) -> None:
    found = scanner.scan_text(text)
    assert [(f.entity, text[f.start:f.end]) for f in found] == [(entity, value)]
    assert not found[0].near_miss


@pytest.mark.parametrize("text, entity, value", [
    ("身份证 11010119900307451", E.CN_RESIDENT_ID, "11010119900307451"),  # 17 digits
    ("身份证号码为1101011990030745141，", E.CN_RESIDENT_ID, "1101011990030745141"),
    ("公民身份号码：110101199003074515", E.CN_RESIDENT_ID, "110101199003074515"),  # check
    ("联系电话1381234567，", E.CN_MOBILE, "1381234567"),  # a digit short
    ("手机号 138 1234 567", E.CN_MOBILE, "138 1234 567"),
    ("银行卡号：62220212345678901", E.CN_BANK_CARD, "62220212345678901"),  # Luhn fails
    ("车牌号皖L·I2345", E.CN_LICENSE_PLATE, "皖L·I2345"),
])
def test_near_misses_beside_a_context_word(scanner, text, entity, value) -> None:
    found = scanner.scan_text(text)
    assert [(f.entity, text[f.start:f.end], f.near_miss) for f in found] == [
        (entity, value, True)]


@pytest.mark.parametrize("text", [
    "11010119900307451", "订单号1101011990030745141", "工单1381234567已办结",
    "合同编号202201011230451234，", "批次 62220212345678901", "金额 1234.56 元",
])
def test_no_near_miss_without_context(scanner, text) -> None:
    assert scanner.scan_text(text) == []
    assert scanner.scan_cell(text) == []


def test_a_classified_column_is_treated_whole(scanner) -> None:
    ids = mistyped_ids(40)
    valid = [resident_id(f"34132419{70 + i}0101{i:03d}") for i in range(20)]
    rows = [[v] for v in valid + ids]
    profile = scanner.profile(["身份证号"], rows)[0]
    assert profile.entity == E.CN_RESIDENT_ID
    for value in ids:
        found = scanner.scan_row([value], [profile], 0)
        assert len(found) == 1, value
        f = found[0]
        assert (f.entity, f.start, f.end, f.column) == (E.CN_RESIDENT_ID, 0, len(value), "身份证号")
    # A column of mistyped IDs alone, named as IDs, is still a column of IDs.
    assert scanner.profile(["身份证号"], [[v] for v in ids])[0].entity == E.CN_RESIDENT_ID
    # An unnamed column of 17-digit numbers is not.
    assert scanner.profile(["编号"], [[v[:17]] for v in valid])[0].entity is None


def test_near_miss_is_reported_in_scan_json() -> None:
    f = Finding(E.CN_MOBILE, 0, 10, 0.5, near_miss=True)
    assert f.to_json()["near_miss"] is True
    assert "near_miss" not in f._replace(near_miss=False).to_json()


@pytest.mark.parametrize("treatment", ["mask", "pseudonym", "redact"])
@pytest.mark.parametrize("value", [
    "11010119900307451", "1101011990030745141", "110101 19900307 451", "１１０１０１１９９",
    "1", "12345", "110101-1990-0307-451x",
])
def test_treatments_never_leave_a_malformed_value_raw(value: str, treatment: str) -> None:
    treater = Treater({E.CN_RESIDENT_ID: Rule(treatment)}, secret=SECRET)
    out = treater.treat(value, [Finding(E.CN_RESIDENT_ID, 0, len(value), 0.5, near_miss=True)])
    assert out != value
    assert all(len(run) < 7 for run in digit_runs(out))
    if treatment == "mask":
        assert len(out) == len(value) and "*" in out


def test_pseudonyms_fold_full_width_forms() -> None:
    treater = Treater({E.CN_RESIDENT_ID: Rule("pseudonym")}, secret=SECRET)
    one = treater.treat("11010119900307451X", [Finding(E.CN_RESIDENT_ID, 0, 18, 1.0)])
    two = treater.treat("１１０１０１１９９００３０７４５１ｘ", [Finding(E.CN_RESIDENT_ID, 0, 18, 1.0)])
    assert one == two


# --- apply, end to end: no original value in the output -----------------------------------------

def id_rows() -> tuple[list[str], list[list[str]]]:
    header = ["序号", "身份证号", "备注"]
    ids = mistyped_ids(48) + spaced_valid_ids(28)
    return header, [[str(i + 1), v, "已核实"] for i, v in enumerate(ids)]


def write(kind: str, path: Path, header: list[str], rows: list[list[str]]) -> Path:
    if kind == "xlsx":
        book = Workbook()
        for row in [header, *rows]:
            book.active.append(row)
        book.save(path)
    elif kind == "json":
        path.write_text(json.dumps([dict(zip(header, r, strict=True)) for r in rows],
                                   ensure_ascii=False), encoding="utf-8")
    else:
        encoding = "gbk" if kind == "csv-gbk" else "utf-8"
        with path.open("w", encoding=encoding, newline="") as f:
            csv.writer(f, lineterminator="\n").writerows([header, *rows])
    return path


def output_cells(kind: str, path: Path, column: str) -> list[str]:
    if kind == "xlsx":
        sheet = load_workbook(path).active
        rows = list(sheet.iter_rows(values_only=True))
        i = list(rows[0]).index(column)
        return ["" if r[i] is None else str(r[i]) for r in rows[1:]]
    if kind == "json":
        return [str(r.get(column) or "") for r in json.loads(path.read_text(encoding="utf-8"))]
    encoding = "gbk" if kind == "csv-gbk" else "utf-8"
    with path.open(encoding=encoding, newline="") as f:
        rows = list(csv.reader(f))
    i = rows[0].index(column)
    return [r[i] for r in rows[1:]]


def output_text(kind: str, path: Path) -> str:
    if kind == "xlsx":
        return "\n".join(str(c) for row in load_workbook(path).active.iter_rows(values_only=True)
                         for c in row if c is not None)
    return path.read_text(encoding="gbk" if kind == "csv-gbk" else "utf-8")


@pytest.mark.parametrize("kind", ["csv-utf8", "csv-gbk", "xlsx", "json"])
def test_mistyped_ids_in_an_id_column_never_reach_an_open_output(
        tmp_path: Path, kind: str) -> None:
    header, rows = id_rows()
    ext = {"csv-utf8": "csv", "csv-gbk": "csv"}.get(kind, kind)
    source = write(kind, tmp_path / f"in.{ext}", header, rows)
    out = tmp_path / f"out.{ext}"
    report = apply(source, OPEN, out, secret=SECRET)
    assert report.decision == ALLOWED_AFTER_TREATMENT, report.reasons
    text = output_text(kind, out)
    for _, value, _ in rows:
        assert value not in text, value
    for cell in output_cells(kind, out, "身份证号"):
        assert all(len(run) <= 6 for run in digit_runs(cell)), cell
    column = next(c for c in report.columns if c.name == "身份证号")
    assert column.near_misses.get(E.CN_RESIDENT_ID, 0) >= 40
    assert report.to_json()["near_misses"][E.CN_RESIDENT_ID] >= 40
    assert report.to_json()["columns"][1]["near_misses"][E.CN_RESIDENT_ID] >= 40


@pytest.mark.parametrize("target", ["unconditional-open", "conditional-open"])
def test_mobiles_and_plates_mistyped_in_their_columns(tmp_path: Path, target: str) -> None:
    rng = random.Random(3)
    header = ["序号", "手机号", "车牌号"]
    plates = ["皖L·I2345", "皖LO1234", "皖L1234", "皖LAB12CD", "皖l12345", "皖L 12 345",
              "皖LD1234", "皖L12345挂6"]
    rows = []
    for i in range(40):
        mobile = f"13{rng.randint(0, 9)}{rng.randrange(10 ** 7):07d}"  # a digit short
        if i % 4 == 1:
            mobile = f"{mobile[:3]} {mobile[3:7]} {mobile[7:]}"
        if i % 4 == 2:
            mobile = mobile.translate(FULL) + "1"  # full-width, valid length
        rows.append([str(i + 1), mobile, plates[i % len(plates)]])
    source = write("csv-utf8", tmp_path / "in.csv", header, rows)
    out = tmp_path / "out.csv"
    report = apply(source, target, out, secret=SECRET)
    assert report.decision == ALLOWED_AFTER_TREATMENT, report.reasons
    text = out.read_text(encoding="utf-8")
    for _, mobile, plate in rows:
        assert mobile not in text and plate not in text, (mobile, plate)
    near = {c.name: c.near_misses for c in report.columns}
    assert near["手机号"].get(E.CN_MOBILE, 0) >= 20
    assert near["车牌号"].get(E.CN_LICENSE_PLATE, 0) >= 5


def test_free_text_near_misses_never_reach_an_open_output(tmp_path: Path) -> None:
    lines = ["申请人身份证号：１１０１０１１９９００３０７４５１４，已受理。",
             "如有疑问请联系，电话 138-1234-5678",
             "经核查，身份证 11010119900307451 与户籍信息不符。",
             "申请人身份证号110101 19900307 4514，联系电话138 1234 567。",
             "补贴发放至银行卡号 62220212345678901。",
             "订单编号6200051700012345已发货。"]
    source = tmp_path / "in.txt"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.txt"
    report = apply(source, OPEN, out, secret=SECRET)
    assert report.decision == ALLOWED_AFTER_TREATMENT, report.reasons
    text = out.read_text(encoding="utf-8")
    for leaked in ("１１０１０１１９９００３０７４５１４", "138-1234-5678", "11010119900307451",
                   "110101 19900307 4514", "138 1234 567", "62220212345678901"):
        assert leaked not in text, leaked
    assert "6200051700012345" in text  # an order number, no card context
    assert report.near_misses.get(E.CN_RESIDENT_ID, 0) >= 1
    assert report.near_misses.get(E.CN_MOBILE, 0) >= 1


def card(body: str) -> str:
    return body + luhn.calc_check_digit(body)


def test_sixteen_luhn_digits_are_a_card_only_in_a_card_column(tmp_path: Path) -> None:
    orders = [card(f"6200{i:011d}") for i in range(1, 31)]  # UnionPay-shaped, Luhn valid
    header = ["序号", "订单编号", "银行卡号"]
    rows = [[str(i + 1), order, order] for i, order in enumerate(orders)]
    source = write("csv-utf8", tmp_path / "in.csv", header, rows)
    for target in ("unconditional-open", "conditional-open", "conditional-share"):
        out = tmp_path / f"{target}.csv"
        report = apply(source, target, out, secret=SECRET)
        assert report.decision != BLOCKED, report.reasons
        columns = {c.name: c for c in report.columns}
        assert columns["订单编号"].entities == {}
        assert columns["银行卡号"].profile_entity == E.CN_BANK_CARD
        kept = output_cells("csv-utf8", out, "订单编号")
        assert kept == orders
        if target != "conditional-share":
            text = out.read_text(encoding="utf-8")
            assert text.count(orders[0]) == 1  # the order number only, the card is gone
