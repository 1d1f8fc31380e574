"""Title sort (CKAN's sort=title_string) in pinyin order, the same on every backend."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from portal.search import backend as b
from portal.search.analysis import Analyzer
from portal.search.document import build
from portal.search.title_order import title_key
from tests.search.conftest import BY_NAME, INDEX, Searcher

# (name, title) in the order a Chinese reader files them.
PINYIN_ORDER = [
    ("t-2024", "2024年预算"),      # digits first, as numbers: 9 before 10 before 2024
    ("t-abc", "ABC名录"),          # a b c  before  an quan
    ("t-anquan", "安全生产检查"),   # an
    ("t-beijing", "北京路停车场"),  # bei
    ("t-changchun", "长春路公交站"),  # chang (not zhang)
    ("t-chongqing", "重庆路菜市场"),  # chong (not zhong)
    ("t-xian", "西安路学校"),       # xi an  before  xian
    ("t-xiansheng", "先进个人名单"),  # xian
    ("t-yinhang", "银行网点"),      # yin hang (not xing)
    ("t-zhongdian", "重点项目"),     # zhong
]


def _entry(name: str, title: str) -> dict[str, Any]:
    base = BY_NAME["parking"]
    return dict(base, id=str(uuid.uuid5(uuid.NAMESPACE_URL, "polish/" + name)), name=name,
                title=title, notes="拼音排序样例。", resource_code=f"polish-{name}")


def test_title_key_files_chinese_by_pinyin() -> None:
    shuffled = [t for _, t in reversed(PINYIN_ORDER)] + ["9号文件", "10号文件"]
    ordered = sorted(shuffled, key=title_key)
    assert ordered[:3] == ["9号文件", "10号文件", "2024年预算"]
    assert ordered[3:] == [t for _, t in PINYIN_ORDER[1:]]
    # Full-width Latin letters file with their half-width forms; case does not count.
    assert title_key("ＡＢＣ名录") == title_key("abc名录")


@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_title_string_sorts_by_pinyin_on_every_backend(index: b.SearchIndex, searcher: Searcher,
                                                       analyzer: Analyzer, direction: str) -> None:
    index.write(INDEX, [build(_entry(n, t), analyzer) for n, t in reversed(PINYIN_ORDER)], [])
    index.refresh(INDEX)
    found = [n for n in searcher.order("拼音排序样例", sort=f"title_string {direction}")]
    expected = [n for n, _ in PINYIN_ORDER]
    assert found == (expected if direction == "asc" else expected[::-1])
