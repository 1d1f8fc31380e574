"""The geography of the fictional demo county: towns, villages, roads, rivers.

Everything here is fixed data or derived from fixed seeds, so the demo county
looks the same on every machine.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

# Every generated date is relative to this day; nothing reads the clock.
FIXED_DAY = date(2026, 6, 30)

PROVINCE, CITY, COUNTY = "安徽省", "宿州市", "泗县"
SPATIAL = "安徽省宿州市泗县"
AREA_CODE = "341324"
PHONE_AREA = "0557"
# Roughly the county seat; points are scattered around it.
CENTER_LNG, CENTER_LAT = 117.910, 33.482
MAIL_DOMAIN = "sixian.example"
API_BASE = "https://api.sixian.example/open/v1"


@dataclass(frozen=True)
class Town:
    slug: str       # pinyin, used in organization and dataset names
    title: str      # 泗城镇
    abbr: str       # resource code prefix
    villages: tuple[str, ...]

    @property
    def short(self) -> str:
        return self.title[:-1]


_SURNAMES = "张王李刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
_SUFFIXES = ("庄", "圩", "集", "湖", "楼", "洼", "沟", "店", "营", "桥", "湾", "岗", "圩子", "套")


def _villages(slug: str, short: str, count: int) -> tuple[str, ...]:
    rng = random.Random(f"villages:{slug}")
    names: list[str] = [f"{short}社区", "振兴社区"]
    while len(names) < count:
        name = rng.choice(_SURNAMES) + rng.choice(_SUFFIXES) + "村"
        if name not in names:
            names.append(name)
    return tuple(names)


_TOWN_LIST = (
    ("sichengzhen", "泗城镇", "SCZ", 14),
    ("dazhuangzhen", "大庄镇", "DZZ", 12),
    ("caogouzhen", "草沟镇", "CGZ", 11),
    ("changgouzhen", "长沟镇", "CHG", 12),
    ("dunjizhen", "墩集镇", "DJZ", 10),
    ("dinghuzhen", "丁湖镇", "DHZ", 11),
    ("shantouzhen", "山头镇", "STZ", 10),
    ("heitazhen", "黑塔镇", "HTZ", 9),
    ("pingshanzhen", "屏山镇", "PSZ", 10),
    ("liuweizhen", "刘圩镇", "LWZ", 9),
)

TOWNS: tuple[Town, ...] = tuple(
    Town(slug, title, abbr, _villages(slug, title[:-1], count))
    for slug, title, abbr, count in _TOWN_LIST
)
TOWN_TITLES = tuple(t.title for t in TOWNS)

# Streets of the county seat and the usual names of market-town streets.
SEAT_ROADS = (
    "汴河大道", "泗州大道", "运河路", "虹乡路", "东方红路", "人民路", "解放路", "文化路",
    "健康路", "清水湾路", "银河路", "朝阳路", "环城东路", "环城西路", "长沟路", "泗涂路",
    "青年路", "光明路", "幸福路", "石龙湖路",
)
TOWN_ROADS = ("中心大街", "兴业路", "建设路", "富民路", "振兴路", "新华街", "商贸街", "学府路")
ZONE_ROADS = ("经开大道", "科技路", "创业路", "纺织路", "物流大道", "电商产业园路")

RIVERS = ("新汴河", "石梁河", "唐河", "沱河", "老汴河", "运料河")
LAKES = ("石龙湖", "沱湖")

BUS_TERMINALS = (
    "汽车站", "高铁站", "县人民医院", "泗县一中", "运河公园", "开发区管委会", "县政务服务中心",
    "石龙湖湿地公园", "火车站", "城东市场", "虹乡小区", "泗州学校", "县中医院", "汴河新城",
)


def seat_address(rng: random.Random) -> str:
    return f"{PROVINCE}{CITY}{COUNTY}泗城镇{rng.choice(SEAT_ROADS)}{rng.randint(1, 399)}号"


def town_address(rng: random.Random, town: Town) -> str:
    if town.slug == "sichengzhen":
        return seat_address(rng)
    return f"{PROVINCE}{CITY}{COUNTY}{town.title}{rng.choice(TOWN_ROADS)}{rng.randint(1, 199)}号"


def village_address(rng: random.Random, town: Town, village: str | None = None) -> str:
    village = village or rng.choice(town.villages)
    return f"{COUNTY}{town.title}{village}{rng.randint(1, 12)}组{rng.randint(1, 80)}号"


def zone_address(rng: random.Random) -> str:
    return f"{PROVINCE}{CITY}{COUNTY}经济开发区{rng.choice(ZONE_ROADS)}{rng.randint(1, 188)}号"


def landline(rng: random.Random) -> str:
    return f"{PHONE_AREA}-{rng.choice('57')}{rng.randint(0, 999_999):06d}"


def lnglat(rng: random.Random, spread: float = 0.18) -> tuple[float, float]:
    lng = round(CENTER_LNG + rng.uniform(-spread, spread), 6)
    lat = round(CENTER_LAT + rng.uniform(-spread * 0.8, spread * 0.8), 6)
    return lng, lat
