"""apply, end to end with the real scanner: for the open targets no structured
identifier survives (the output is scanned again), pseudonyms join across files,
core data is blocked everywhere, and the report never holds a raw value."""

from __future__ import annotations

import copy
import csv
import json
import random
import tomllib
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from stdnum import luhn
from stdnum.cn import ric

from desensitize import entities as E
from desensitize.apply import apply
from desensitize.cli import main
from desensitize.policy import DEFAULT_PATH, TARGETS, parse_policy
from desensitize.scanner import Scanner
from desensitize.tables import open_table
from desensitize.treatments import MissingSecret, Treater

SECRET = "apply-test-secret-0123456789"
OPEN = ("unconditional-open", "conditional-open")
HEADER = ["序号", "姓名", "性别", "出生日期", "身份证号", "手机", "家庭住址", "备注"]
SURNAMES = "王李张刘陈杨赵黄周吴"
GIVEN = "秀英明华伟芳娜敏静丽强磊军洋勇艳杰"
TOWNS = ["大庄镇", "草沟镇", "泗城街道", "屏山镇"]


def resident_id(body: str) -> str:
    return body + ric.calc_check_digit(body + "0")  # stdnum ignores the last character


def people(n: int, seed: int) -> list[list[str]]:
    rnd = random.Random(seed)
    rows = []
    for i in range(n):
        year = rnd.randint(1950, 2000)
        born = f"{year}{rnd.randint(1, 12):02d}{rnd.randint(1, 28):02d}"
        mobile = "1" + rnd.choice("3589") + "".join(rnd.choice("0123456789") for _ in range(9))
        rows.append([
            str(i + 1), rnd.choice(SURNAMES) + rnd.choice(GIVEN) + rnd.choice(GIVEN),
            rnd.choice("男女"), f"{born[:4]}-{born[4:6]}-{born[6:]}",
            resident_id(f"341324{born}{rnd.randint(0, 999):03d}"), mobile,
            f"安徽省宿州市泗县{rnd.choice(TOWNS)}{rnd.choice(['王庄', '李集', '张圩'])}村"
            f"{rnd.randint(1, 9)}组",
            rnd.choice(["", "已核实", f"家属电话139{rnd.randint(10000000, 99999999)}"]),
        ])
    return rows


ROWS = people(60, seed=1)


def raw_identifiers(rows: list[list[str]]) -> set[str]:
    """Values that must never appear in an open output or in any report."""
    found = set()
    for row in rows:
        found.update((row[1], row[4], row[5], row[6]))
        if "电话" in row[7]:
            found.add(row[7].removeprefix("家属电话"))
    return found


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        csv.writer(f, lineterminator="\n").writerows([HEADER, *rows])
    return path


def write_xlsx(path: Path, rows: list[list[str]]) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.title = "低保名单"
    for row in [HEADER, *rows]:
        sheet.append(row)
    book.save(path)
    return path


@pytest.fixture(scope="module")
def scanner() -> Scanner:
    return Scanner()


def structured_left(path: Path, scanner: Scanner, **options: Any) -> list[Any]:
    return [f for f in scanner.scan_path(path, **options) if f.entity in E.STRUCTURED]


@pytest.mark.parametrize("target", OPEN)
@pytest.mark.parametrize("kind", ["csv-utf8", "csv-gbk", "xlsx", "json"])
def test_open_targets_leave_no_structured_identifier(
        tmp_path: Path, scanner: Scanner, target: str, kind: str) -> None:
    if kind == "xlsx":
        source, out = write_xlsx(tmp_path / "in.xlsx", ROWS), tmp_path / "out.xlsx"
    elif kind == "json":
        source, out = tmp_path / "in.json", tmp_path / "out.json"
        source.write_text(json.dumps([dict(zip(HEADER, row, strict=True)) for row in ROWS],
                                     ensure_ascii=False), encoding="utf-8")
    else:
        encoding = "gbk" if kind == "csv-gbk" else "utf-8"
        source, out = write_csv(tmp_path / "in.csv", ROWS, encoding), tmp_path / "out.csv"
    assert structured_left(source, scanner)  # the input does hold identifiers
    report = apply(source, target, out, secret=SECRET, scanner=scanner)
    assert report.decision == "allowed_after_treatment", report.reasons
    assert report.output == str(out)
    assert report.found[E.CN_RESIDENT_ID] == 60 and report.found[E.CN_MOBILE] >= 60
    # Scanned again with a fresh scanner: nothing structured is left...
    assert structured_left(out, Scanner()) == []
    assert not any(e in E.STRUCTURED for e in report.residual)
    # ...and, independently of any recognizer, no raw ID or phone number either.
    with open_table(out) as table:
        assert table.info.format == kind.split("-")[0]
        assert table.info.columns == HEADER
        if kind == "csv-gbk":
            assert table.info.encoding == "gb18030"
            out.read_bytes().decode("gbk")  # still GBK
        if kind == "xlsx":
            assert table.info.sheet == "低保名单"
        written = "\n".join(",".join(c or "" for c in row) for row in table.rows())
    for row in ROWS:
        assert row[4] not in written and row[5] not in written
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([source.name, out.name])


