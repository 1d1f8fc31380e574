"""The pages' helpers: the search form, pager, chart geometry and filters."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from portal.web.public.search_form import Pager, SearchForm, fq_value
from portal.web.support import filters
from portal.web.support.charts import bar_chart


def test_search_form_reads_the_query_string() -> None:
    form = SearchForm.from_args(MultiDict([("q", " 学校 "), ("tags", "教育"), ("tags", "a b"),
                                           ("sort", "name asc"), ("page", "3"),
                                           ("unknown", "x"), ("organization", "")]))
    assert (form.q, form.sort, form.page) == ("学校", "name asc", 3)
    assert form.filters == [("tags", "教育"), ("tags", "a b")]
    params = form.search_params()
    assert params["fq"] == 'tags:"教育" tags:"a b"'
    assert (params["rows"], params["start"]) == (20, 40)


@pytest.mark.parametrize(("page", "expected"), [("0", 1), ("-4", 1), ("x", 1), ("7", 7)])
def test_search_form_page_numbers(page: str, expected: int) -> None:
    assert SearchForm.from_args(MultiDict({"page": page})).page == expected


def test_fixed_filter_comes_first_and_is_not_repeated() -> None:
    form = SearchForm.from_args(MultiDict([("organization", "edu"), ("tags", "x")]),
                                fixed=("organization", "edu"))
    assert form.filters == [("tags", "x")]
    assert form.search_params()["fq"] == 'organization:"edu" tags:"x"'


def test_fq_value_quotes() -> None:
    assert fq_value("a b:c") == '"a b:c"'


@pytest.mark.parametrize(("page", "pages", "window"), [
    (1, 1, [1]),
    (1, 3, [1, 2, 3]),
    (1, 10, [1, 2, 3, None, 10]),
    (6, 12, [1, None, 4, 5, 6, 7, 8, None, 12]),
    (12, 12, [1, None, 10, 11, 12]),
])
def test_pager_window(page: int, pages: int, window: list[int | None]) -> None:
    assert Pager(page, pages, pages * 20).window() == window


def test_bar_chart_geometry() -> None:
    chart = bar_chart([("甲", 10, "/a"), ("乙", 5, "/b"), ("零", 0, "/z"),
                       ("一个名字非常非常非常长的单位名称", 1, "/c")], limit=3)
    assert [b.label for b in chart.bars] == ["甲", "乙", "一个名字非常非常非常长的单位名称"]
    assert chart.bars[0].width == chart.plot_width
    assert chart.bars[1].width == chart.plot_width / 2
    assert chart.bars[2].short_label.endswith("…") and len(chart.bars[2].short_label) == 10
    assert chart.height == 3 * chart.bar_height + 2 * 8
    assert bar_chart([]).empty


@pytest.mark.parametrize(("size", "text"), [(None, ""), (0, "0 B"), (1023, "1023 B"),
                                            (2048, "2.0 KB"), (5 * 1024**3, "5.0 GB")])
def test_filesize(size: int | None, text: str) -> None:
    assert filters.filesize(size) == text


def test_times_are_shown_in_beijing_time() -> None:
    assert filters.local_time("2024-03-01T20:05:00.000001") == "2024-03-02 04:05"
    assert filters.local_day("2024-03-01T20:05:00") == "2024-03-02"
    assert filters.local_time("not a time") == "not a time"
    assert filters.local_time(None) == ""


@pytest.mark.parametrize(("url", "safe"), [
    ("https://example.cn/a", "https://example.cn/a"), ("http://x", "http://x"),
    ("ftp://x/y", "ftp://x/y"), ("javascript:alert(1)", ""), (" JavaScript:alert(1)", ""),
    ("data:text/html,x", ""), ("", ""), (None, ""),
])
def test_safe_url(url: str | None, safe: str) -> None:
    assert filters.safe_url(url) == safe
