"""Pattern recognizers for structured Chinese identifiers (身份证号, 统一社会信用代码, 手机,
固话, 银行卡, 护照, 港澳通行证, 车牌) and for e-mail and IP addresses.

Scores: a checksum that passes sets 1.0 (Presidio's validate_result), one that fails
drops the match; without a checksum the pattern's score says how specific the shape
is: >= 0.5 is found alone, below needs a context word or a column header (+0.35).
"""

from __future__ import annotations

from presidio_analyzer import EntityRecognizer

from desensitize import entities as E
from desensitize.recognizers import checksums
from desensitize.recognizers.base import (
    NOT_AFTER_ALNUM,
    NOT_BEFORE_ALNUM,
    NUM_END,
    NUM_START,
    CnPatternRecognizer,
)

# Province prefixes of GB/T 2260 region codes (see checksums.PROVINCES).
_PROVINCE = r"(?:1[1-5]|2[1-3]|3[1-7]|4[1-6]|5[0-4]|6[1-5]|71|8[1-3])"
_MMDD = r"(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"


class ResidentIdRecognizer(CnPatternRecognizer):
    """居民身份证号码: 18 characters (MOD 11-2 check digit, may be X) or 15 legacy digits."""

    ENTITY = E.CN_RESIDENT_ID
    PATTERNS = (
        ("resident_id_18", NUM_START + _PROVINCE + r"\d{4}(?:19|20)\d{2}" + _MMDD
         + r"\d{3}[0-9Xx]" + NUM_END, 0.5),
        # No check digit, only a province and a birth date: needs context or a header.
        ("resident_id_15", NUM_START + _PROVINCE + r"\d{6}" + _MMDD + r"\d{3}" + NUM_END, 0.4),
    )
    CONTEXT = ("身份证", "身份证号", "证件号码", "证件号", "公民身份号码", "身份号码")
    TRIGGER = r"\d{15}"

    def validate_result(self, pattern_text: str) -> bool | None:
        if len(pattern_text) == 18:
            return checksums.resident_id_valid(pattern_text)
        # None keeps the pattern's score: a plausible legacy number is not a proven one.
        return None if checksums.legacy_resident_id_plausible(pattern_text) else False


class UsccRecognizer(CnPatternRecognizer):
    """统一社会信用代码 (GB 32100): authority, category, region, organisation, check."""

    ENTITY = E.CN_USCC
    PATTERNS = (
        ("uscc", NOT_AFTER_ALNUM + r"[1-9ANY][1-9]\d{6}[0-9A-HJ-NPQRTUWXY]{10}"
         + NOT_BEFORE_ALNUM, 0.5),
    )
    CONTEXT = ("信用代码", "统一社会信用代码", "社会信用", "营业执照", "纳税人识别号")
    TRIGGER = r"[1-9ANY][1-9]\d{6}"

    def validate_result(self, pattern_text: str) -> bool:
        return checksums.uscc_valid(pattern_text)

    def invalidate_result(self, pattern_text: str) -> bool:
        # Any 18 digits pass the mod-31 check one time in 31. Shaped like a resident ID
        # (province, birth date) they are one, even with a mistyped check digit; a
        # Luhn-valid 62... is a UnionPay card (category 62 codes are a few hundred
        # tourism offices, 18-digit cards far more common).
        return checksums.resident_id_shaped(pattern_text) or (
            pattern_text.startswith("62") and checksums.bank_card_valid(pattern_text))


class MobileRecognizer(CnPatternRecognizer):
    """手机号码: 1[3-9] and nine digits, grouped 3-4-4 or not, with an optional +86."""

    ENTITY = E.CN_MOBILE
    PATTERNS = (
        ("mobile", NUM_START + r"(?:(?:\+|00)?86[ -]?)?1[3-9]\d(?:\d{8}|([ -])\d{4}\1\d{4})"
         + NUM_END, 0.6),
    )
    CONTEXT = ("手机", "手机号", "电话", "联系电话", "联系方式", "移动电话")
    TRIGGER = r"1[3-9]\d[ -]?\d{4}"


