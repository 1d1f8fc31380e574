"""The policy file: the bureau's defaults load, core data never opens, and every
mistake in a policy file is an error naming the file, the key and the problem."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

import pytest

from desensitize import entities as E
from desensitize.policy import (
    DEFAULT_PATH,
    GRADINGS,
    TARGETS,
    PolicyError,
    load_policy,
    parse_policy,
)
from desensitize.treatments import Rule

OPEN = ("unconditional-open", "conditional-open")


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    with DEFAULT_PATH.open("rb") as f:
        return tomllib.load(f)


def variant(raw: dict[str, Any], target: str, **changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(raw)
    data["targets"][target].update(changes)
    return data


def test_the_default_policy_loads_every_target() -> None:
    policy = load_policy()
    assert tuple(policy.targets) == TARGETS
    assert policy.secret_env == "SHUYUAN_DESENSITIZE_SECRET"
    assert {r.name for r in policy.roles} >= {"gender", "birth", "age", "town"}
    for name in OPEN:
        target = policy.target(name)
        assert target.open and target.k == 5
        assert set(E.STRUCTURED) <= target.residual_blocking
        for entity in E.STRUCTURED:
            assert target.rule(entity).treatment in ("mask", "pseudonym", "redact")
        assert target.rule(E.LOCATION) == Rule("generalise", (("level", "town"),))
        assert target.generalise["birth"] == "year"
    assert policy.target("unconditional-open").rule(E.PERSON).treatment == "mask"
    assert policy.target("conditional-open").rule(E.CN_RESIDENT_ID).treatment == "pseudonym"
    share = policy.target("conditional-share")
    assert not share.open and share.k == 0
    assert share.rule(E.CN_RESIDENT_ID).treatment == "keep"
    assert share.rule(E.CN_BANK_CARD).treatment == "mask"


def test_core_is_blocked_for_every_target_and_important_only_opens_conditionally() -> None:
    policy = load_policy()
    for name in TARGETS:
        assert "core" in (policy.target(name).grading_block("core") or "")
        assert policy.target(name).grading_block("general") is None
    assert policy.target("unconditional-open").grading_block("important")
    assert policy.target("conditional-open").grading_block("important") is None
    with pytest.raises(ValueError, match="unknown grading"):
        policy.target("conditional-open").grading_block("secret")
    assert set(GRADINGS) == {"general", "important", "core"}


def test_the_secret_comes_from_the_caller_or_the_environment(
        monkeypatch: pytest.MonkeyPatch) -> None:
    policy = load_policy()
    monkeypatch.delenv("SHUYUAN_DESENSITIZE_SECRET", raising=False)
    assert policy.secret() is None
    monkeypatch.setenv("SHUYUAN_DESENSITIZE_SECRET", "from-the-environment-1234")
    assert policy.secret() == b"from-the-environment-1234"
    assert policy.secret("the-portal-passes-its-own") == b"the-portal-passes-its-own"
    with pytest.raises(ValueError, match="at least 16"):
        policy.secret("too-short")


def test_unknown_target_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown target 'open'"):
        load_policy().target("open")


def test_the_policy_file_can_be_named_by_the_environment(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, raw: dict[str, Any]) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(DEFAULT_PATH.read_text(encoding="utf-8").replace("k = 5", "k = 7", 1),
                    encoding="utf-8")
    monkeypatch.setenv("SHUYUAN_DESENSITIZE_POLICY", str(path))
    assert load_policy().target("unconditional-open").k == 7
    assert load_policy().source == str(path)


def test_a_missing_or_broken_file_names_itself(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="nope.toml: the policy file does not exist"):
        load_policy(tmp_path / "nope.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[targets\n", encoding="utf-8")
    with pytest.raises(PolicyError, match="broken.toml: not valid TOML"):
        load_policy(broken)


@pytest.mark.parametrize(("target", "changes", "message"), [
    ("conditional-open", {"entities": {"CN_MOBIL": "mask"}},
     r"targets\.conditional-open\.entities: unknown key\(s\) CN_MOBIL"),
    ("conditional-open", {"entities": {"PERSON": "hide"}},
     r"targets\.conditional-open\.entities\.PERSON: unknown treatment 'hide'"),
    ("conditional-open", {"entities": {"CN_MOBILE": {"treatment": "mask", "keep_frist": 3}}},
     r"entities\.CN_MOBILE: unknown key\(s\) keep_frist"),
    ("conditional-open", {"entities": {"CN_MOBILE": {"treatment": "mask", "keep_first": "3"}}},
     r"entities\.CN_MOBILE\.keep_first: must be a whole number"),
    ("unconditional-open", {"entities": {"CN_RESIDENT_ID": "keep"}},
     r"unconditional-open\.entities\.CN_RESIDENT_ID: 'keep' leaves a structured identifier"),
    ("conditional-open", {"entities": {"CN_MOBILE": "surrogate"}},
     r"CN_MOBILE: 'surrogate' leaves a structured identifier"),
    ("conditional-open", {"default": "keep", "entities": {}},
     r"conditional-open\.default: 'keep' leaves a structured identifier"),
    ("conditional-open", {"entities": {"PERSON": "generalise"}},
     r"generalise only applies to LOCATION, not PERSON"),
    ("conditional-share", {"gradings": ["general", "core"]},
     r"conditional-share\.gradings: core data never opens"),
    ("conditional-open", {"gradings": ["public"]}, r"gradings: unknown name\(s\) public"),
    ("conditional-open", {"quasi_identifiers": [["gender", "zodiac"]]},
     r"quasi_identifiers: unknown name\(s\) zodiac"),
    ("conditional-open", {"generalise": {"birth": "decade"}},
     r"generalise\.birth: unknown level 'decade'"),
    ("conditional-open", {"k": -1}, r"conditional-open\.k: must be a whole number"),
    ("conditional-open", {"max_suppressed": 5}, r"max_suppressed: must be a share"),
    ("conditional-open", {"drop_columns": ["BANK"]}, r"drop_columns: unknown name\(s\) BANK"),
    ("conditional-open", {"opne": True}, r"targets\.conditional-open: unknown key\(s\) opne"),
])
def test_bad_policies_are_refused_with_the_key_and_the_problem(
        raw: dict[str, Any], target: str, changes: dict[str, Any], message: str) -> None:
    with pytest.raises(PolicyError, match=message) as error:
        parse_policy(variant(raw, target, **changes), "bureau.toml")
    assert str(error.value).startswith("bureau.toml: ")


def test_a_missing_target_and_unknown_sections_are_refused(raw: dict[str, Any]) -> None:
    data = copy.deepcopy(raw)
    del data["targets"]["conditional-share"]
    with pytest.raises(PolicyError, match="targets: no policy for conditional-share"):
        parse_policy(data)
    data = copy.deepcopy(raw)
    data["targets"]["unconditonal-open"] = data["targets"]["unconditional-open"]
    with pytest.raises(PolicyError, match=r"unknown key\(s\) unconditonal-open"):
        parse_policy(data)
    with pytest.raises(PolicyError, match="version 2 is not supported"):
        parse_policy({**raw, "version": 2})


def test_unlisted_entities_take_the_targets_default(raw: dict[str, Any]) -> None:
    data = variant(raw, "conditional-open", default="redact", entities={"PERSON": "mask"})
    target = parse_policy(data).target("conditional-open")
    assert target.rule(E.PERSON) == Rule("mask")
    assert target.rule(E.CN_RESIDENT_ID) == Rule("redact")
    data = variant(raw, "conditional-share", entities={"CN_PASSPORT": "block"})
    assert parse_policy(data).target("conditional-share").blocked_entities == {E.CN_PASSPORT}


def test_the_default_policy_is_package_data() -> None:
    """An installed wheel has no config/ beside it: the default ships in the package,
    once (config/desensitize.toml in the source tree links to it)."""
    from importlib.resources import files

    root = Path(__file__).resolve().parents[2]
    packaged = files("desensitize") / "policy.toml"
    assert packaged.is_file() and Path(str(packaged)).resolve() == DEFAULT_PATH.resolve()
    with (root / "pyproject.toml").open("rb") as f:
        data = tomllib.load(f)["tool"]["setuptools"]["package-data"]["desensitize"]
    assert "policy.toml" in data
    linked = root / "config" / "desensitize.toml"
    assert not linked.exists() or linked.resolve() == DEFAULT_PATH.resolve()
    assert load_policy().source == str(DEFAULT_PATH)
