"""A labelled corpus for measuring detection: a table and free text made with Faker zh_CN.

Everything comes from one seed (a seeded `Faker("zh_CN")` and `random.Random`), so a
seed names a corpus (for a given Faker version: its word lists may change). Every
generated value is a `Label` at its exact span:

- gold labels (`entity` set) for what must be found: resident IDs, USCCs and bank
  cards with real check digits, mobiles in the formats people type, names, street-level
  addresses (LOCATION means an address, so the whole address is one span);
- decoys (`entity` None), the hard negatives a recognizer must leave alone: 18-digit
  order numbers that are not IDs, 11-digit work-order numbers that are not mobiles,
  dates, amounts, company and organization names, bare place names (泗城镇 is a town,
  not an address). They are never scored; they say what a false positive fell on.

Harder names come in extra lines (`hard_line`, from a Maker of their own so the
lines above stay the same for a seed), each labelled by class in its kind:
"name:minority" (买买提·艾力, any middle dot), "name:role" (审核人：张伟), "name:kin"
(其母王秀英), "name:nickname" (老王, 小李, 阿明), with ordinary words of the same shape
(老师, 小学, 阿里) as decoys of kind "word:nickname". `name_class` gives a label's class;
`scoring.score_by_class` scores each class apart.

`write_corpus` puts the table (CSV in UTF-8, optionally GBK and XLSX), the text (one
sentence a line) and the labels (JSON Lines) in a folder, for `Scanner.scan_path`.
"""

from __future__ import annotations

import csv
import json
import random
import re
import string
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from faker import Faker
from stdnum import luhn
from stdnum.cn import ric, uscc

from desensitize import entities as E

if TYPE_CHECKING:
    from desensitize.evaluation.scoring import Located

SEED = 20240501

# (region code, place): a code is only valid for the years stdnum's table gives it, so
# older people of 泗县 carry the pre-1998 code 342225 (see `resident_id`).
REGIONS: tuple[tuple[str, str], ...] = (
    ("341324", "泗县"), ("341324", "泗县"), ("341324", "泗县"), ("342225", "泗县"),
    ("342225", "泗县"), ("341302", "埇桥区"), ("342201", "宿州市"), ("341323", "灵璧县"),
    ("340104", "蜀山区"), ("110105", "朝阳区"), ("320106", "鼓楼区"), ("370102", "历下区"),
)
MOBILE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "147",
                   "150", "151", "152", "153", "155", "156", "157", "158", "159", "166",
                   "173", "177", "180", "181", "182", "183", "185", "186", "187", "188",
                   "189", "191", "198", "199")
# (area code, local digits): 宿州 numbers have 7 digits, the big cities' 8.
AREA_CODES = (("0557", 7), ("0557", 7), ("0551", 8), ("010", 8), ("021", 8))
# Companies registered since 2015 (the MA organization codes) carry current region codes.
USCC_REGIONS = ("341324", "341324", "341302", "341323", "340104", "110105", "320106")
CARD_BINS = ("622202", "621700", "622848", "621661", "622588", "623058", "621799")
USCC_KINDS = ("91", "91", "91", "92", "93", "12", "11", "52")
PLATE_PROVINCES = "皖皖皖皖苏鲁豫京沪浙"
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I or O on plates
TOWNS = ("泗城镇", "大庄镇", "草庙镇", "墩集镇", "丁湖镇", "黑塔镇", "刘圩镇", "长沟镇",
         "屏山镇", "山头镇", "大路口镇", "草沟镇", "瓦坊乡", "大杨乡", "赤山乡")
VILLAGES = ("张集", "王庄", "李圩", "刘湖", "陈楼", "赵集", "孙庄", "周圩", "吴湾", "郑店",
            "朱庙", "胡桥", "高台", "林场", "马厂")
ROADS = ("东关路", "西大街", "人民路", "汴河大道", "运河路", "虹乡路", "泗州大道", "解放路",
         "清水湾路", "复兴路", "光明街", "建设路")
COMMUNITIES = ("东关", "西关", "南关", "北关", "城南", "虹城", "汴河", "翠竹园")
ORGS = ("泗县农业农村局", "泗县人民医院", "泗县财政局", "泗县民政局", "泗县公安局交通管理大队",
        "宿州市生态环境局泗县分局", "泗县人力资源和社会保障局", "泗县自然资源和规划局",
        "泗城镇人民政府", "大庄镇中心学校", "泗县市场监督管理局", "泗县住房和城乡建设局")
PLACES = ("泗城镇", "大庄镇", "泗县", "宿州市", "安徽省", "草庙镇", "墩集镇", "丁湖镇",
          "淮北平原", "运河沿线", "黑塔镇", "开发区")
