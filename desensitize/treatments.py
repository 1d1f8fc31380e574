"""Treatments: what becomes of an entity found in a cell or a line.

    treater = Treater({CN_RESIDENT_ID: Rule("mask"), PERSON: Rule("pseudonym")}, secret=key)
    treater.treat("王秀英 340123199001011234", findings)   # "P_k3...  340123********1234"

Presidio's anonymizer does the replacing. Its built-in operators serve where they
fit: "mask" on a narrowed span (the part of the value that is hidden, so the first
6 and last 4 digits of an ID stay), "redact" and "replace". Pseudonyms,
generalisation and surrogates are "custom" operators with our functions. Text
with several findings goes through the AnonymizerEngine; a cell with one finding
(a column of IDs: millions of them) calls the same validated operator directly,
as the engine's bookkeeping would cost three times the replacing.

- pseudonym: HMAC-SHA256 of the normalised value keyed with the caller's secret,
  written as an entity prefix and 12 base32 characters ("ID_q4m2..."). The same
  value gives the same pseudonym in every file treated with the same secret, so
  joins still work; without the secret it cannot be recomputed from a guess.
- generalise: an address cut after its town (镇/乡/街道), or its county.
- surrogate: a Faker zh_CN value of the same kind (an ID with a valid check digit,
  a Luhn-valid card...), seeded from an HMAC of the original, so it is stable.
  Surrogates of structured identifiers look real: a rescan cannot tell them from
  real ones, so the policy refuses them for the open classes.

Generalisation for quasi-identifier columns (birth date -> year, age -> band, town
-> county) lives here too, as plain functions; `kanon` climbs those ladders.
"""

from __future__ import annotations

import hmac
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from presidio_anonymizer import AnonymizerEngine
from presidio_anonymizer.entities import OperatorConfig, RecognizerResult
from presidio_anonymizer.operators import Operator, OperatorType

from desensitize import entities as E
from desensitize.findings import Finding
from desensitize.recognizers.normalise import fold

# Treatments a policy may name. "keep" leaves the value; "block" refuses the file
# (decided by the policy, never applied to text); "drop" is a column treatment the
# writer carries out.
TREATMENTS = ("keep", "mask", "pseudonym", "generalise", "surrogate", "redact", "replace",
              "block")
TEXT_TREATMENTS = ("mask", "pseudonym", "generalise", "surrogate", "redact", "replace")
NEEDS_SECRET = ("pseudonym", "surrogate")
MIN_SECRET_BYTES = 16

MASK_CHAR = "*"
# (characters kept at the start, at the end) by default. For an e-mail the counts are
# of the local part (the domain always stays); for an IP address, of its groups; for an
# address, None keeps the town.
MASK_DEFAULTS: dict[str, tuple[int | None, int]] = {
    E.CN_RESIDENT_ID: (6, 4),
    E.CN_USCC: (6, 4),
    E.CN_BANK_CARD: (6, 4),
    E.CN_MOBILE: (3, 4),
    E.CN_LANDLINE: (4, 2),
    E.CN_PASSPORT: (1, 2),
    E.CN_HK_MACAU_PERMIT: (1, 2),
    E.CN_LICENSE_PLATE: (2, 1),
    E.EMAIL_ADDRESS: (0, 0),
    E.IP_ADDRESS: (2, 0),
    E.PERSON: (1, 0),
    E.LOCATION: (None, 0),
}

PSEUDONYM_PREFIXES: dict[str, str] = {
    E.CN_RESIDENT_ID: "ID", E.CN_USCC: "ORG", E.CN_MOBILE: "MOB", E.CN_LANDLINE: "TEL",
    E.CN_BANK_CARD: "CARD", E.CN_PASSPORT: "PP", E.CN_HK_MACAU_PERMIT: "HKM",
    E.CN_LICENSE_PLATE: "CAR", E.EMAIL_ADDRESS: "MAIL", E.IP_ADDRESS: "IP", E.PERSON: "P",
    E.LOCATION: "LOC",
}
PSEUDONYM_LENGTH = 12  # base32 characters: 60 bits, collisions negligible below 10^7 values

CACHE_SIZE = 100_000
CACHED_TEXT = 64


class MissingSecret(ValueError):
    """A treatment needs the HMAC secret and none was given."""


@dataclass(frozen=True)
class Rule:
    """What a policy says to do with one entity type: a treatment and its options."""

    treatment: str
    options: tuple[tuple[str, Any], ...] = ()

    def option(self, name: str, default: Any = None) -> Any:
        return dict(self.options).get(name, default)

    def to_json(self) -> Any:
        return {"treatment": self.treatment, **dict(self.options)} if self.options \
            else self.treatment