_AREA = r"(?:010|02\d|0[3-9]\d{2})"
_LOCAL = r"[1-9]\d{6,7}"
_EXTENSION = r"(?:(?:转|分机|-|#|[Ee]xt\.?)\d{1,5})?"


class LandlineRecognizer(CnPatternRecognizer):
    """固定电话: area code, then a 7-8 digit local number, maybe an extension."""

    ENTITY = E.CN_LANDLINE
    PATTERNS = (
        ("landline", NUM_START + _AREA + r"[ -]" + _LOCAL + _EXTENSION + NUM_END, 0.6),
        ("landline_parenthesized", r"[(（]" + _AREA + r"[)）] ?" + _LOCAL + _EXTENSION
         + NUM_END, 0.6),
        # 11-12 bare digits starting with 0 are as often some other number.
        ("landline_bare", NUM_START + _AREA + _LOCAL + NUM_END, 0.3),
    )
    CONTEXT = ("电话", "固话", "座机", "固定电话", "办公电话", "联系方式", "传真")
    # The area code's 0 never follows a digit (amounts such as 12045.30 hold "045").
    TRIGGER = r"(?<![0-9])0[1-9]\d"


class BankCardRecognizer(CnPatternRecognizer):
    """银行卡号: 16-19 digits, maybe grouped by four, of a known issuer, Luhn valid.

    Luhn passes one number in ten, so 16-18 bare digits (order numbers, waybills,
    serials are that long) are a card only with card context: a column header or a
    word such as 卡号/银行卡/账号 nearby. 19 digits (UnionPay debit cards) or digits
    grouped by four as cards are printed are found alone."""

    ENTITY = E.CN_BANK_CARD
    PATTERNS = (
        ("bank_card", NUM_START + r"[2-9]\d{15,18}" + NUM_END, 0.4),
        ("bank_card_grouped", NUM_START + r"[2-9]\d{3}([ -])\d{4}\1\d{4}\1\d{4}(?:\1?\d{1,3})?"
         + NUM_END, 0.5),
    )
    CONTEXT = ("银行卡", "卡号", "账号", "帐号", "开户行", "一卡通", "银行账户", "社保卡", "card")
    TRIGGER = r"\d{4}[ -]?\d{4}"

    def validate_result(self, pattern_text: str) -> bool | None:
        if not checksums.bank_card_valid(pattern_text):
            return False
        if len(pattern_text) == 19 or not pattern_text.isdigit():
            return True  # 19 digits, or grouped as a card is printed
        return None  # 16-18 bare digits: the pattern's score, below the threshold alone


class PassportRecognizer(CnPatternRecognizer):
    """护照号码: E/G ordinary passports, D/S/P diplomatic and official ones. Such short
    letter-and-digit codes are common, so a match needs context to count."""

    ENTITY = E.CN_PASSPORT
    PATTERNS = (
        ("passport", NOT_AFTER_ALNUM + r"(?:E[0-9A-HJ-NP-Z]\d{7}|G\d{8}|[DSP]E?\d{7,8})"
         + NOT_BEFORE_ALNUM, 0.3),
    )
    CONTEXT = ("护照", "护照号", "passport")
    TRIGGER = r"[EGDSP][A-Z]?\d{7}"


class HkMacauPermitRecognizer(CnPatternRecognizer):
    """往来港澳通行证 (C...) and 港澳居民来往内地通行证 / 回乡证 (H..., M...); weak alone."""

    ENTITY = E.CN_HK_MACAU_PERMIT
    PATTERNS = (
        ("permit_mainland", NOT_AFTER_ALNUM + r"C[0-9A-HJ-NP-Z]\d{7}" + NOT_BEFORE_ALNUM, 0.3),
        ("permit_hk_macau", NOT_AFTER_ALNUM + r"[HM]\d{8}(?:\d{2})?" + NOT_BEFORE_ALNUM, 0.3),
    )
    CONTEXT = ("通行证", "港澳", "回乡证", "往来港澳")
    TRIGGER = r"[CHM][A-Z]?\d{7}"


