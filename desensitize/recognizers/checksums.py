"""Check functions for Chinese identifiers: the validate_result hooks of the structured
recognizers call these with the matched text. stdnum computes the check characters."""

from __future__ import annotations

import datetime as dt
import ipaddress
from functools import cache

from stdnum.cn import ric, uscc

# First two digits of a GB/T 2260 region code: the provinces, 71 Taiwan, and 81-83 for
# the residence permits of Hong Kong, Macau and Taiwan residents. Order numbers
# starting with a date (20...) fall outside.
PROVINCES = frozenset(str(n) for n in (
    *range(11, 16), *range(21, 24), *range(31, 38), *range(41, 47), *range(50, 55),
    *range(61, 66), 71, 81, 82, 83,
))

# GB 32100 table 1: registration authority code followed by its organisation categories.
_USCC_CATEGORIES = {
    "1": "1239", "2": "19", "3": "1234569", "4": "19", "5": "1239", "6": "129",
    "7": "129", "8": "19", "9": "123", "A": "19", "N": "1239", "Y": "1",
}
_USCC_ALPHABET = frozenset("0123456789ABCDEFGHJKLMNPQRTUWXY")

_EARLIEST_BIRTH = dt.date(1900, 1, 1)


def birth_date_valid(yyyymmdd: str) -> bool:
    """A real calendar date between 1900 and today."""
    try:
        born = dt.date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return False
    return _EARLIEST_BIRTH <= born <= dt.date.today()


def resident_id_shaped(number: str) -> bool:
    """18 characters with a province and a birth date where GB 11643 puts them."""
    return (len(number) == 18 and number[:17].isdigit() and number[:2] in PROVINCES
            and birth_date_valid(number[6:14]))


def resident_id_valid(number: str) -> bool:
    """An 18-character GB 11643 number: province, birth date and MOD 11-2 check."""
    number = number.upper()
    return resident_id_shaped(number) and ric.calc_check_digit(number) == number[17]


def legacy_resident_id_plausible(number: str) -> bool:
    """A 15-digit (pre-1999) number: province and a 19YYMMDD birth date; no check digit."""
    return (len(number) == 15 and number.isdigit() and number[:2] in PROVINCES
            and birth_date_valid("19" + number[6:12]))


def uscc_valid(code: str) -> bool:
    """An 18-character GB 32100 code: authority/category pair, alphabet and check char."""
    if len(code) != 18 or code[1] not in _USCC_CATEGORIES.get(code[0], ""):
        return False
    if not code[2:8].isdigit() or not _USCC_ALPHABET.issuperset(code):
        return False
    return uscc.calc_check_digit(code[:17]) == code[17]


def card_issuer_plausible(digits: str) -> bool:
    """The IIN prefix of a 16-19 digit payment card, with the lengths that issuer uses.

    Order numbers and timestamps seldom start like this: 2024... is not in the
    Mastercard 2221-2720 range, and Mastercard numbers have 16 digits anyway.
    """
    n = len(digits)
    if not 16 <= n <= 19 or not digits.isdigit():
        return False
    two, four = int(digits[:2]), int(digits[:4])
    if digits[0] == "4":  # Visa
        return n in (16, 19)
    if 51 <= two <= 55 or 2221 <= four <= 2720:  # Mastercard
        return n == 16
    if two in (60, 62, 65, 81) or 644 <= int(digits[:3]) <= 649:  # UnionPay, Discover
        return True
    if 3528 <= four <= 3589:  # JCB
        return True
    if digits.startswith("9"):  # pre-UnionPay domestic debit cards (ICBC 9558, ABC 9559...)
        return n == 19
    return False


# Luhn's doubled digit (with 9 subtracted past 9), by digit.
_LUHN_DOUBLE = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)


def luhn_valid(digits: str) -> bool:
    """The Luhn check of a string of digits (what stdnum.luhn.is_valid decides, at a
    tenth of its cost: it runs on every card-shaped cell of a large table)."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        d = ord(char) - 48
        total += _LUHN_DOUBLE[d] if position & 1 else d
    return total % 10 == 0


def bank_card_valid(number: str) -> bool:
    """Digits (separators dropped) of a plausible issuer, Luhn valid, not a resident ID.

    An 18-digit number shaped like a resident ID is taken for one even when its check
    digit is wrong (a typo): IDs of Gansu (62), Xinjiang (65) or Fujian (35) would
    otherwise pass for cards one time in ten.
    """
    digits = number.replace(" ", "").replace("-", "")
    if not card_issuer_plausible(digits) or not luhn_valid(digits):
        return False
    return not resident_id_shaped(digits)


def ipv6_valid(text: str) -> bool:
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True


@cache
def _top_level_domains() -> frozenset[str]:
    # The public suffix list snapshot shipped with tldextract (a Presidio dependency):
    # no download, as suffix_list_urls is empty.
    import tldextract

    extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    return frozenset(s.rpartition(".")[2].lower()
                     for s in extract._get_tld_extractor().tlds_excl_private)


def known_tld(label: str) -> bool:
    """A top-level domain that exists (com, cn, org, 中国 ...)."""
    return label.lower() in _top_level_domains()
