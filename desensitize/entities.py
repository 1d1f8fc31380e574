"""The entity types the desensitization gate knows, by their fixed names.

Other tools read these names in `scan` output and in reports: never rename one.
"""

from __future__ import annotations

CN_RESIDENT_ID = "CN_RESIDENT_ID"  # 居民身份证号码 (GB 11643: 18 digits with a MOD 11-2 check; 15-digit legacy)
CN_USCC = "CN_USCC"  # 统一社会信用代码 (GB 32100, check character)
CN_MOBILE = "CN_MOBILE"  # 手机号码
CN_LANDLINE = "CN_LANDLINE"  # 固定电话
CN_BANK_CARD = "CN_BANK_CARD"  # 银行卡号 (16-19 digits, Luhn)
CN_PASSPORT = "CN_PASSPORT"  # 护照号码
CN_HK_MACAU_PERMIT = "CN_HK_MACAU_PERMIT"  # 港澳居民来往内地通行证 / 往来港澳通行证
CN_LICENSE_PLATE = "CN_LICENSE_PLATE"  # 机动车号牌 (including new-energy plates)
EMAIL_ADDRESS = "EMAIL_ADDRESS"
IP_ADDRESS = "IP_ADDRESS"
PERSON = "PERSON"  # 姓名
LOCATION = "LOCATION"  # 住址 (street level)

# Identifiers found by patterns (with checksums where one exists): none of these may
# remain in a file treated for an open class.
STRUCTURED: tuple[str, ...] = (
    CN_RESIDENT_ID, CN_USCC, CN_MOBILE, CN_LANDLINE, CN_BANK_CARD, CN_PASSPORT,
    CN_HK_MACAU_PERMIT, CN_LICENSE_PLATE, EMAIL_ADDRESS, IP_ADDRESS,
)
# Found by the offline NLP engine (jieba part-of-speech tags, surnames, address rules).
NLP: tuple[str, ...] = (PERSON, LOCATION)
ALL: tuple[str, ...] = STRUCTURED + NLP

LANGUAGE = "zh"  # the language code our recognizers and NLP engine register under