def test_pseudonyms_are_equal_for_equal_inputs_across_two_files(
        tmp_path: Path, scanner: Scanner) -> None:
    first, second = ROWS[:30], people(20, seed=2) + ROWS[10:20]  # ten people in both
    a = write_csv(tmp_path / "a.csv", first)
    b = write_csv(tmp_path / "b.csv", second)
    for source in (a, b):
        report = apply(source, "conditional-open", tmp_path / f"out-{source.name}",
                       secret=SECRET, scanner=scanner)
        assert report.decision == "allowed_after_treatment"

    def by_row(path: Path) -> list[list[str | None]]:
        with open_table(path) as table:
            return list(table.rows())

    out_a, out_b = by_row(tmp_path / "out-a.csv"), by_row(tmp_path / "out-b.csv")
    for shared in range(10):
        row_a, row_b = out_a[10 + shared], out_b[20 + shared]
        assert row_a[4] == row_b[4] and row_a[4].startswith("ID_")  # type: ignore[union-attr]
        assert row_a[5] == row_b[5] and row_a[5].startswith("MOB_")  # type: ignore[union-attr]
        assert row_a[1] == row_b[1] and row_a[1].startswith("P_")  # type: ignore[union-attr]
    assert len({row[4] for row in out_a}) == 30  # different people, different pseudonyms
    other = apply(a, "conditional-open", tmp_path / "other.csv", secret="a-different-secret-42",
                  scanner=scanner)
    assert other.decision == "allowed_after_treatment"
    assert by_row(tmp_path / "other.csv")[0][4] != out_a[0][4]


@pytest.mark.parametrize("target", TARGETS)
def test_a_core_graded_dataset_is_blocked_for_every_target(
        tmp_path: Path, scanner: Scanner, target: str) -> None:
    source = write_csv(tmp_path / "in.csv", ROWS[:5])
    out = tmp_path / "out.csv"
    report = apply(source, target, out, grading="core", secret=SECRET, scanner=scanner)
    assert report.blocked and report.decision == "blocked"
    assert "core" in report.reasons[0]
    assert report.output is None
    assert not out.exists()
    assert report.to_json()["decision"] == "blocked"


def test_important_data_does_not_open_unconditionally(tmp_path: Path, scanner: Scanner) -> None:
    source = write_csv(tmp_path / "in.csv", ROWS[:5])
    report = apply(source, "unconditional-open", tmp_path / "out.csv", grading="important",
                   secret=SECRET, scanner=scanner)
    assert report.blocked and "important" in report.reasons[0]
    assert apply(source, "conditional-open", tmp_path / "out.csv", grading="important",
                 secret=SECRET, scanner=scanner).decision == "allowed_after_treatment"


@pytest.mark.parametrize("target", TARGETS)
def test_the_report_holds_no_raw_identifier(tmp_path: Path, scanner: Scanner,
                                            target: str) -> None:
    source = write_csv(tmp_path / "in.csv", ROWS)
    report = apply(source, target, tmp_path / "out.csv", secret=SECRET, scanner=scanner)
    text = json.dumps(report.to_json(), ensure_ascii=False)
    leaked = [value for value in raw_identifiers(ROWS) if value in text]
    assert leaked == []
    column = next(c for c in report.to_json()["columns"] if c["column"] == "身份证号")
    assert column["entities"]["CN_RESIDENT_ID"]["count"] == 60
    samples = column["entities"]["CN_RESIDENT_ID"]["samples"]
    treated = column["entities"]["CN_RESIDENT_ID"]["treatment"] not in ("keep", "drop", "block")
    assert samples
    if report.output and treated:  # one treatment, two views: samples are the output's
        written = (tmp_path / "out.csv").read_text(encoding="utf-8")
        assert all(s in written for s in samples)
    else:
        assert all("********" in s for s in samples)
    assert SECRET not in text


