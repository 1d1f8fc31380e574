"""The desensitization policy: per target class, what may remain of each entity type
and how it is treated. The default ships inside the package (desensitize/policy.toml,
package data, so an installed wheel finds it; config/desensitize.toml in the source tree
is a link to it); a bureau's own policy is named by path, `--policy` or
$SHUYUAN_DESENSITIZE_POLICY.

    policy = load_policy()                         # or load_policy("other.toml")
    target = policy.target("unconditional-open")
    target.rule("CN_MOBILE")                       # Rule("mask")
    target.grading_block("core")                   # the reason it is blocked, or None
    policy.secret(given)                           # the HMAC key, or None

Everything is checked when the file is loaded, and a mistake is a PolicyError
naming the file, the key and the problem: a misspelt entity type or option
silently ignored would publish what the bureau meant to hide. Rules that cannot
work are refused the same way: "keep" or "surrogate" for a structured identifier
in an open class (the rescan would block every such file), "core" among a
target's gradings (core data never leaves through this gate).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desensitize import entities as E
from desensitize.kanon import Role, level_names
from desensitize.treatments import TREATMENTS, Rule, as_key

TARGETS = ("unconditional-open", "conditional-open", "conditional-share")
GRADINGS = ("general", "important", "core")
DEFAULT_K = 5
DEFAULT_MAX_SUPPRESSED = 0.05
POLICY_ENV = "SHUYUAN_DESENSITIZE_POLICY"
# Package data (pyproject.toml): the one copy of the default policy.
DEFAULT_PATH = Path(__file__).resolve().parent / "policy.toml"

# The options each treatment takes, and their types.
OPTIONS: dict[str, dict[str, type]] = {
    "mask": {"keep_first": int, "keep_last": int, "char": str},
    "pseudonym": {"prefix": str, "length": int},
    "generalise": {"level": str},
    "replace": {"value": str},
}
_TARGET_KEYS = {"open", "gradings", "default", "drop_columns", "generalise",
                "quasi_identifiers", "k", "max_suppressed", "block_residual", "entities"}


class PolicyError(ValueError):
    """The policy file is wrong; the message names the file, the key and the problem."""


@dataclass(frozen=True)
class TargetPolicy:
    name: str
    open: bool  # an open class: no structured identifier may remain after treatment
    gradings: tuple[str, ...]
    rules: Mapping[str, Rule]  # every entity type in desensitize.entities.ALL
    drop_columns: frozenset[str]
    generalise: Mapping[str, str]  # role -> rung every row is put on
    quasi_identifiers: tuple[tuple[str, ...], ...]
    k: int
    max_suppressed: float
    block_residual: frozenset[str]  # entity types whose residual findings block

    def rule(self, entity: str) -> Rule:
        return self.rules[entity]

    @property
    def blocked_entities(self) -> frozenset[str]:
        """Entity types whose presence refuses the file outright."""
        return frozenset(e for e, r in self.rules.items() if r.treatment == "block")

    @property
    def residual_blocking(self) -> frozenset[str]:
        return self.block_residual | (frozenset(E.STRUCTURED) if self.open else frozenset())

    def grading_block(self, grading: str) -> str | None:
        """Why data of this grading may not go to this target, or None."""
        if grading not in GRADINGS:
            raise ValueError(f"unknown grading {grading!r} (known: {', '.join(GRADINGS)})")
        if grading == "core":
            return f"data graded core never opens or leaves through this gate ({self.name})"
        if grading not in self.gradings:
            return (f"data graded {grading} may not go to {self.name} (the policy allows "
                    f"{', '.join(self.gradings) or 'no grading'})")
        return None

    def to_json(self) -> dict[str, Any]:
        return {"target": self.name, "open": self.open, "gradings": list(self.gradings),
                "entities": {e: r.to_json() for e, r in self.rules.items()},
                "drop_columns": sorted(self.drop_columns), "generalise": dict(self.generalise),
                "quasi_identifiers": [list(q) for q in self.quasi_identifiers], "k": self.k,
                "max_suppressed": self.max_suppressed,
                "block_residual": sorted(self.residual_blocking)}


@dataclass(frozen=True)
class Policy:
    source: str
    version: int
    secret_env: str | None
    roles: tuple[Role, ...]
    targets: Mapping[str, TargetPolicy]

    def target(self, name: str) -> TargetPolicy:
        try:
            return self.targets[name]
        except KeyError:
            raise ValueError(f"unknown target {name!r} (known: {', '.join(self.targets)})"
                             ) from None

    def secret(self, given: str | bytes | None = None) -> bytes | None:
        """The HMAC key: the caller's, else the environment variable's; None when
        neither is set (treatments that need it then refuse to run)."""
        if not given and self.secret_env:
            given = os.environ.get(self.secret_env) or None
        return as_key(given) if given else None

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "version": self.version, "secret_env": self.secret_env,
                "roles": {r.name: {"headers": list(r.headers), "exclude": list(r.exclude)}
                          for r in self.roles}}


def load_policy(path: str | Path | None = None) -> Policy:
    """The policy in `path`, else in $SHUYUAN_DESENSITIZE_POLICY, else the default."""
    chosen = Path(path or os.environ.get(POLICY_ENV) or DEFAULT_PATH)
    try:
        with chosen.open("rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise PolicyError(f"{chosen}: the policy file does not exist") from None
    except tomllib.TOMLDecodeError as error:
        raise PolicyError(f"{chosen}: not valid TOML: {error}") from None
    return parse_policy(data, str(chosen))


def parse_policy(data: Mapping[str, Any], source: str = "<policy>") -> Policy:
    return _Parser(source).policy(data)


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, key: str, problem: str) -> PolicyError:
        return PolicyError(f"{self.source}: {key}: {problem}")

    def table(self, value: Any, key: str, allowed: set[str]) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(key, "must be a table")
        unknown = sorted(set(value) - allowed)
        if unknown:
            raise self.fail(key, f"unknown key(s) {', '.join(unknown)} "
                                 f"(known: {', '.join(sorted(allowed))})")
        return value

    def strings(self, value: Any, key: str,
                known: tuple[str, ...] | None = None) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(key, "must be a list of strings")
        if known is not None:
            bad = [v for v in value if v not in known]
            if bad:
                raise self.fail(key, f"unknown name(s) {', '.join(bad)} (known: "
                                     f"{', '.join(known)})")
        return tuple(value)

    def policy(self, data: Mapping[str, Any]) -> Policy:
        self.table(data, "(top level)", {"version", "secret", "roles", "targets"})
        version = data.get("version", 1)
        if version != 1:
            raise self.fail("version", f"version {version!r} is not supported (1 is)")
        secret = self.table(data.get("secret", {}), "secret", {"env"})
        env = secret.get("env")
        if env is not None and (not isinstance(env, str) or not env):
            raise self.fail("secret.env", "must be the name of an environment variable")
        roles = tuple(self.role(name, spec) for name, spec in
                      self.table(data.get("roles", {}), "roles", set(data.get("roles", {})))
                      .items())
        targets = self.table(data.get("targets"), "targets", set(TARGETS)) \
            if "targets" in data else {}
        missing = [t for t in TARGETS if t not in targets]
        if missing:
            raise self.fail("targets", f"no policy for {', '.join(missing)}")
        role_names = tuple(r.name for r in roles)
        return Policy(source=self.source, version=version, secret_env=env, roles=roles,
                      targets={name: self.target(name, targets[name], role_names)
                               for name in TARGETS})

    def role(self, name: str, spec: Any) -> Role:
        key = f"roles.{name}"
        spec = self.table(spec, key, {"headers", "exclude"})
        headers = self.strings(spec.get("headers", []), f"{key}.headers")
        if not headers:
            raise self.fail(f"{key}.headers", "a role needs at least one header word")
        return Role(name, headers, self.strings(spec.get("exclude", []), f"{key}.exclude"))

    def target(self, name: str, spec: Any, roles: tuple[str, ...]) -> TargetPolicy:
        key = f"targets.{name}"
        spec = self.table(spec, key, _TARGET_KEYS)
        is_open = spec.get("open", name != "conditional-share")
        if not isinstance(is_open, bool):
            raise self.fail(f"{key}.open", "must be true or false")
        gradings = self.strings(spec.get("gradings", ["general"]), f"{key}.gradings", GRADINGS)
        if "core" in gradings:
            raise self.fail(f"{key}.gradings", "core data never opens or leaves through this "
                                               "gate; remove \"core\"")
        default = self.rule(spec.get("default", "redact" if is_open else "keep"),
                            f"{key}.default", None)
        entities = self.table(spec.get("entities", {}), f"{key}.entities", set(E.ALL))
        rules = {e: self.rule(entities[e], f"{key}.entities.{e}", e) if e in entities
                 else default for e in E.ALL}
        if is_open:
            for entity in E.STRUCTURED:
                if rules[entity].treatment in ("keep", "surrogate"):
                    where = f"{key}.entities.{entity}" if entity in entities else f"{key}.default"
                    raise self.fail(where, f"{rules[entity].treatment!r} leaves a structured "
                                           f"identifier ({entity}) in an open class; mask, "
                                           "pseudonymise or redact it")
        if default.treatment == "generalise":
            raise self.fail(f"{key}.default", "generalise only applies to LOCATION")
        generalise = self.table(spec.get("generalise", {}), f"{key}.generalise", set(roles))
        for role, level in generalise.items():
            if level not in level_names(role):
                raise self.fail(f"{key}.generalise.{role}", f"unknown level {level!r} (known: "
                                                           f"{', '.join(level_names(role))})")
        qis = spec.get("quasi_identifiers", [])
        if not isinstance(qis, list):
            raise self.fail(f"{key}.quasi_identifiers", "must be a list of lists of roles")
        combos = tuple(self.strings(c, f"{key}.quasi_identifiers", roles) for c in qis)
        k = spec.get("k", DEFAULT_K)
        if not isinstance(k, int) or isinstance(k, bool) or k < 0:
            raise self.fail(f"{key}.k", "must be a whole number, 0 (off) or more")
        share = spec.get("max_suppressed", DEFAULT_MAX_SUPPRESSED)
        if not isinstance(share, int | float) or isinstance(share, bool) or not 0 <= share <= 1:
            raise self.fail(f"{key}.max_suppressed", "must be a share between 0 and 1")
        return TargetPolicy(
            name=name, open=is_open, gradings=gradings, rules=rules,
            drop_columns=frozenset(self.strings(spec.get("drop_columns", []),
                                                f"{key}.drop_columns", E.ALL)),
            generalise=dict(generalise), quasi_identifiers=combos, k=k,
            max_suppressed=float(share),
            block_residual=frozenset(self.strings(spec.get("block_residual", []),
                                                  f"{key}.block_residual", E.ALL)))

    def rule(self, value: Any, key: str, entity: str | None) -> Rule:
        if isinstance(value, str):
            value = {"treatment": value}
        if not isinstance(value, Mapping) or not isinstance(value.get("treatment"), str):
            raise self.fail(key, "must be a treatment name or a table with a `treatment`")
        treatment = value["treatment"]
        if treatment not in TREATMENTS:
            raise self.fail(key, f"unknown treatment {treatment!r} (known: "
                                 f"{', '.join(TREATMENTS)})")
        if treatment == "generalise" and entity not in (E.LOCATION, None):
            raise self.fail(key, f"generalise only applies to LOCATION, not {entity}")
        options = OPTIONS.get(treatment, {})
        self.table(value, key, {"treatment", *options})
        for name, kind in options.items():
            if name in value and (not isinstance(value[name], kind)
                                  or isinstance(value[name], bool)):
                what = "a whole number" if kind is int else "text"
                raise self.fail(f"{key}.{name}", f"must be {what}")
        self._check_options(treatment, value, key)
        return Rule(treatment, tuple((n, value[n]) for n in options if n in value))

    def _check_options(self, treatment: str, value: Mapping[str, Any], key: str) -> None:
        for name in ("keep_first", "keep_last"):
            if value.get(name, 0) < 0:
                raise self.fail(f"{key}.{name}", "must not be negative")
        if treatment == "mask" and len(value.get("char", "*")) != 1:
            raise self.fail(f"{key}.char", "must be one character")
        if treatment == "pseudonym" and not 8 <= value.get("length", 12) <= 52:
            raise self.fail(f"{key}.length", "must be between 8 and 52 characters")
        if treatment == "generalise" and value.get("level", "town") not in ("town", "county"):
            raise self.fail(f"{key}.level", "must be \"town\" or \"county\"")
