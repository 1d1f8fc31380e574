"""The analyzer's shortcuts give what plain jieba and pypinyin give."""

from __future__ import annotations

import pytest

from portal.search.analysis import Analyzer, normalise

TEXTS = [
    "泗县2024年城乡居民最低生活保障对象名单（第一批）",
    "公办、公建民营和民办养老机构的床位、入住人数和收费标准。",
    "ＧＤＰ２０２４ 地区生产总值季度数据 v2.1；单位：万元",
    "道路交通事故统计\n按乡镇统计\t泗城镇、大庄镇",
    "建设项目的投资和进度。本数据由泗县屏山镇人民政府提供，每季度更新",
    "",
    "……——",
]


@pytest.mark.parametrize("text", TEXTS)
def test_words_are_jiebas_words_of_the_whole_text(analyzer: Analyzer, text: str) -> None:
    """words() cuts each run of ideographs/letters/digits apart and remembers it; the
    result is what cutting the whole text at once gives."""
    tokenizer = analyzer._tokenizer
    whole = [w.strip() for w in tokenizer.cut(normalise(text), HMM=False)]
    expected = [w for w in whole if w and any(ch.isalnum() for ch in w)]
    assert analyzer.words(text) == expected
    assert analyzer.words(text) == expected  # and again, from what it remembered


def test_a_words_pinyin_is_read_in_the_word_not_across_its_neighbours(analyzer: Analyzer) -> None:
    # Converted as one string, 项目的 reads 目的 (mudi) across the word boundary.
    tokens = analyzer.pinyin_tokens(analyzer.words("建设项目的投资"))
    assert "jianshexiangmudetouzi" in tokens and "de" in tokens
    assert not any("mudi" in t for t in tokens)
    # Within a word the context still decides: 银行 is yinhang, not yinxing.
    assert "yinhang" in analyzer.pinyin_tokens(["银行"])