# --- generalisation ----------------------------------------------------------

# A county-level unit: 县, 区 (not 自治区, a province, nor 小区/园区/社区, places in a town),
# 旗. The town: the first 镇/乡/街道 after it (so 镇江市 is not taken for a town).
_COUNTY = re.compile(r"(?:自治县|县|(?<!自治)(?<!小)(?<!园)(?<!社)(?<!景)区|旗)")
_CITY = re.compile(r"(?:自治州|地区|盟|市)")
_TOWN = re.compile(r"[^\s,，;；]{1,10}?(?:街道|镇|乡)")


def county(address: str) -> str:
    """The address cut after its county (县/区/旗), else its city; "" when neither."""
    text = address.strip()
    found = _COUNTY.search(text)
    if found:
        return text[:found.end()]
    cities = list(_CITY.finditer(text))
    return text[:cities[-1].end()] if cities else ""


def town(address: str) -> str:
    """The address cut after its town (镇/乡/街道), else after its county; "" when it
    names neither (the caller decides what an unplaceable address becomes)."""
    text = address.strip()
    head = county(text)
    found = _TOWN.match(text, len(head)) if head else _TOWN.match(text)
    if found:
        return text[:found.end()]
    return head


_YEAR = re.compile(r"(1[89][0-9]{2}|20[0-9]{2})")
_DIGITS = re.compile(r"[0-9]+")


def birth_year(value: str) -> str | None:
    """The year of a birth date in any usual form (1985-03-02, 1985/3/2, 1985年3月,
    19850302, 1985); None when there is none."""
    found = _YEAR.match(value.strip())
    return found.group(1) if found else None


def year_band(value: str, width: int) -> str | None:
    """A year (or a date, or a band's start) in a band of `width` years: "1980-1984"."""
    year = birth_year(value)
    if year is None:
        return None
    start = int(year) // width * width
    return f"{start}-{start + width - 1}"


def age_band(value: str, width: int = 10) -> str | None:
    """An age (or a band's start: "30-39") in a band of `width` years: "30-39"."""
    found = _DIGITS.search(value)
    if found is None or len(found.group()) > 3:
        return None
    start = int(found.group()) // width * width
    return f"{start}-{start + width - 1}"


# --- masking -----------------------------------------------------------------

_IP_GROUP = re.compile(r"[0-9A-Fa-f]+")


def mask_spans(value: str, entity: str, keep_first: int | None = None,
               keep_last: int | None = None) -> list[tuple[int, int]]:
    """The spans of `value` to hide. A value too short to keep both ends is hidden whole."""
    default_first, default_last = MASK_DEFAULTS.get(entity, (0, 0))
    first = default_first if keep_first is None else keep_first
    last = default_last if keep_last is None else keep_last
    if entity == E.EMAIL_ADDRESS and "@" in value:
        at = value.rindex("@")
        return _middle(0, at, first or 0, last)
    if entity == E.IP_ADDRESS:
        groups = [m.span() for m in _IP_GROUP.finditer(value)]
        hidden = groups[first or 0:len(groups) - last]
        return hidden or [(0, len(value))]
    if first is None:  # an address: keep its town, or its county
        first = len(town(value))
    return _middle(0, len(value), first, last)


def _middle(start: int, end: int, first: int, last: int) -> list[tuple[int, int]]:
    if first + last >= end - start:
        return [(start, end)] if end > start else []
    return [(start + first, end - last)]


def mask(value: str, entity: str, keep_first: int | None = None, keep_last: int | None = None,
         char: str = MASK_CHAR) -> str:
    """The value with its hidden spans masked (what the "mask" treatment writes; the
    report shows its samples this way)."""
    out = value
    for start, end in reversed(mask_spans(value, entity, keep_first, keep_last)):
        out = out[:start] + char * (end - start) + out[end:]
    return out


# --- pseudonyms and surrogates -------------------------------------------------

_SEPARATORS = re.compile(r"[\s\-]+")


def normalise(value: str, entity: str) -> str:
    """One spelling per identifier, so "138 1234 5678" and "13812345678" (or an ID
    with x and X, or in full-width digits) get one pseudonym."""
    text = value.strip()
    if entity in (E.PERSON, E.LOCATION):
        return _SEPARATORS.sub("", text) if entity == E.PERSON else text
    text = fold(text)
    if entity == E.EMAIL_ADDRESS:
        return text.lower()
    return _SEPARATORS.sub("", text).upper()


