"""The catalog's data items drive the gate: declared personal columns are treated even
where no recognizer finds anything, public-by-law columns are published as they are
(never a natural person's document numbers, never an individual business's credit
code), an undeclared personal column is a conflict that is treated and flagged, and
every report carries a risk summary a reviewer can act on."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from stdnum.cn import ric

from desensitize.apply import apply
from desensitize.declared import DataItem
from desensitize.scanner import Scanner

SECRET = "declared-test-secret-0123456789"


def _uscc(body17: str) -> str:
    """A valid unified social credit code for the first 17 characters."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    total = sum(alphabet.index(c) * w for c, w in zip(body17, weights, strict=True))
    return body17 + alphabet[(31 - total % 31) % 31]


def _id(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17 + "0")


COMPANY = _uscc("91341324MA2N" + "00001")
INDIVIDUAL = _uscc("92341324MA2N" + "00002")
COMPANIES = [
    ["泗县宏达建材有限公司", COMPANY, "王建国", "0557-7012345", "已婚"],
    ["泗县李记小吃店", INDIVIDUAL, "李秀英", "0557-7023456", "未婚"],
] * 3
HEADER = ["企业名称", "统一社会信用代码", "法定代表人", "办公电话", "婚姻状况"]
ITEMS = [
    DataItem("企业名称"),
    DataItem("统一社会信用代码", public_by_law=True, legal_basis="企业信息公示暂行条例"),
    DataItem("法定代表人", public_by_law=True, legal_basis="企业信息公示暂行条例"),
    DataItem("办公电话", public_by_law=True, legal_basis="政府信息公开条例"),
    DataItem("婚姻状况", personal=True),
]


@pytest.fixture(scope="module")
def scanner() -> Scanner:
    return Scanner()


def _write(path: Path, header: list[str], rows: list[list[str]], encoding: str = "utf-8"
           ) -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        csv.writer(f).writerows([header, *rows])
    return path


def _read(path: Path, encoding: str = "utf-8") -> list[list[str]]:
    with path.open(encoding=encoding, newline="") as f:
        return list(csv.reader(f))


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_public_by_law_columns_are_published_as_declared(tmp_path: Path, scanner: Scanner,
                                                         encoding: str) -> None:
    src = _write(tmp_path / "企业.csv", HEADER, COMPANIES, encoding)
    out = tmp_path / "out.csv"
    report = apply(src, "unconditional-open", out, items=ITEMS, secret=SECRET,
                   scanner=scanner)
    assert report.decision == "allowed_after_treatment", report.reasons
    rows = _read(out, encoding)[1:]
    company, individual = rows[0], rows[1]
    assert company[1] == COMPANY  # a company's credit code: public by law
    assert company[2] == "王建国"  # its legal representative too
    assert company[3] == "0557-7012345"
    # 92: an individual business identifies a person and is never public by law.
    assert individual[1] != INDIVIDUAL and INDIVIDUAL not in out.read_bytes().decode(encoding)
    # A declared personal column no recognizer knows is treated all the same.
    assert all(r[4] == "" for r in rows)
    columns = {c["column"]: c for c in report.to_json()["columns"]}
    assert columns["统一社会信用代码"]["declared"] == "public_by_law"
    assert columns["统一社会信用代码"]["legal_basis"] == "企业信息公示暂行条例"
    assert columns["统一社会信用代码"]["kept_as_declared"] == 3
    assert columns["婚姻状况"]["declared"] == "personal"


def test_without_items_the_same_file_is_masked(tmp_path: Path, scanner: Scanner) -> None:
    src = _write(tmp_path / "企业.csv", HEADER, COMPANIES)
    out = tmp_path / "out.csv"
    apply(src, "unconditional-open", out, secret=SECRET, scanner=scanner)
    text = out.read_text(encoding="utf-8")
    assert COMPANY not in text and "王建国" not in text