def test_reader_issues_in_the_report_quote_no_cell(tmp_path: Path, scanner: Scanner) -> None:
    source = tmp_path / "in.csv"
    extra = ROWS[1][4]
    source.write_text(f"姓名,备注\n王秀英,已核实,{extra}\n李明,无\n", encoding="utf-8")
    report = apply(source, "conditional-open", tmp_path / "out.csv", secret=SECRET,
                   scanner=scanner)
    assert report.issues and "dropped" in report.issues[0]
    assert extra not in json.dumps(report.to_json(), ensure_ascii=False)


def test_the_rescan_blocks_what_the_treatment_missed(
        tmp_path: Path, scanner: Scanner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Treater, "treat", lambda self, text, findings: text)
    source = write_csv(tmp_path / "in.csv", ROWS[:20])
    out = tmp_path / "out.csv"
    report = apply(source, "conditional-open", out, secret=SECRET, scanner=scanner)
    assert report.blocked
    assert any("CN_RESIDENT_ID left in 身份证号" in r for r in report.reasons)
    assert report.residual[E.CN_RESIDENT_ID] == 20
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]  # no output, no temp


def test_a_file_with_nothing_to_treat_is_allowed_and_rewritten(tmp_path: Path,
                                                          scanner: Scanner) -> None:
    source = tmp_path / "stats.csv"
    source.write_bytes("乡镇,户数,金额\r\n大庄镇,120,35000.5\r\n草沟镇,98,28000\r\n"
                       .encode("gbk"))
    out = tmp_path / "out.csv"
    report = apply(source, "unconditional-open", out, secret=SECRET, scanner=scanner)
    assert report.decision == "allowed" and report.reasons == []
    assert out.read_bytes() == source.read_bytes()


def test_conditional_share_keeps_identifiers(tmp_path: Path, scanner: Scanner) -> None:
    source = write_csv(tmp_path / "in.csv", ROWS[:10])
    out = tmp_path / "out.csv"
    report = apply(source, "conditional-share", out, scanner=scanner)  # no secret needed
    assert report.decision == "allowed"
    assert report.residual[E.CN_RESIDENT_ID] == 10  # kept, and reported as remaining
    assert out.read_bytes() == source.read_bytes()
    assert report.kanon is None


def test_k_anonymity_is_reached_and_reported(tmp_path: Path, scanner: Scanner) -> None:
    source = write_csv(tmp_path / "in.csv", ROWS)
    out = tmp_path / "out.csv"
    report = apply(source, "unconditional-open", out, secret=SECRET, scanner=scanner)
    k = report.to_json()["k_anonymity"]
    assert k["quasi_identifiers"] == {"gender": ["性别"], "birth": ["出生日期"],
                                      "town": ["家庭住址"]}
    assert k["k"] == 5 and k["k_reached"]
    assert k["smallest_group_before"] < 5 <= k["smallest_group_after"]
    with open_table(out) as table:
        rows = list(table.rows())
    groups: dict[tuple[str | None, ...], int] = {}
    for row in rows:
        key = (row[2], row[3], row[6])
        if key != ("*", "*", "*"):
            groups[key] = groups.get(key, 0) + 1
    assert min(groups.values()) == k["smallest_group_after"]
    assert sum(row[2] == "*" for row in rows) == k["rows_suppressed"]
    assert all(row[3] == "*" or len(row[3] or "") in (4, 9) for row in rows)  # year or band


def test_columns_of_card_numbers_are_dropped(tmp_path: Path, scanner: Scanner) -> None:
    rnd = random.Random(5)
    cards = []
    for _ in range(20):
        body = "622202" + "".join(rnd.choice("0123456789") for _ in range(9))
        cards.append(body + luhn.calc_check_digit(body))
    source = tmp_path / "in.csv"
    lines = [f"{row[1]},{card},{100 + i}\n"
             for i, (row, card) in enumerate(zip(ROWS[:20], cards, strict=True))]
    source.write_text("姓名,银行卡号,金额\n" + "".join(lines), encoding="utf-8")
    out = tmp_path / "out.csv"
    report = apply(source, "unconditional-open", out, secret=SECRET, scanner=scanner)
    assert report.decision == "allowed_after_treatment"
    card_column = next(c for c in report.columns if c.name == "银行卡号")
    assert card_column.treatment == "drop" and card_column.profile_entity == E.CN_BANK_CARD
    assert card_column.entities[E.CN_BANK_CARD].count == 20
    assert card_column.entities[E.CN_BANK_CARD].treatment == "drop"
    with open_table(out) as table:
        assert table.info.columns == ["姓名", "金额"]
        rows = list(table.rows())
    assert rows[0] == [ROWS[0][1][0] + "**", "100"]
    names = next(c for c in report.columns if c.name == "姓名")
    assert names.cells_changed == 20 and names.entities[E.PERSON].treatment == "mask"