WORDS = ("方便群众办事，", "黄河流域生态保护持续推进，", "林业部门马上开展松材线虫病普查，",
         "周末天气晴好，", "高温天气持续，", "白天多云、夜间小雨，", "常态化疫情防控已转段，",
         "金秋时节稻谷飘香，", "石榴花开正艳，", "江淮分水岭地区旱情缓解，")
REMARKS = ("已核实", "材料齐全", "待复核", "无", "已电话回访", "申请人已签字确认", "户籍迁入",
           "续保", "信息已更新", "本人申请", "重复登记已合并", "经村委会评议通过", "暂缓发放",
           "照片待补交", "低保对象", "五保户", "残疾人两项补贴", "脱贫监测户")

# Harder names (see `hard_line`).
MIDDLE_DOTS = "·•‧・･"
MINORITY_GIVEN = ("买买提", "阿依古丽", "艾力", "吐尔逊", "热依拉", "古丽娜尔", "努尔", "阿迪力",
                  "帕提古丽", "麦合木提", "依明", "热合曼", "迪丽娜尔", "米热古丽", "艾尔肯",
                  "阿力木", "吾买尔", "玉素甫", "祖力皮亚", "卡迪尔", "亚森", "努尔古丽",
                  "艾克拜尔", "伊力哈木", "阿依努尔", "叶尔兰", "别克", "哈那提", "加娜尔",
                  "巴合提亚尔", "阿曼古丽", "斯迪克")
MINORITY_FATHER = ("艾力", "吐尔逊", "买买提", "热合曼", "阿不都热依木", "玉素甫", "司马义",
                   "吾守尔", "哈斯木", "托乎提", "依沙克", "肉孜", "沙吾提", "卡斯木", "艾买提",
                   "阿布拉", "苏来曼", "巴拉提", "克里木", "尼亚孜", "努尔兰", "吐尔洪",
                   "阿西木", "牙生")
TIBETAN_NAMES = ("扎西", "多吉", "次仁", "格桑", "卓玛", "旺堆", "顿珠", "尼玛", "达瓦", "央金",
                 "拉姆", "平措", "索朗", "德吉", "白玛", "洛桑", "普布", "曲珍", "边巴", "强巴")
# Surnames that make no common word after 老 or 小 (not 小康, 老汤, 小于).
NICK_SURNAMES = "王李张刘陈杨赵周吴徐孙朱胡郭何林罗郑梁谢宋唐许韩冯邓曹彭曾董潘袁蔡蒋杜叶程魏" \
                "苏吕丁任卢姚沈钟姜崔谭陆范汪廖贾夏邹熊孟秦邱侯尹薛闫段雷黎史陶贺郝顾龚邵钱戴严孔"
NICK_GIVEN = "明强华芳英珍伟杰辉丽红梅峰勇坤龙彬娟霞琴亮"
ROLES = ("经办人", "审核人", "联系人", "负责人", "填报人", "制表人", "申请人", "法定代表人")
ROLE_SEPARATORS = ("：", ":", "", " ", "： ", ": ")
KIN = (("其父", "kmale"), ("其母", "kfemale"), ("其妻", "kfemale"), ("其夫", "kmale"),
       ("其子", "kmale"), ("其女", "kfemale"))

# A Piece is one generated value: (text, entity or None for a decoy, kind).
Piece = tuple[str, str | None, str]


@dataclass(frozen=True, slots=True)
class Label:
    """A generated value at its span: gold (entity set) or a decoy (entity None)."""

    entity: str | None
    kind: str  # the generator and format, e.g. "mobile:+86 dashed", "order_no"
    start: int
    end: int
    text: str
    row: int | None = None  # tables: 0-based data row
    column: str | None = None  # tables: the header text
    line: int | None = None  # text: 0-based line

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Label:
        return cls(**raw)


@dataclass
class Corpus:
    seed: int
    columns: list[str]
    rows: list[list[str]]  # "" for an empty cell
    lines: list[str]
    labels: list[Label] = field(default_factory=list)

    @property
    def gold(self) -> list[Label]:
        return [label for label in self.labels if label.entity is not None]

    @property
    def decoys(self) -> list[Label]:
        return [label for label in self.labels if label.entity is None]

    def text_of(self, span: Located) -> str:
        """The cell or line a span (a Label, a Finding) lies in."""
        if span.line is not None:
            return self.lines[span.line]
        assert span.row is not None and span.column is not None
        return self.rows[span.row][self.columns.index(span.column)]


# --- valid identifiers and the values around them ------------------------------------

