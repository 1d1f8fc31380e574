"""Check characters of Chinese identification codes, used to make valid demo codes.

- GB 11643-1999: the 18-digit resident identity number, ISO 7064 MOD 11-2.
- GB 11714-1997: the 9-character organization code (8 characters + check).
- GB 32100-2015: the 18-character unified social credit code (统一社会信用代码).
"""

from __future__ import annotations

import random
from datetime import date

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"

ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

# GB 32100 alphabet: digits and capitals without I, O, Z, S, V.
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

COUNTY_AREA = "341324"  # 安徽省宿州市泗县


def id_check_digit(first17: str) -> str:
    """The MOD 11-2 check character of a resident identity number."""
    total = sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11]


def is_valid_id_number(value: str) -> bool:
    if len(value) != 18 or not value[:17].isdigit():
        return False
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    return id_check_digit(value[:17]) == value[17].upper()


def id_number(rng: random.Random, birth: date, female: bool, area: str = COUNTY_AREA) -> str:
    """A valid identity number: area, birth date, sequence (odd for men), check digit."""
    seq = rng.randrange(0, 500) * 2 + (0 if female else 1)
    body = f"{area}{birth:%Y%m%d}{seq:03d}"
    return body + id_check_digit(body)


def _org_value(char: str) -> int:
    return int(char) if char.isdigit() else ord(char) - ord("A") + 10


def org_code_check(first8: str) -> str:
    """The GB 11714 check character of an organization code."""
    total = sum(_org_value(c) * w for c, w in zip(first8, ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def uscc_check_char(first17: str) -> str:
    """The GB 32100 check character of a unified social credit code."""
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARS[(31 - total % 31) % 31]


def is_valid_uscc(value: str) -> bool:
    if len(value) != 18 or any(c not in USCC_CHARS for c in value):
        return False
    return uscc_check_char(value[:17]) == value[17]


def uscc(rng: random.Random, kind: str = "91", area: str = COUNTY_AREA,
         prefix: str = "MA") -> str:
    """A valid code: kind (91 company, 92 sole trader, 93 cooperative, 11 government
    body, 12 public institution, 51/52/53 social organizations), area, organization
    code (new-style `MA...`), check character."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body8 = prefix + "".join(rng.choice(alphabet) for _ in range(8 - len(prefix)))
    first17 = kind + area + body8 + org_code_check(body8)
    return first17 + uscc_check_char(first17)
