"""The messy corpus of the release bench (desensitize.evaluation.messy): its labels
are consistent with the files it writes, and `leaks` / `kept_public` read them.

The last test runs the gate over a small corpus: no leak for an open target, every
public-by-law value kept (bench/desensitize_eval.py measures the same at size).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from stdnum.cn import ric, uscc

from desensitize.evaluation.messy import (
    ITEMS,
    MessyCorpus,
    fold,
    generate_messy,
    kept_public,
    leaked,
    leaks,
    masked,
)


@pytest.fixture(scope="module")
def messy(tmp_path_factory: pytest.TempPathFactory) -> MessyCorpus:
    return generate_messy(tmp_path_factory.mktemp("messy"), size=40, seed=7)


def test_every_planted_value_is_in_the_generated_files(messy: MessyCorpus) -> None:
    assert set(messy.files) == {"people.csv", "people.xlsx", "companies.csv", "offices.csv",
                                "notice.txt"}
    # The input folder leaks everything: each secret is found in the file it was put in.
    assert leaks(messy.folder, messy) == dict(sorted(messy.classes().items()))
    assert len(leaked(messy.folder, messy)) == len(messy.secrets)
    for kind, (kept, total) in kept_public(messy.folder, messy).items():
        assert kept == total > 0, kind


def test_the_corpus_holds_every_messy_class(messy: MessyCorpus) -> None:
    classes = set(messy.classes())
    for form in ("wrong check", "short", "extra", "spaced", "hyphenated", "full-width"):
        assert f"resident_id:{form}" in classes
    for where in ("preface", "footer", "title row", "hidden sheet", "comment", "table",
                  "remark", "text", "contact", "duty"):
        assert f"name:{where}" in classes
    assert {p.kind for p in messy.public} == {"uscc", "legal_representative", "office_phone"}
    assert set(ITEMS) == {f for f in messy.files if f.endswith((".csv", ".xlsx"))}


def test_mistyped_identifiers_are_not_valid_and_public_codes_are(messy: MessyCorpus) -> None:
    for s in messy.secrets:
        number = fold(s.text)
        if s.kind == "resident_id:wrong check":
            assert len(number) == 18 and not ric.is_valid(number), s
        elif s.kind in ("resident_id:short", "resident_id:extra"):
            assert len(number) in (17, 19), s
        elif s.kind.startswith("resident_id:") and s.kind.split(":")[1] in (
                "spaced", "hyphenated", "full-width", "plain"):
            assert ric.is_valid(number), s
    codes = [p.text for p in messy.public if p.kind == "uscc"]
    assert codes and all(uscc.is_valid(c) and not c.startswith("92") for c in codes)


def test_no_planted_value_overlaps_another_or_a_public_one(messy: MessyCorpus) -> None:
    names = [s.text for s in messy.secrets if s.kind.startswith("name:")]
    public = [p.text for p in messy.public]
    assert len(set(names)) == len(names)
    assert not any(n in p or p in n for n in names for p in public)


def test_leaks_count_values_found_folded_in_released_files(messy: MessyCorpus,
                                                           tmp_path: Path) -> None:
    released = tmp_path / "released"
    released.mkdir()
    assert sum(leaks(released, messy).values()) == 0  # nothing released, nothing leaked
    spaced = next(s for s in messy.secrets if s.kind == "resident_id:spaced")
    wide = next(s for s in messy.secrets if s.kind == "mobile:full-width")
    name = next(s for s in messy.secrets if s.kind == "name:hidden sheet")
    half_width = wide.text.translate({0xFF10 + i: 48 + i for i in range(10)})
    (released / "a.txt").write_text(f"{fold(spaced.text)} {half_width} {masked(name.text)}",
                                    encoding="utf-8")
    counts = leaks(released, messy)
    assert counts["resident_id:spaced"] >= 1 and counts["mobile:full-width"] >= 1
    assert counts["name:hidden sheet"] == 0  # masked: not a leak
    shutil.copy(messy.files["companies.csv"], released / "companies.csv")
    assert kept_public(released, messy)["uscc"][0] == kept_public(released, messy)["uscc"][1]
    assert kept_public(released, messy)["office_phone"][0] == 0  # offices.csv not released


def test_the_gate_leaks_nothing_and_keeps_what_the_law_makes_public(
        messy: MessyCorpus, tmp_path: Path) -> None:
    """The issue's figure as a test, on a small corpus: for an open target no planted
    personal value (mistyped, separated, full-width identifiers, prefaces, footers,
    hidden sheets, comments, names in free text) reaches a released file, and every
    value declared public by law does, verbatim."""
    from desensitize.apply import apply
    from desensitize.declared import DataItem
    from desensitize.evaluation.messy import items_for
    from desensitize.scanner import Scanner

    scanner = Scanner()
    released = tmp_path / "released"
    released.mkdir()
    decisions = {}
    for name, path in messy.files.items():
        report = apply(path, "unconditional-open", released / name, scanner=scanner,
                       secret="messy-corpus-test-secret",
                       items=[DataItem(**item) for item in items_for(name)])
        decisions[name] = report.decision
    assert leaks(released, messy) == {k: 0 for k in leaks(released, messy)}
    assert sum(leaks(released, messy).values()) == 0
    # Released, not blocked: the leak count means treated, not withheld (the workbook
    # with personal data on a hidden sheet is the one file blocked, by design).
    assert {n for n, d in decisions.items() if d == "blocked"} <= {"people.xlsx"}, decisions
    for kind, (kept, total) in kept_public(released, messy).items():
        assert kept == total > 0, kind