def test_text_files_are_treated_line_by_line(tmp_path: Path, scanner: Scanner) -> None:
    person = ROWS[0]
    source = tmp_path / "notes.txt"
    source.write_bytes(f"申请人身份证号{person[4]}，联系电话{person[5]}。\r\n今天已回访。\r\n"
                       .encode())
    out = tmp_path / "out.txt"
    report = apply(source, "conditional-open", out, secret=SECRET, scanner=scanner)
    assert report.decision == "allowed_after_treatment" and report.format == "text"
    text = out.read_bytes().decode("utf-8")
    assert text.endswith("。\r\n今天已回访。\r\n")
    assert person[4] not in text and person[5] not in text
    csv_out = tmp_path / "out.csv"
    apply(write_csv(tmp_path / "in.csv", ROWS[:1]), "conditional-open", csv_out, secret=SECRET,
          scanner=scanner)
    with open_table(csv_out) as table:
        pseudonymous_id = next(table.rows())[4]
    assert f"身份证号{pseudonymous_id}，" in text  # the same pseudonym as in a table


def test_pseudonymising_without_a_secret_is_refused(
        tmp_path: Path, scanner: Scanner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SHUYUAN_DESENSITIZE_SECRET", raising=False)
    source = write_csv(tmp_path / "in.csv", ROWS[:3])
    with pytest.raises(MissingSecret):
        apply(source, "conditional-open", tmp_path / "out.csv", scanner=scanner)
    monkeypatch.setenv("SHUYUAN_DESENSITIZE_SECRET", SECRET)
    assert apply(source, "conditional-open", tmp_path / "out.csv",
                 scanner=scanner).decision == "allowed_after_treatment"


def test_an_entity_the_policy_forbids_blocks_the_file(tmp_path: Path, scanner: Scanner) -> None:
    with DEFAULT_PATH.open("rb") as f:
        data = copy.deepcopy(tomllib.load(f))
    data["targets"]["conditional-share"]["entities"]["CN_MOBILE"] = "block"
    source = write_csv(tmp_path / "in.csv", ROWS[:5])
    out = tmp_path / "out.csv"
    report = apply(source, "conditional-share", out, policy=parse_policy(data), scanner=scanner)
    assert report.blocked and "CN_MOBILE found" in report.reasons[0]
    assert not out.exists()


def test_progress_counts_the_rows_scanned(tmp_path: Path, scanner: Scanner) -> None:
    calls: list[int] = []
    source = write_csv(tmp_path / "in.csv", ROWS[:25])
    apply(source, "conditional-open", tmp_path / "out.csv", secret=SECRET, scanner=scanner,
          progress=calls.append)
    assert sum(calls) == 50  # the input's rows, then the output's


def test_the_output_may_not_overwrite_the_input(tmp_path: Path, scanner: Scanner) -> None:
    source = write_csv(tmp_path / "in.csv", ROWS[:3])
    with pytest.raises(ValueError, match="overwrite the input"):
        apply(source, "conditional-open", source, secret=SECRET, scanner=scanner)


def test_cli_exit_status_and_report(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHUYUAN_DESENSITIZE_SECRET", SECRET)
    source = write_csv(tmp_path / "in.csv", ROWS[:10])
    out, report = tmp_path / "out.csv", tmp_path / "report.json"
    args = ["apply", str(source), "--target", "conditional-open", "-o", str(out),
            "--report", str(report), "--no-progress"]
    assert main(args) == 0
    assert json.loads(report.read_text(encoding="utf-8"))["decision"] == \
        "allowed_after_treatment"
    out.unlink()
    assert main([*args, "--grading", "core"]) == 3
    assert "core" in capsys.readouterr().err
    assert json.loads(report.read_text(encoding="utf-8"))["decision"] == "blocked"
    assert not out.exists()
