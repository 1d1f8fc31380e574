"""Type inference: one column per case, with the values that must NOT fit."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from desensitize.tables.types import TypeInferrer, convert, infer_types

CASES = [
    # integers
    (["1", "-2", "0", "300000"], "integer"),
    (["2023", None, "", "2024"], "integer"),
    (["999999999999999"], "integer"),                # 15 digits
    (["007", "8"], "text"),                          # leading zero: a code
    (["0012"], "text"),
    (["110101199003071234"], "text"),                # 18-digit identity number
    (["11010119900307123X"], "text"),
    (["1234567890123456"], "text"),                  # 16 digits
    (["99999999999999999999"], "text"),              # beyond 64 bits
    (["13812345678", "15900001111"], "text"),        # all mobile numbers
    (["13812345678", "42"], "integer"),              # not all: a quantity column
    (["+5"], "text"),
    ([" 5"], "text"),
    (["1,234"], "text"),                             # thousands separator
    (["-"], "text"),
    # numbers
    (["1.5", "2", "-0.25"], "number"),
    (["0.1", "100"], "number"),
    (["12345678901234.5"], "number"),                # 15 digits in all
    (["123456789012345.6"], "text"),                 # 16 digits in all
    (["1e5"], "text"),                               # exponent: not a number
    (["1.10101E+17"], "text"),
    ([".5"], "text"),
    (["5."], "text"),
    (["01.5"], "text"),
    (["12%"], "text"),
    (["NaN"], "text"),
    # dates
    (["2024-03-05", "2024-3-5"], "date"),
    (["2024/03/05", "2024/12/31"], "date"),
    (["2024年3月5日", "2023年12月31日"], "date"),
    (["2024-02-29"], "date"),                        # leap year
    (["2023-02-29"], "text"),
    (["1900-02-29"], "text"),
    (["2000-02-29"], "date"),
    (["2024-04-31"], "text"),
    (["2024-13-01"], "text"),
    (["2024-00-10"], "text"),
    (["2024-12-29", "2024-02-28"], "date"),          # December 29th is no February 29th
    (["0999-01-01"], "text"),
    (["20240305"], "integer"),                       # compact dates stay numbers
    (["2024-03"], "text"),
    (["2024年3月"], "text"),
    # datetimes
    (["2024-03-05T14:30:00", "2024-03-05 9:05"], "datetime"),
    (["2024-03-05 14:30:00.123456"], "datetime"),
    (["2024/03/05 14:30"], "datetime"),
    (["2024-03-05", "2024-03-06 08:00"], "datetime"),  # dates are midnight
    (["2024年3月5日", "2024-03-06 08:00"], "datetime"),
    (["2024-03-05 24:00"], "text"),
    (["2024-03-05 12:60"], "text"),
    (["2024-03-05T14:30:00Z"], "text"),              # no time zones
    (["2024-03-05T14:30:00+08:00"], "text"),
    (["2023-02-29 10:00"], "text"),
    (["14:30"], "text"),
    # mixes and empties
    ([None, "", None], "text"),
    ([], "text"),
    (["1", "2024-03-05"], "text"),
    (["1", "abc"], "text"),
    (["1\n2"], "text"),                              # a line break in a cell
    (["城关镇"], "text"),
]


@pytest.mark.parametrize("values, expected", CASES)
def test_inference(values: list[str | None], expected: str) -> None:
    assert infer_types([[v] for v in values], 1) == [expected]


def test_whole_file_not_a_sample() -> None:
    """A value that does not fit, far into the file, still makes the column text."""
    inferrer = TypeInferrer(3, batch_rows=100)
    for i in range(10_000):
        inferrer.feed([str(i), f"{i}.5", "2024-01-01"])
    inferrer.feed(["x", "1", "2024-01-01 10:00"])
    assert inferrer.result() == ["text", "number", "datetime"]


def test_widening_across_batches() -> None:
    inferrer = TypeInferrer(2, batch_rows=2)
    inferrer.feed_many([["1", "2024-01-01"], ["2", None], ["3.5", "2024-01-02 10:00"],
                        [None, None], ["4", "2024-01-03"]])
    assert inferrer.result() == ["number", "datetime"]


def test_mobile_rule_spans_batches() -> None:
    inferrer = TypeInferrer(1, batch_rows=2)
    inferrer.feed_many([["13812345678"], ["13912345678"], ["42"]])
    assert inferrer.result() == ["integer"]


def test_repeated_values_are_checked_once() -> None:
    """Deduplication must not change the answer, including the line-break rule."""
    rows = [["2024-01-01"]] * 5000 + [["2024-01-01\n"]]
    assert infer_types(rows, 1) == ["text"]


@pytest.mark.parametrize("value, kind, expected", [
    ("42", "integer", 42),
    ("-7", "integer", -7),
    ("1.25", "number", 1.25),
    ("3", "number", 3.0),
    ("2024-03-05", "date", date(2024, 3, 5)),
    ("2024/3/5", "date", date(2024, 3, 5)),
    ("2024年3月5日", "date", date(2024, 3, 5)),
    ("2024-03-05T14:30", "datetime", datetime(2024, 3, 5, 14, 30)),
    ("2024-03-05 9:05:07.5", "datetime", datetime(2024, 3, 5, 9, 5, 7, 500000)),
    ("2024-03-05", "datetime", datetime(2024, 3, 5)),
    ("2024年3月5日", "datetime", datetime(2024, 3, 5)),
    ("007", "text", "007"),
    (None, "integer", None),
    ("", "date", None),
])
def test_convert(value: str | None, kind: str, expected: object) -> None:
    assert convert(value, kind) == expected


@pytest.mark.parametrize("value, kind", [("abc", "integer"), ("x", "number"),
                                         ("2023-02-30", "date"), ("noon", "datetime")])
def test_convert_refuses(value: str, kind: str) -> None:
    with pytest.raises(ValueError):
        convert(value, kind)


def test_every_inferred_value_converts() -> None:
    for values, expected in CASES:
        for value in values:
            if value:
                convert(value, expected)