def as_key(secret: str | bytes) -> bytes:
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    if len(key) < MIN_SECRET_BYTES:
        raise MissingSecret(f"the pseudonym secret is {len(key)} bytes long; at least "
                            f"{MIN_SECRET_BYTES} are needed")
    return key


_B32 = "abcdefghijklmnopqrstuvwxyz234567"  # RFC 4648 base32, lower case
_B32_PAIRS = [a + b for a in _B32 for b in _B32]


def base32(data: bytes, length: int) -> str:
    """The first `length` characters of the lower-case RFC 4648 base32 of `data`
    (base64.b32encode builds the whole string in Python, ten times slower)."""
    spare = len(data) * 8 - length * 5
    n = int.from_bytes(data, "big")
    n = n >> spare if spare >= 0 else n << -spare  # past the end: zero bits, as RFC 4648
    out = []
    if length % 2:
        out.append(_B32[n & 31])
        n >>= 5
    for _ in range(length // 2):
        out.append(_B32_PAIRS[n & 1023])
        n >>= 10
    return "".join(reversed(out))


def pseudonym(value: str, entity: str, secret: bytes, *, prefix: str | None = None,
              length: int = PSEUDONYM_LENGTH) -> str:
    """A stable, keyed stand-in: "ID_q4m2x7c3v6ab". Lower-case base32 (a-z, 2-7), so it
    seldom looks like a passport or permit number to a rescan."""
    digest = hmac.digest(secret, normalise(value, entity).encode("utf-8"), "sha256")
    code = base32(digest, length)
    tag = PSEUDONYM_PREFIXES.get(entity, entity[:4]) if prefix is None else prefix
    return f"{tag}_{code}" if tag else code


class Surrogates:
    """Faker zh_CN values of the same kind as the original, seeded from its HMAC (a
    different key domain than the pseudonym's, so a surrogate says nothing of it)."""

    def __init__(self, secret: bytes) -> None:
        from faker import Faker

        self._secret = secret
        self._fake = Faker("zh_CN")
        self._lock = threading.Lock()  # seed_instance + draw must not interleave

    def __call__(self, value: str, entity: str) -> str:
        message = b"surrogate\x00" + entity.encode() + b"\x00" + \
            normalise(value, entity).encode("utf-8")
        seed = int.from_bytes(hmac.digest(self._secret, message, "sha256")[:8], "big")
        with self._lock:
            self._fake.seed_instance(seed)
            return self._make(value, entity)

    def _make(self, value: str, entity: str) -> str:
        from stdnum import luhn
        from stdnum.cn import uscc

        fake = self._fake
        rnd = fake.random

        def digits(n: int) -> str:
            return "".join(rnd.choice("0123456789") for _ in range(n))

        if entity == E.PERSON:
            return fake.name()
        if entity == E.LOCATION:
            return re.sub(r"\s*[0-9]{6}$", "", fake.address())
        if entity == E.CN_RESIDENT_ID:
            return fake.ssn()
        if entity == E.CN_MOBILE:
            return "1" + rnd.choice("3456789") + digits(9)
        if entity == E.CN_LANDLINE:
            return "0" + str(rnd.randint(310, 999)) + "-" + str(rnd.randint(2, 8)) + digits(6)
        if entity == E.CN_BANK_CARD:
            n = len(re.sub(r"\D", "", value))
            body = "62" + digits(min(max(n, 16), 19) - 3)
            return body + luhn.calc_check_digit(body)
        if entity == E.CN_USCC:
            body = "91" + "34" + digits(4) + "".join(
                rnd.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
            return body + uscc.calc_check_digit(body)
        if entity == E.CN_PASSPORT:
            return "E" + digits(8)
        if entity == E.CN_HK_MACAU_PERMIT:
            return "C" + digits(8)
        if entity == E.CN_LICENSE_PLATE:
            return fake.license_plate().replace("-", "")
        if entity == E.EMAIL_ADDRESS:
            return fake.email()  # example.org/.com/.net: reserved domains
        if entity == E.IP_ADDRESS:
            return fake.ipv4_private()
        return MASK_CHAR * len(value)


# --- the treater -----------------------------------------------------------------

class Treater:
    """Applies a policy's rules (entity -> Rule) to texts and their findings."""

    def __init__(self, rules: Mapping[str, Rule], secret: str | bytes | None = None,
                 secret_env: str | None = None) -> None:
        self.rules = {e: r for e, r in rules.items() if r.treatment in TEXT_TREATMENTS}
        needing = sorted(e for e, r in self.rules.items() if r.treatment in NEEDS_SECRET)
        if needing and not secret:
            where = (f"set the environment variable {secret_env}" if secret_env
                     else "name an environment variable in the policy's [secret] env")
            raise MissingSecret("no pseudonym secret: the policy pseudonymises or replaces "
                                f"{', '.join(needing)} with keyed values; pass a secret or "
                                f"{where}")
        self._key = as_key(secret) if secret else b""
        self._surrogates: Surrogates | None = None
        self._engine = AnonymizerEngine()
        self._operators = {e: self._operator(e, r) for e, r in self.rules.items()}
        # The same Presidio operators, validated once, for cells with a single finding: the
        # engine's bookkeeping (conflicts, sorting, result items) is three quarters of the
        # cost of one span, and a column of IDs is millions of single spans.
        self._direct: dict[str, tuple[Operator, dict[str, Any]]] = {}
        for entity, config in self._operators.items():
            operator = self._engine.operators_factory.create_operator_class(
                config.operator_name, OperatorType.Anonymize)
            params = {**config.params, "entity_type": entity}
            operator.validate(params=params)
            self._direct[entity] = (operator, params)
        self._cache: dict[tuple[str, tuple[tuple[str, int, int], ...]], str] = {}

    def _operator(self, entity: str, rule: Rule) -> OperatorConfig:
        kind = rule.treatment
        if kind == "mask":
            char = rule.option("char", MASK_CHAR)
            return OperatorConfig("mask", {"masking_char": char, "chars_to_mask": 1 << 30,
                                           "from_end": False})
        if kind == "redact":
            return OperatorConfig("redact", {})
        if kind == "replace":
            return OperatorConfig("replace", {"new_value": rule.option("value", f"<{entity}>")})
        return OperatorConfig("custom", {"lambda": self._function(entity, rule)})

    def _function(self, entity: str, rule: Rule) -> Callable[[str], str]:
        kind = rule.treatment
        if kind == "pseudonym":
            key, prefix = self._key, rule.option("prefix")
            length = rule.option("length", PSEUDONYM_LENGTH)
            return lambda s: pseudonym(s, entity, key, prefix=prefix, length=length)
        if kind == "generalise":
            cut = county if rule.option("level", "town") == "county" else town
            return lambda s: cut(s) or MASK_CHAR
        if self._surrogates is None:
            self._surrogates = Surrogates(self._key)
        make = self._surrogates
        return lambda s: make(s, entity)

    def applies(self, findings: Sequence[Finding]) -> bool:
        """Whether any of these findings gets treated."""
        return any(f.entity in self.rules for f in findings)

    def treat(self, text: str, findings: Sequence[Finding]) -> str:
        """The text with its findings treated; findings must not overlap (the scanner
        resolves them). Text without a finding to treat is returned as it is."""
        todo = [f for f in findings if f.entity in self.rules]
        if not todo:
            return text
        key = (text, tuple((f.entity, f.start, f.end) for f in todo))
        done = self._cache.get(key)
        if done is not None:
            return done
        if len(todo) == 1:
            done = self._one(text, todo[0])
        else:
            done = self._engine.anonymize(text, self._results(text, todo), self._operators,
                                          merge_entities_with_spaces=False).text
        if len(text) <= CACHED_TEXT:
            if len(self._cache) >= CACHE_SIZE:
                self._cache.clear()
            self._cache[key] = done
        return done

    def _spans(self, text: str, f: Finding) -> list[tuple[int, int]]:
        """Where the operator applies: the finding, or for a mask its hidden parts."""
        rule = self.rules[f.entity]
        if rule.treatment != "mask":
            return [(f.start, f.end)]
        return [(f.start + s, f.start + e) for s, e in mask_spans(
            text[f.start:f.end], f.entity, rule.option("keep_first"), rule.option("keep_last"))]

    def _one(self, text: str, f: Finding) -> str:
        operator, params = self._direct[f.entity]
        for start, end in reversed(self._spans(text, f)):
            text = text[:start] + operator.operate(text=text[start:end], params=params) + \
                text[end:]
        return text

    def _results(self, text: str, findings: Sequence[Finding]) -> list[RecognizerResult]:
        results: list[RecognizerResult] = []
        for f in findings:
            results.extend(RecognizerResult(f.entity, start, end, f.score)
                           for start, end in self._spans(text, f))
        return results
