"""`python -m desensitize scan`: the JSON Lines contract other tools depend on, for every
format the scanner reads, and a clear message (exit 2) for what it cannot read."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from stdnum.cn import ric

from desensitize.cli import main

ROOT = Path(__file__).resolve().parents[2]
KEYS = ["row", "column", "line", "start", "end", "entity", "score"]


def resident_id(body: str = "34132419850315123") -> str:
    return body + ric.calc_check_digit(body + "0")  # stdnum expects a placeholder check digit


ID = resident_id()
MOBILE = "13812345678"
ROWS = [
    ["姓名", "身份证号", "备注"],
    ["王秀英", ID, "已核实"],
    ["李明", "", f"家属电话{MOBILE}，已回访"],
]


def scan(path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> list[dict[str, Any]]:
    assert main(["scan", str(path), *extra]) == 0
    lines = capsys.readouterr().out.splitlines()
    return [json.loads(line) for line in lines]


def cell_findings(found: list[dict[str, Any]]) -> set[tuple[Any, ...]]:
    return {(f["row"], f["column"], f["start"], f["end"], f["entity"]) for f in found}


EXPECTED = {
    (0, "身份证号", 0, 18, "CN_RESIDENT_ID"),
    (1, "备注", 4, 15, "CN_MOBILE"),
}


def write_csv(path: Path, encoding: str) -> Path:
    path.write_text("\n".join(",".join(r) for r in ROWS) + "\n", encoding=encoding)
    return path


@pytest.mark.parametrize("encoding", ["utf-8", "gbk", "utf-16"])
def test_scan_csv_in_any_encoding_gives_rows_columns_and_cell_offsets(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], encoding: str) -> None:
    found = scan(write_csv(tmp_path / "people.csv", encoding), capsys)
    assert all(list(f) == KEYS for f in found)
    assert all(f["line"] is None and 0 < f["score"] <= 1 for f in found)
    assert cell_findings(found) >= EXPECTED
    # The names column is found too (whole cells), and nothing in "已核实".
    assert {(0, "姓名", 0, 3, "PERSON"), (1, "姓名", 0, 2, "PERSON")} <= cell_findings(found)
    assert not [f for f in found if f["column"] == "备注" and f["row"] == 0]


def test_scan_xlsx_and_json_give_the_same_findings_as_csv(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = Workbook()
    sheet = book.active
    for row in ROWS:
        sheet.append(row)
    book.save(tmp_path / "people.xlsx")
    records = [dict(zip(ROWS[0], row, strict=True)) for row in ROWS[1:]]
    (tmp_path / "people.json").write_text(json.dumps(records, ensure_ascii=False),
                                          encoding="utf-8")
    csv_found = cell_findings(scan(write_csv(tmp_path / "people.csv", "utf-8"), capsys))
    assert cell_findings(scan(tmp_path / "people.xlsx", capsys)) == csv_found
    assert cell_findings(scan(tmp_path / "people.json", capsys)) == csv_found


def test_scan_text_gives_lines_and_offsets_inside_the_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "notes.txt"
    path.write_text(f"第一行没有个人信息。\n请发邮件至zhangsan@example.com，或致电{MOBILE}。\n",
                    encoding="gbk")
    found = scan(path, capsys)
    assert all(f["row"] is None and f["column"] is None for f in found)
    spans = {(f["line"], f["start"], f["end"], f["entity"]) for f in found}
    # The e-mail's span starts at the address, not at the Chinese text before it.
    assert (1, 5, 25, "EMAIL_ADDRESS") in spans
    assert (1, 29, 40, "CN_MOBILE") in spans
    assert not [f for f in found if f["line"] == 0]


def test_entities_option_limits_the_findings(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    found = scan(write_csv(tmp_path / "people.csv", "utf-8"), capsys, "--entities", "cn_mobile")
    assert {f["entity"] for f in found} == {"CN_MOBILE"}


@pytest.mark.parametrize(("setup", "message"), [
    (lambda p: None, "does not exist"),
    (lambda p: p.write_bytes(b""), "empty"),
    (lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4), ""),
])
def test_unreadable_files_exit_2_with_a_message_and_no_traceback(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], setup: Any, message: str) -> None:
    path = tmp_path / "bad.csv"
    setup(path)
    assert main(["scan", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "bad.csv" in captured.err and message in captured.err
    assert "Traceback" not in captured.err


def test_unknown_entity_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", str(write_csv(tmp_path / "p.csv", "utf-8")), "--entities", "SSN"]) == 2
    assert "unknown entity type(s): SSN" in capsys.readouterr().err


def test_python_dash_m_entry_point(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "people.csv", "utf-8")
    done = subprocess.run([sys.executable, "-m", "desensitize", "scan", str(path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=True)
    found = [json.loads(line) for line in done.stdout.splitlines()]
    assert cell_findings(found) >= EXPECTED


def test_apply_writes_the_treated_file_and_the_report(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write_csv(tmp_path / "people.csv", "gbk")
    out, report = tmp_path / "open.csv", tmp_path / "report.json"
    code = main(["apply", str(source), "--target", "unconditional-open", "-o", str(out),
                 "--report", str(report)])
    assert code == 0, capsys.readouterr().err
    treated = out.read_text(encoding="gbk")  # the same encoding as the input
    assert ID not in treated and MOBILE not in treated and "王秀英" not in treated
    assert treated.splitlines()[0] == "姓名,身份证号,备注"
    body = json.loads(report.read_text(encoding="utf-8"))
    assert body["decision"] == "allowed_after_treatment"
    assert ID not in report.read_text(encoding="utf-8")
    # Scanning the output again finds no identifier.
    assert not [f for f in scan(out, capsys) if f["entity"] != "PERSON"]


def test_apply_blocked_exits_3_with_the_reason_and_writes_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write_csv(tmp_path / "people.csv", "utf-8")
    out, report = tmp_path / "open.csv", tmp_path / "report.json"
    code = main(["apply", str(source), "--target", "conditional-open", "-o", str(out),
                 "--report", str(report), "--grading", "core"])
    assert code == 3
    err = capsys.readouterr().err
    assert err.startswith("blocked: ") and "core" in err
    assert not out.exists()
    assert json.loads(report.read_text(encoding="utf-8"))["decision"] == "blocked"


def test_apply_with_pseudonyms_and_no_secret_is_refused_clearly(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SHUYUAN_DESENSITIZE_SECRET", raising=False)
    source = write_csv(tmp_path / "people.csv", "utf-8")
    code = main(["apply", str(source), "--target", "conditional-open", "-o",
                 str(tmp_path / "out.csv")])
    assert code == 2
    err = capsys.readouterr().err
    assert "SHUYUAN_DESENSITIZE_SECRET" in err and "Traceback" not in err
    assert not (tmp_path / "out.csv").exists()


def test_scanning_in_two_processes_gives_the_same_lines_in_the_same_order(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "many.csv"
    body = [ROWS[0]] + [ROWS[1 + i % 2] for i in range(5000)]
    path.write_text("\n".join(",".join(r) for r in body) + "\n", encoding="utf-8")
    one = scan(path, capsys, "--workers", "1")
    two = scan(path, capsys, "--workers", "2")
    assert len(one) == 10_000  # a name and an ID, or a name and a mobile, per row
    assert two == one
    assert [f["row"] for f in two] == sorted(f["row"] for f in two)


def test_workers_must_be_positive(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", str(write_csv(tmp_path / "p.csv", "utf-8")), "--workers", "0"]) == 2
    assert "--workers must be at least 1" in capsys.readouterr().err
