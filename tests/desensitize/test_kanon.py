"""k-anonymity: roles from headers, group sizes counted exactly, k reached by
generalisation first and suppression after, and the smallest group reported."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence

from desensitize.kanon import SUPPRESSED, KAnonymizer, Role, role_columns

ROLES = [
    Role("gender", ("性别", "sex")),
    Role("birth", ("出生日期", "birth")),
    Role("age", ("年龄", "age")),
    Role("town", ("乡镇", "住址", "地址"), exclude=("IP", "邮箱")),
    Role("ethnicity", ("民族",)),
]


def run(kanon: KAnonymizer, rows: Sequence[list[str | None]]) -> list[list[str | None]]:
    """Both passes, as apply makes them."""
    for row in rows:
        kanon.feed(kanon.base(list(row)))
    kanon.plan()
    return [kanon.apply(kanon.base(list(row))) for row in rows]


def groups(rows: Sequence[Sequence[str | None]], columns: Sequence[int]) -> Counter[tuple]:
    return Counter(tuple(r[i] for i in columns) for r in rows
                   if not all(r[i] == SUPPRESSED for i in columns))


def test_roles_come_from_header_words() -> None:
    columns = ["序号", "性别", "出生日期", "家庭住址", "IP地址", "Percentage", "Age", "民族"]
    assert role_columns(columns, ROLES) == {"gender": [1], "birth": [2], "town": [3],
                                            "age": [6], "ethnicity": [7]}
    assert role_columns(columns, ROLES, skip=[3]) == {"gender": [1], "birth": [2], "age": [6],
                                                      "ethnicity": [7]}


def test_smallest_group_is_counted_exactly_and_nothing_changes_when_k_holds() -> None:
    rows = [["男", "汉"]] * 6 + [["女", "汉"]] * 5 + [["女", "回"]] * 7
    kanon = KAnonymizer({"gender": [0], "ethnicity": [1]}, [["gender", "ethnicity"]], k=5)
    out = run(kanon, rows)
    result = kanon.result
    assert result is not None
    assert (result.smallest_before, result.smallest_after, result.rows_suppressed) == (5, 5, 0)
    assert result.rows == 18 and result.satisfied and result.generalised == []
    assert out == rows


def test_suppression_reaches_k_when_there_is_no_ladder() -> None:
    rows = [["男", "汉"]] * 6 + [["女", "汉"]] * 5 + [["女", "回"]] * 2 + [["男", "满"]]
    kanon = KAnonymizer({"gender": [0], "ethnicity": [1]}, [["gender", "ethnicity"]], k=5,
                        max_suppressed=0.0)
    out = run(kanon, rows)
    result = kanon.result
    assert result is not None
    assert result.smallest_before == 1
    assert result.rows_suppressed == 3
    assert result.smallest_after == 5
    assert out[-3:] == [[SUPPRESSED, SUPPRESSED]] * 3
    assert out[:11] == rows[:11]


def test_generalisation_comes_before_suppression() -> None:
    # Two rows a year, 1980-1984, one town: years make groups of 2, five-year bands of 10.
    rows = [["男", f"{year}-0{m}-01", "安徽省宿州市泗县大庄镇王庄村"] for year in range(1980, 1985)
            for m in (1, 2)]
    kanon = KAnonymizer({"gender": [0], "birth": [1], "town": [2]},
                        [["gender", "birth", "town"]], k=5, start={"birth": "year", "town": "town"})
    out = run(kanon, rows)
    result = kanon.result
    assert result is not None
    assert result.smallest_before == 2  # at the starting rungs: year, town
    assert result.generalised == ["birth: 5y"]
    assert result.levels == {"gender": "exact", "birth": "5y", "town": "town"}
    assert (result.smallest_after, result.rows_suppressed) == (10, 0)
    assert {tuple(r) for r in out} == {("男", "1980-1984", "安徽省宿州市泗县大庄镇")}


def test_the_base_rungs_apply_to_every_row_even_without_a_check() -> None:
    kanon = KAnonymizer({"birth": [0], "age": [1]}, [], k=5,
                        start={"birth": "year", "age": "10y"})
    assert not kanon.enabled
    assert kanon.base(["1985-03-02", "34"]) == ["1985", "30-39"]
    assert kanon.base(["不详", None]) == ["不详", None]  # what a rung cannot place stays


def test_a_combination_needs_two_roles_present_and_k_zero_is_off() -> None:
    assert not KAnonymizer({"town": [0]}, [["gender", "birth", "town"]], k=5).enabled
    assert KAnonymizer({"town": [0], "gender": [1]}, [["gender", "birth", "town"]], k=5).enabled
    assert not KAnonymizer({"town": [0], "gender": [1]}, [["gender", "town"]], k=0).enabled
    both = KAnonymizer({"town": [0], "gender": [1]}, [["gender", "town"], ["gender", "age",
                                                                             "town"]], k=5)
    assert both.combinations == [("gender", "town")]  # the same combination once


def test_every_combination_reaches_k_on_a_random_table() -> None:
    rnd = random.Random(7)
    towns = ["泗县大庄镇", "泗县草沟镇", "泗县屏山镇", "灵璧县娄庄镇", "灵璧县尹集镇"]
    rows = [[rnd.choice("男女"), f"{rnd.randint(1940, 2005)}-05-01", str(rnd.randint(18, 90)),
             rnd.choice(towns) + "某村", rnd.choice(["汉", "汉", "汉", "回", "满"])]
            for _ in range(400)]
    kanon = KAnonymizer({"gender": [0], "birth": [1], "age": [2], "town": [3],
                         "ethnicity": [4]},
                        [["gender", "birth", "town"], ["gender", "age", "town", "ethnicity"]],
                        k=5, start={"birth": "year", "age": "10y", "town": "town"},
                        max_suppressed=0.02)
    out = run(kanon, rows)
    result = kanon.result
    assert result is not None
    sizes = [n for cols in ([0, 1, 3], [0, 2, 3, 4]) for n in groups(out, cols).values()]
    assert min(sizes) >= 5
    assert min(sizes) == result.smallest_after
    assert result.smallest_before is not None and result.smallest_before < 5
    suppressed = sum(all(r[i] == SUPPRESSED for i in range(5)) for r in out)
    assert suppressed == result.rows_suppressed
    assert result.to_json()["k_reached"] is True


def test_fewer_rows_than_k_leaves_nothing_but_suppression() -> None:
    rows = [["男", "汉"], ["女", "回"]]
    kanon = KAnonymizer({"gender": [0], "ethnicity": [1]}, [["gender", "ethnicity"]], k=5)
    out = run(kanon, rows)
    assert out == [[SUPPRESSED, SUPPRESSED]] * 2
    assert kanon.result is not None
    assert kanon.result.rows_suppressed == 2 and kanon.result.smallest_after is None