_PROVINCE_CHARS = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_SERIAL = "[A-HJ-NP-Z0-9]"  # no I or O on plates


class LicensePlateRecognizer(CnPatternRecognizer):
    """机动车号牌: province, issuing-office letter, then five characters (ordinary, maybe
    ending in 挂/学/警/港/澳/领/使) or six with a D/F (new-energy)."""

    ENTITY = E.CN_LICENSE_PLATE
    PATTERNS = (
        ("license_plate", f"[{_PROVINCE_CHARS}][A-HJ-NP-Z][·• -]?"
         f"(?:[DF]{_SERIAL}{{5}}|{_SERIAL}{{5}}[DF]|{_SERIAL}{{4}}(?:{_SERIAL}|[挂学警港澳领使]))"
         + NOT_BEFORE_ALNUM, 0.6),
    )
    CONTEXT = ("车牌", "车牌号", "号牌", "车辆号码")
    TRIGGER = f"[{_PROVINCE_CHARS}][A-HJ-NP-Z]"

    def invalidate_result(self, pattern_text: str) -> bool:
        # Serials carry at most three letters; 新ADSLAB and the like are words.
        serial = pattern_text[2:].lstrip("·• -")
        return sum(c.isascii() and c.isalpha() for c in serial) > 3


# Cn-prefixed: Presidio's load_predefined_recognizers() looks classes up by name among
# all subclasses, and would take ours for its own EmailRecognizer.
class CnEmailRecognizer(CnPatternRecognizer):
    """E-mail addresses with an ASCII local part, so that in 请发邮件至zhangsan@example.com
    the ideographs before the address stay out of the span; the TLD must exist."""

    ENTITY = E.EMAIL_ADDRESS
    PATTERNS = (
        ("email", r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*@"
         r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
         r"(?![A-Za-z0-9-])", 0.5),
    )
    CONTEXT = ("邮箱", "邮件", "电子邮件", "电子邮箱", "email", "e-mail", "mail")
    TRIGGER = "@"

    def validate_result(self, pattern_text: str) -> bool:
        return checksums.known_tld(pattern_text.rpartition(".")[2])


_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"


class CnIpAddressRecognizer(CnPatternRecognizer):
    """IPv4 (octets 0-255 in the pattern) and IPv6 (candidates checked by ipaddress)."""

    ENTITY = E.IP_ADDRESS
    PATTERNS = (
        ("ipv4", NUM_START + _OCTET + r"(?:\." + _OCTET + r"){3}" + NUM_END, 0.6),
        ("ipv6", r"(?<![0-9A-Za-z:])(?:[0-9A-Fa-f]{0,4}:){2,7}"
         r"(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f]{1,4})?(?![0-9A-Za-z:])(?!\.\d)", 0.6),
    )
    CONTEXT = ("IP", "IP地址", "地址", "服务器", "主机")
    # Any dotted quad holds digit.octet.digit; a decimal amount does not.
    TRIGGER = r"\d\.\d{1,3}\.\d|:[0-9A-Fa-f]{0,4}:"

    def invalidate_result(self, pattern_text: str) -> bool:
        # Times (12:30:45), MAC addresses and a bare "::" look like IPv6 candidates.
        if ":" not in pattern_text:
            return False
        return not (any(c.isalnum() for c in pattern_text)
                    and checksums.ipv6_valid(pattern_text))


# The recognizers that run, in this order: said here, not found by walking subclasses.
RECOGNIZER_CLASSES: tuple[type[CnPatternRecognizer], ...] = (
    ResidentIdRecognizer,
    UsccRecognizer,
    MobileRecognizer,
    LandlineRecognizer,
    BankCardRecognizer,
    PassportRecognizer,
    HkMacauPermitRecognizer,
    LicensePlateRecognizer,
    CnEmailRecognizer,
    CnIpAddressRecognizer,
)


def structured_recognizers() -> list[EntityRecognizer]:
    """One instance of each structured recognizer."""
    return [cls() for cls in RECOGNIZER_CLASSES]