def test_public_by_law_never_keeps_a_resident_id(tmp_path: Path, scanner: Scanner) -> None:
    """A department cannot declare its way around the gate: document numbers of
    natural persons in a 'public' column are still treated."""
    rid = _id("34132419800101123")
    src = _write(tmp_path / "法人.csv", ["法定代表人", "联系方式"],
                 [["王建国", f"身份证{rid}"]] * 5)
    out = tmp_path / "out.csv"
    items = [DataItem("法定代表人", public_by_law=True, legal_basis="企业信息公示暂行条例"),
             DataItem("联系方式", public_by_law=True, legal_basis="（伪称）")]
    report = apply(src, "unconditional-open", out, items=items, secret=SECRET,
                   scanner=scanner)
    assert report.decision != "blocked", report.reasons
    assert rid not in out.read_text(encoding="utf-8")


def test_undeclared_personal_column_is_a_conflict_treated_and_flagged(
        tmp_path: Path, scanner: Scanner) -> None:
    ids = [_id(f"34132419800101{i:03d}") for i in range(1, 8)]
    src = _write(tmp_path / "名册.csv", ["编号", "证件"], [[str(i), v] for i, v in enumerate(ids)])
    out = tmp_path / "out.csv"
    report = apply(src, "unconditional-open", out, secret=SECRET, scanner=scanner,
                   items=[DataItem("编号"), DataItem("证件")])  # "not personal"
    text = out.read_text(encoding="utf-8")
    assert not any(v in text for v in ids)
    data = report.to_json()
    column = next(c for c in data["columns"] if c["column"] == "证件")
    assert column["conflict"] is True
    assert data["risk"]["conflicts"] == 1 and data["risk"]["level"] == "medium"


def test_confirmed_declaration_publishes_the_column(tmp_path: Path, scanner: Scanner) -> None:
    """A reviewer who confirms that a column of office mobiles is not personal has it
    published as declared."""
    phones = [f"1385570{i:04d}" for i in range(6)]
    src = _write(tmp_path / "学校.csv", ["学校", "办公电话"],
                 [[f"第{i}小学", p] for i, p in enumerate(phones)])
    out = tmp_path / "out.csv"
    items = [DataItem("学校"), DataItem("办公电话", confirmed=True)]
    report = apply(src, "unconditional-open", out, items=items, secret=SECRET,
                   scanner=scanner)
    assert report.decision in ("allowed", "allowed_after_treatment"), report.reasons
    assert [r[1] for r in _read(out)[1:]] == phones


def test_data_item_rules() -> None:
    with pytest.raises(ValueError, match="legal_basis"):
        DataItem("x", public_by_law=True)
    with pytest.raises(ValueError, match="exclude"):
        DataItem("x", personal=True, public_by_law=True, legal_basis="法")
    item = DataItem.from_json({"name": "电话", "public_by_law": True, "legal_basis": "条例"})
    assert item.public_by_law and item.legal_basis == "条例"


def test_risk_levels(tmp_path: Path, scanner: Scanner) -> None:
    clean = _write(tmp_path / "clean.csv", ["乡镇", "学校数"], [["大庄镇", "3"], ["草沟镇", "4"]])
    risk = apply(clean, "unconditional-open", tmp_path / "c.csv", secret=SECRET,
                 scanner=scanner).to_json()["risk"]
    assert risk["level"] == "low" and risk["persons"] == 0
    # Pseudonymised identifiers for a conditional class: not low.
    ids = [_id(f"34132419800101{i:03d}") for i in range(1, 8)]
    people = _write(tmp_path / "p.csv", ["身份证号"], [[v] for v in ids])
    risk = apply(people, "conditional-open", tmp_path / "p2.csv", secret=SECRET,
                 scanner=scanner).to_json()["risk"]
    assert risk["level"] == "medium" and risk["pseudonymised"] == 7 and risk["persons"] == 7
    # Kept as they are for sharing between departments: high.
    risk = apply(people, "conditional-share", tmp_path / "p3.csv", secret=SECRET,
                 scanner=scanner).to_json()["risk"]
    assert risk["level"] == "high" and risk["direct_identifiers"] == 7
    assert risk["reasons"] and risk["reasons_en"]