def org_code_check(code8: str) -> str:
    """GB 11714 check character of an organization code (USCC characters 9-16; it is the
    17th)."""
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(c, 36) * w for c, w in zip(code8, weights, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


class Maker:
    """Values for the corpus, drawn from one seed."""

    def __init__(self, seed: int = SEED) -> None:
        self.rng = random.Random(seed)
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(seed)

    def digits(self, n: int) -> str:
        return "".join(self.rng.choice(string.digits) for _ in range(n))

    # -- gold ----------------------------------------------------------------

    def birth_date(self) -> date:
        return date(1940, 1, 1) + timedelta(days=self.rng.randrange(365 * 72))

    def resident_id(self, born: date | None = None, male: bool | None = None) -> str:
        """18 digits: region, birth date, sequence (odd for men), MOD 11-2 check."""
        while True:
            day = born or self.birth_date()
            region = self.rng.choice(REGIONS)[0]
            seq = self.rng.randrange(0, 999)
            if male is not None and seq % 2 != int(male):
                seq = (seq + 1) % 1000
            body = f"{region}{day:%Y%m%d}{seq:03d}"
            number = body + ric.calc_check_digit(body + "0")
            if ric.is_valid(number):  # a region code not yet (or no longer) in use: retry
                return number

    def uscc(self) -> str:
        """Kind, region, organization code (GB 11714 check), GB 32100 check."""
        chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
        org = "MA" + "".join(self.rng.choice(chars) for _ in range(6))
        body = self.rng.choice(USCC_KINDS) + self.rng.choice(USCC_REGIONS) + org
        body += org_code_check(org)
        return body + uscc.calc_check_digit(body)

    def bank_card(self) -> Piece:
        length = self.rng.choices((16, 17, 18, 19), weights=(30, 5, 5, 60))[0]
        body = self.rng.choice(CARD_BINS) + self.digits(length - 7)
        number = body + luhn.calc_check_digit(body)
        if self.rng.random() < 0.2:
            return " ".join(number[i:i + 4] for i in range(0, length, 4)), E.CN_BANK_CARD, \
                "bank_card:grouped"
        return number, E.CN_BANK_CARD, "bank_card:plain"

    def mobile(self) -> Piece:
        n = self.rng.choice(MOBILE_PREFIXES) + self.digits(8)
        a, b, c = n[:3], n[3:7], n[7:]
        form = self.rng.choices(
            ("plain", "spaced", "dashed", "+86 dashed", "+86", "+86 compact"),
            weights=(70, 10, 7, 5, 4, 4))[0]
        text = {"plain": n, "spaced": f"{a} {b} {c}", "dashed": f"{a}-{b}-{c}",
                "+86 dashed": f"+86 {a}-{b}-{c}", "+86": f"+86 {n}",
                "+86 compact": f"+86{n}"}[form]
        return text, E.CN_MOBILE, f"mobile:{form}"

    def landline(self) -> Piece:
        area, width = self.rng.choice(AREA_CODES)
        local = str(self.rng.randint(2, 8)) + self.digits(width - 1)
        form = self.rng.choices(("dashed", "parens", "spaced"), weights=(70, 20, 10))[0]
        text = {"dashed": f"{area}-{local}", "parens": f"({area}){local}",
                "spaced": f"{area} {local}"}[form]
        return text, E.CN_LANDLINE, f"landline:{form}"

    def email(self) -> Piece:
        form = self.rng.choices(("faker", "free", "company", "qq"), weights=(40, 30, 15, 15))[0]
        if form == "qq":  # QQ numbers have 6-10 digits: never 11, never a mobile
            return f"{self.rng.randint(10**5, 10**10 - 1)}@qq.com", E.EMAIL_ADDRESS, "email:qq"
        make = {"faker": self.fake.email, "free": self.fake.free_email,
                "company": self.fake.company_email}[form]
        return make(), E.EMAIL_ADDRESS, f"email:{form}"

    def plate(self) -> Piece:
        province = self.rng.choice(PLATE_PROVINCES)
        city = "L" if province == "皖" and self.rng.random() < 0.7 else \
            self.rng.choice(PLATE_LETTERS[:8])
        if self.rng.random() < 0.25:  # new energy: D (electric) or F (hybrid) and 5 digits
            return f"{province}{city}{self.rng.choice('DF')}{self.digits(5)}", \
                E.CN_LICENSE_PLATE, "plate:new energy"
        tail = list(self.digits(5))
        for i in self.rng.sample(range(5), self.rng.choice((0, 1, 1, 2))):
            tail[i] = self.rng.choice(PLATE_LETTERS)
        return f"{province}{city}{''.join(tail)}", E.CN_LICENSE_PLATE, "plate:regular"

    def passport(self) -> str:
        return "E" + self.digits(8)

    def legacy_id(self, born: date, male: bool) -> str:
        """A 15-digit first-generation ID (issued before 1999): region, YYMMDD, sequence;
        no check digit, so it is found only beside a context word or under a header."""
        seq = self.rng.randrange(0, 999)
        if seq % 2 != int(male):
            seq = (seq + 1) % 1000
        return f"{self.rng.choice(REGIONS)[0]}{born:%y%m%d}{seq:03d}"

    def permit(self) -> Piece:
        """往来港澳通行证 (C + 8 digits, or C + letter + 7) and 回乡证 (H/M + 8 or 10)."""
        form = self.rng.choice(("C8", "CL7", "H8", "H10", "M8"))
        text = {"C8": "C" + self.digits(8),
                "CL7": "C" + self.rng.choice(PLATE_LETTERS) + self.digits(7),
                "H8": "H" + self.digits(8), "H10": "H" + self.digits(10),
                "M8": "M" + self.digits(8)}[form]
        return text, E.CN_HK_MACAU_PERMIT, f"permit:{form}"

    def ip(self) -> Piece:
        if self.rng.random() < 0.2:
            return self.fake.ipv4_private(), E.IP_ADDRESS, "ip:private"
        return self.fake.ipv4_public(), E.IP_ADDRESS, "ip:public"

    def name(self, male: bool | None = None) -> str:
        if male is None:
            return self.fake.name()
        return self.fake.name_male() if male else self.fake.name_female()

    def address(self) -> Piece:
        """Faker's address without its postcode, or one of the county's (street level)."""
        r = self.rng.random()
        if r < 0.45:
            return self.fake.address().rsplit(" ", 1)[0], E.LOCATION, "address:faker"
        town, village = self.rng.choice(TOWNS), self.rng.choice(VILLAGES)
        if r < 0.65:
            prefix = self.rng.choice(("安徽省宿州市泗县", "宿州市泗县", "泗县", ""))
            text = f"{prefix}{town}{self.rng.choice(ROADS)}{self.rng.randint(1, 399)}号"
            return text, E.LOCATION, "address:road"
        if r < 0.85:
            prefix = self.rng.choice(("安徽省宿州市泗县", "泗县", ""))
            text = f"{prefix}{town}{village}村{self.rng.randint(1, 12)}组"
            return text, E.LOCATION, "address:village"
        text = (f"泗县{town}{self.rng.choice(COMMUNITIES)}社区{self.rng.randint(1, 30)}栋"
                f"{self.rng.randint(1, 4)}单元{self.rng.randint(1, 18)}0{self.rng.randint(1, 4)}室")
        return text, E.LOCATION, "address:flat"

    def minority_name(self) -> str:
        """Given name·father's name (Uyghur, Kazakh) or two Tibetan names, joined by one
        of the middle dots people type."""
        dot = self.rng.choice(MIDDLE_DOTS)
        if self.rng.random() < 0.3:
            first, second = self.rng.sample(TIBETAN_NAMES, 2)
        else:
            first, second = self.rng.choice(MINORITY_GIVEN), self.rng.choice(MINORITY_FATHER)
        return f"{first}{dot}{second}"

    def nickname(self) -> str:
        """老/小 + a surname (老王, 小李) or 阿 + a given-name character (阿明)."""
        r = self.rng.random()
        if r < 0.7:
            return self.rng.choice("老小") + self.rng.choice(NICK_SURNAMES)
        return "阿" + self.rng.choice(NICK_GIVEN)

    # -- decoys ----------------------------------------------------------------

    def order_no(self) -> str:
        """18 digits from a timestamp: the length of a resident ID, never a valid one."""
        while True:
            moment = date(2022, 1, 1) + timedelta(days=self.rng.randrange(1000))
            number = (f"{moment:%Y%m%d}{self.rng.randrange(24):02d}{self.rng.randrange(60):02d}"
                      f"{self.rng.randrange(60):02d}{self.digits(4)}")
            if not ric.is_valid(number):
                return number

    def work_order(self) -> str:
        """11 digits that no mobile number starts with (10, 11, 12, 20)."""
        return self.rng.choice(("10", "11", "12", "20")) + self.digits(9)

    def day(self) -> Piece:
        d = date(2020, 1, 1) + timedelta(days=self.rng.randrange(2000))
        form = self.rng.choice(("iso", "compact", "chinese", "slash"))
        text = {"iso": f"{d:%Y-%m-%d}", "compact": f"{d:%Y%m%d}",
                "chinese": f"{d.year}年{d.month}月{d.day}日", "slash": f"{d.year}/{d.month}/{d.day}"
                }[form]
        return text, None, f"date:{form}"

    def amount(self) -> str:
        value = self.rng.randint(100, 2_000_000) / 100
        return self.rng.choice((f"{value:.2f}", f"{value:,.2f}", f"{int(value)}"))

    # -- by name, for templates --------------------------------------------------

    def piece(self, kind: str) -> Piece:
        """A value for a template field: "name2" is another "name"."""
        kind = kind.rstrip("0123456789")
        pieces: dict[str, Callable[[], Piece]] = {
            "name": lambda: (self.name(), E.PERSON, "name"),
            "id": lambda: (self.resident_id(), E.CN_RESIDENT_ID, "resident_id"),
            "uscc": lambda: (self.uscc(), E.CN_USCC, "uscc"),
            "passport": lambda: (self.passport(), E.CN_PASSPORT, "passport"),
            "permit": self.permit,
            "id15": lambda: (self.legacy_id(date(1950, 1, 1) + timedelta(
                days=self.rng.randrange(365 * 45)), self.rng.random() < 0.5),
                E.CN_RESIDENT_ID, "resident_id:legacy"),
            "mobile": self.mobile, "landline": self.landline, "email": self.email,
            "card": self.bank_card, "plate": self.plate, "ip": self.ip,
            "address": self.address, "date": self.day,
            "order_no": lambda: (self.order_no(), None, "order_no"),
            "work_order": lambda: (self.work_order(), None, "work_order"),
            "amount": lambda: (self.amount(), None, "amount"),
            "company": lambda: (self.fake.company(), None, "company"),
            "org": lambda: (self.rng.choice(ORGS), None, "organization"),
            "place": lambda: (self.rng.choice(PLACES), None, "place"),
            "town": lambda: (self.rng.choice(TOWNS), None, "place"),
            "year": lambda: (str(self.rng.randint(2019, 2025)), None, "year"),
            "age": lambda: (str(self.rng.randint(18, 90)), None, "age"),
            "minority": lambda: (self.minority_name(), E.PERSON, "name:minority"),
            "rname": lambda: (self.name(), E.PERSON, "name:role"),
            "nick": lambda: (self.nickname(), E.PERSON, "name:nickname"),
            "kname": lambda: (self.name(), E.PERSON, "name:kin"),
            "kmale": lambda: (self.name(True), E.PERSON, "name:kin"),
            "kfemale": lambda: (self.name(False), E.PERSON, "name:kin"),
        }
        return pieces[kind]()


# --- putting values into text at known spans -----------------------------------------

def fill(template: str, maker: Maker) -> tuple[str, list[tuple[int, Piece]]]:
    """The template with every {field} replaced by a value, and each value's offset."""
    out: list[str] = []
    placed: list[tuple[int, Piece]] = []
    at = 0
    for literal, name, _, _ in string.Formatter().parse(template):
        out.append(literal)
        at += len(literal)
        if name:
            piece = maker.piece(name)
            placed.append((at, piece))
            out.append(piece[0])
            at += len(piece[0])
    return "".join(out), placed


def labels_at(placed: Iterable[tuple[int, Piece]], **where: Any) -> list[Label]:
    return [Label(entity, kind, at, at + len(text), text, **where)
            for at, (text, entity, kind) in placed]


TEXT_TEMPLATES: tuple[str, ...] = (
    "户主{name}，身份证号{id}，住{address}，联系电话{mobile}。",
    "请将材料发送至{email}，逾期不候。",
    "{company}（统一社会信用代码：{uscc}）于{date}完成变更登记。",
    "申请人{name}（公民身份号码{id}）于{date}提交最低生活保障申请。",
    "如有疑问，请联系{name}，电话{mobile}，或发邮件至{email}。",
    "经核实，{name}家住{address}，家庭人均收入低于当地标准。",
    "{name}驾驶{plate}号小型汽车于{date}在{place}违规停车，罚款{amount}元。",
    "补贴资金{amount}元已发放至{name}的银行卡（卡号{card}）。",
    "联系人：{name}　手机：{mobile}　地址：{address}",
    "{org}办公电话{landline}，传真{landline2}。",
    "投诉人{name}反映{address}附近夜间施工噪音扰民。",
    "出境人员{name}，护照号码{passport}，已按规定报备。",
    "系统日志：用户{email}于{date}从{ip}登录。",
    "{name}、{name2}两户已纳入{year}年度农村危房改造计划。",
    "收款人：{name}，开户行：中国农业银行泗县支行，账号{card}。",
    "本人{name}，现住{address}，承诺所报信息真实有效。",
    "{company}法定代表人{name}，统一社会信用代码{uscc}，注册地址{address}。",
    "请{name}同志于{date}前到{org}领取证件，咨询电话{landline}。",
    "车主{name}（手机{mobile}）名下车辆{plate}年检逾期。",
    "{name}的身份证号码为{id}，银行卡号为{card}。",
    "快递员将包裹送至{address}，收件人{name}，电话{mobile}。",
    "服务器{ip}访问异常，请管理员{name}处理，邮箱{email}。",
    "我叫{name}，今年{age}岁，住在{address}。",
    "来电人{name}，来电号码{mobile}，工单号{work_order}，反映的问题已转{org}办理。",
    "订单{order_no}的收货人为{name}，收货地址{address}。",
    "{name}（身份证{id}）与{name2}（身份证{id2}）系夫妻关系。",
    "紧急联系人：{name}，{mobile}。",
    "{name}在{company}工作，单位地址{address}。",
    "{place}人民政府通知：{name}等3人的补助资金已于{date}发放，合计{amount}元。",
    "新能源汽车{plate}长期停放在{address}门前，车主{name}。",
    "个体工商户{name}，统一社会信用代码{uscc}，经营场所{address}。",
    "预约请拨打{mobile}或{landline}，也可发送邮件至{email}。",
    "{name}持往来港澳通行证（证件号码{permit}）于{date}经罗湖口岸出境。",
    "申请人{name}，旧身份证号{id15}，已换领第二代身份证。",
)

# Lines with hard negatives only: nothing in them is to be found.
NEGATIVE_TEMPLATES: tuple[str, ...] = (
    "{org}于{date}召开{year}年第一季度工作会议。",
    "本次采购合同金额{amount}元，订单编号{order_no}。",
    "工单{work_order}已办结，满意度回访完成。",
    "{place}今年粮食总产量{amount}吨，同比增长3.2%。",
    "统计日期：{date}，数据来源：{org}。",
    "{company}中标{place}道路改造项目，中标金额{amount}元。",
    "高温天气持续，{org}提醒居民注意防暑降温。",
    "周末{place}开展文明创建志愿服务活动。",
    "请各单位于{date}前报送材料，联系方式另行通知。",
    "合同编号{order_no}，批次号{work_order}，到货日期{date}。",
    "{town}至{town2}公路改造工程已于{date}通车。",
    "{org}会同{org2}开展联合执法检查。",
)

REMARK_TEMPLATES: tuple[str, ...] = (
    "联系人电话{mobile}，工作日可联系",
    "如有疑问请拨打{mobile}",
    "由{name}代为办理",
    "经办人：{name}",
    "材料已发送至{email}",
    "办公电话{landline}",
    "工单{work_order}已办结",
    "订单{order_no}已退款",
    "{date}补录",
    "现住{address}",
)


# Harder names, one class a line (the class is in each name's kind).
MINORITY_TEMPLATES: tuple[str, ...] = (
    "{minority}，{age}岁，现住{address}，联系电话{mobile}。",
    "{minority}在{company}工作，电话{mobile}。",
    "据{minority}介绍，今年合作社收入明显增加。",
    "{minority}、{minority2}两户已纳入{year}年度帮扶名单。",
    "牧民{minority}家住{address}。",
    "{minority}于{date}到{org}办理业务。",
    "患者{minority}，{age}岁，入院日期{date}。",
    "感谢{minority}对本次活动的支持。",
    "补贴资金{amount}元已发放至{minority}的银行卡。",
    "{minority}（身份证号{id}）申请临时救助。",
)
ROLE_TAILS = ("", "，联系电话{mobile}", "　日期：{date}", "；电话：{landline}", "（签字）",
              "，{date}")
KIN_TEMPLATES: tuple[str, ...] = (
    "户主{name}，{kin}{k}，{age}岁，长期患病。",
    "{kin}{k}于{date}去世，遗产由{name}继承。",
    "经查，{name}{kin}{k}在{company}务工。",
    "{kin}{k}身份证号{id}，现住{address}。",
    "申请人{name}与{kin}{k}共同生活。",
    "{name}，{kin}{k}，均为{place}村民。",
)
NICK_TEMPLATES: tuple[str, ...] = (
    "邻居{nick}说，昨晚听到异响。",
    "{nick}是村里的老党员，热心帮助群众。",
    "请{nick}明天上午到村委会来一趟。",
    "我和{nick}一起去了{place}。",
    "同事{nick}反映，{address}路灯不亮。",
    "{nick}家的麦子今年收成不错。",
    "据{nick}讲，这条路是{year}年修好的。",
    "村民{nick}，电话{mobile}。",
    "{nick}和{nick2}都在{company}上班。",
    "有事找{nick}，他的手机号是{mobile}。",
)
# Ordinary words shaped like 老/小/阿 forms: nothing in these lines is a name.
NICK_NEGATIVES: tuple[str, ...] = (
    "学校的老师带领小学生参观了科技馆。",
    "阿里巴巴在杭州召开发布会。",
    "老人和小孩要注意防暑降温。",
    "阿姨每天早上打扫小区卫生。",
    "小时候家里很穷，老家在农村。",
    "请各位老乡注意用火安全，小组长负责通知。",
    "老百姓的小事就是大事。",
    "阿拉伯语培训班下周开课。",
    "老年人优待证办理须知。",
    "小麦长势良好，老旧小区改造加快推进。",
    "老板说小店下周重新开业。",
    "老师布置了小作文。",
)
NICK_DECOY_WORDS = ("老师", "小学", "阿里", "老人", "小孩", "阿姨", "小区", "小时", "老家",
                    "老乡", "小组", "老百姓", "小事", "阿拉伯", "老年人", "小麦", "老旧", "老板",
                    "小店", "小作文")
HARD_CLASSES = ("minority", "role", "kin", "nickname")


def name_class(label: Label) -> str:
    """The class of a harder name ("minority", "role", "kin", "nickname"), also of a
    decoy set beside them ("word:nickname"); "" for the rest."""
    head, _, tail = label.kind.partition(":")
    return tail if head in ("name", "word") and tail in HARD_CLASSES else ""


def hard_line(maker: Maker) -> tuple[str, list[tuple[int, Piece]]]:
    """A line holding a harder name (or, for the nickname class, only look-alike words)."""
    rng = maker.rng
    kind = rng.choice(HARD_CLASSES)
    if kind == "minority":
        return fill(rng.choice(MINORITY_TEMPLATES), maker)
    if kind == "role":
        first = rng.choice(ROLES) + rng.choice(ROLE_SEPARATORS) + "{rname}"
        if rng.random() < 0.3:  # a form's footer: 填报人：X　审核人：Y
            first += "　" + rng.choice(ROLES) + rng.choice(ROLE_SEPARATORS) + "{rname2}"
        return fill(first + rng.choice(ROLE_TAILS), maker)
    if kind == "kin":
        kin, field_name = rng.choice(KIN)
        return fill(rng.choice(KIN_TEMPLATES).replace("{kin}", kin)
                    .replace("{k}", "{" + field_name + "}"), maker)
    if rng.random() < 0.3:
        line = rng.choice(NICK_NEGATIVES)
        placed: list[tuple[int, Piece]] = []
        for word in sorted(NICK_DECOY_WORDS, key=len, reverse=True):
            for m in re.finditer(word, line):
                if not any(a <= m.start() < a + len(p[0]) for a, p in placed):
                    placed.append((m.start(), (word, None, "word:nickname")))
        return line, sorted(placed)
    return fill(rng.choice(NICK_TEMPLATES), maker)


# --- the corpus ------------------------------------------------------------------------

COLUMNS = ["序号", "姓名", "性别", "身份证号", "出生日期", "手机号码", "固定电话", "电子邮箱",
           "家庭住址", "银行卡号", "统一社会信用代码", "车牌号", "护照号", "港澳通行证号",
           "IP地址", "订单号", "金额", "工单号", "备注"]
# Harder identifier forms in the 身份证号 column: first-generation 15-digit numbers of
# people born before 1999, and a lower-case x check character (common in spreadsheets).
LEGACY_ID_SHARE = 0.05
LOWER_X_SHARE = 0.5
# The share of empty cells per column (others are always filled).
EMPTY = {"身份证号": 0.02, "出生日期": 0.02, "手机号码": 0.03, "固定电话": 0.4, "电子邮箱": 0.2,
         "家庭住址": 0.05, "银行卡号": 0.1, "统一社会信用代码": 0.3, "车牌号": 0.5, "护照号": 0.7,
         "港澳通行证号": 0.8, "IP地址": 0.3, "订单号": 0.1, "工单号": 0.1}
REMARK_EMPTY = 0.3
REMARK_WITH_VALUE = 0.35  # of the non-empty remarks; the others are plain phrases


def table_row(maker: Maker, index: int) -> tuple[list[str], list[Label]]:
    """One person's row: birth date, sex and resident ID agree."""
    rng = maker.rng
    male = rng.random() < 0.5
    born = maker.birth_date()
    cells: dict[str, Piece] = {
        "序号": (str(index + 1), None, "serial"),
        "姓名": (maker.name(male), E.PERSON, "name"),
        "性别": ("男" if male else "女", None, "sex"),
        "身份证号": resident_id_cell(maker, born, male),
        "出生日期": (f"{born:%Y-%m-%d}", None, "date:birth"),
        "手机号码": maker.mobile(),
        "固定电话": maker.landline(),
        "电子邮箱": maker.email(),
        "家庭住址": maker.address(),
        "银行卡号": maker.bank_card(),
        "统一社会信用代码": (maker.uscc(), E.CN_USCC, "uscc"),
        "车牌号": maker.plate(),
        "护照号": (maker.passport(), E.CN_PASSPORT, "passport"),
        "港澳通行证号": maker.permit(),
        "IP地址": maker.ip(),
        "订单号": (maker.order_no(), None, "order_no"),
        "金额": (maker.amount(), None, "amount"),
        "工单号": (maker.work_order(), None, "work_order"),
    }
    row: list[str] = []
    labels: list[Label] = []
    for column in COLUMNS[:-1]:
        text, entity, kind = cells[column]
        if rng.random() < EMPTY.get(column, 0.0):
            row.append("")
            continue
        row.append(text)
        labels.append(Label(entity, kind, 0, len(text), text, row=index, column=column))
    remark, placed = remark_cell(maker)
    row.append(remark)
    labels += labels_at(placed, row=index, column=COLUMNS[-1])
    return row, labels


def resident_id_cell(maker: Maker, born: date, male: bool) -> Piece:
    if born.year < 1999 and maker.rng.random() < LEGACY_ID_SHARE:
        return maker.legacy_id(born, male), E.CN_RESIDENT_ID, "resident_id:legacy"
    number = maker.resident_id(born, male)
    if number.endswith("X") and maker.rng.random() < LOWER_X_SHARE:
        return number[:-1] + "x", E.CN_RESIDENT_ID, "resident_id:lower x"
    return number, E.CN_RESIDENT_ID, "resident_id"


def remark_cell(maker: Maker) -> tuple[str, list[tuple[int, Piece]]]:
    r = maker.rng.random()
    if r < REMARK_EMPTY:
        return "", []
    if r < REMARK_EMPTY + (1 - REMARK_EMPTY) * REMARK_WITH_VALUE:
        return fill(maker.rng.choice(REMARK_TEMPLATES), maker)
    return maker.rng.choice(REMARKS), []


def text_line(maker: Maker) -> tuple[str, list[tuple[int, Piece]]]:
    rng = maker.rng
    if rng.random() < 0.2:
        return fill(rng.choice(NEGATIVE_TEMPLATES), maker)
    line, placed = fill(rng.choice(TEXT_TEMPLATES), maker)
    if rng.random() < 0.15:  # a common-word clause before the sentence, shifting the spans
        lead = rng.choice(WORDS)
        line, placed = lead + line, [(at + len(lead), p) for at, p in placed]
    return line, placed


HARD_SHARE = 0.25  # harder-name lines added, as a share of `lines`


def generate(rows: int = 3000, lines: int = 1000, seed: int = SEED,
             hard_lines: int | None = None) -> Corpus:
    """The table (`rows` x 19 columns) and `lines` lines of free text, then `hard_lines`
    lines of harder names (default: a quarter of `lines`), with their labels."""
    maker = Maker(seed)
    corpus = Corpus(seed=seed, columns=list(COLUMNS), rows=[], lines=[])
    for index in range(rows):
        row, labels = table_row(maker, index)
        corpus.rows.append(row)
        corpus.labels += labels
    for number in range(lines):
        line, placed = text_line(maker)
        corpus.lines.append(line)
        corpus.labels += labels_at(placed, line=number)
    hard = Maker(seed + 1)  # the lines above do not change with the harder ones
    for number in range(len(corpus.lines), len(corpus.lines) + (
            round(lines * HARD_SHARE) if hard_lines is None else hard_lines)):
        line, placed = hard_line(hard)
        corpus.lines.append(line)
        corpus.labels += labels_at(placed, line=number)
    return corpus


# --- files ---------------------------------------------------------------------------

VARIANTS = ("csv", "gbk", "xlsx")
FILE_NAMES = {"csv": "table.csv", "gbk": "table_gbk.csv", "xlsx": "table.xlsx",
              "text": "text.txt", "labels": "labels.jsonl"}


def write_corpus(corpus: Corpus, folder: str | Path,
                 variants: Sequence[str] = ("csv",)) -> dict[str, Path]:
    """Write the table in each of `variants` (csv: UTF-8, gbk: GBK CSV, xlsx), the text
    and the labels into `folder`; returns the paths by key ("csv", ..., "text", "labels")."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {key: folder / FILE_NAMES[key] for key in (*variants, "text", "labels")}
    for variant in variants:
        if variant == "xlsx":
            _write_xlsx(corpus, paths[variant])
        else:
            encoding = {"csv": "utf-8", "gbk": "gbk"}[variant]
            with paths[variant].open("w", encoding=encoding, newline="") as f:
                writer = csv.writer(f)
                writer.writerow(corpus.columns)
                writer.writerows(corpus.rows)
    paths["text"].write_text("".join(line + "\n" for line in corpus.lines), encoding="utf-8")
    with paths["labels"].open("w", encoding="utf-8") as f:
        for label in corpus.labels:
            f.write(json.dumps(label.to_json(), ensure_ascii=False) + "\n")
    return paths


def _write_xlsx(corpus: Corpus, path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("data")
    sheet.append(corpus.columns)
    for row in corpus.rows:
        sheet.append([cell or None for cell in row])  # text cells: identifiers keep digits
    book.save(path)


def read_labels(path: str | Path) -> list[Label]:
    with Path(path).open(encoding="utf-8") as f:
        return [Label.from_json(json.loads(line)) for line in f if line.strip()]
