"""The datastore preview on a dataset page, in a real browser: rows, types, sorting, paging."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import Accounts
from tests.web.conftest import Catalog, create_catalog, load_table

pytestmark = pytest.mark.browser

# 25 villages with distinct populations, so every sort order is known.
ROWS = [["村名", "人口", "面积", "统计日期"]] + [
    [f"城关镇第{i}村", str(1000 + (i * 37) % 101), f"{i / 4:.2f}", f"2024-01-{i:02d}"]
    for i in range(1, 26)
]


@pytest.fixture
def site(live_server_factory: Any) -> tuple[str, str]:
    server, portal = live_server_factory()
    admin, _token = Accounts(portal).user("web-admin", sysadmin=True)
    catalog: Catalog = create_catalog(portal, admin)
    table = load_table(catalog, ROWS, name="村人口.csv")
    return server.url, table.id


def column(page: Any, box: Any, index: int) -> list[str]:
    return box.locator(f"tbody tr td:nth-child({index})").all_inner_texts()


def test_preview_shows_sorts_and_pages(page: Any, site: tuple[str, str], screenshot: Any) -> None:
    from playwright.sync_api import expect

    url, rid = site
    page.goto(url + "/dataset/schools")
    box = page.locator(f"#resource-{rid} [data-datastore-preview]")
    rows = box.locator("tbody tr")
    expect(rows).to_have_count(10)
    expect(box.locator("thead th")).to_have_count(4)  # _id is not shown
    expect(box.locator("thead th").first).to_contain_text("村名")
    expect(box.locator("thead th").nth(1)).to_contain_text("整数")
    expect(box.locator("thead th").nth(3)).to_contain_text("日期")
    expect(rows.first.locator("td").first).to_have_text("城关镇第1村")
    expect(box.locator(".preview-range")).to_have_text("第 1–10 行，共 25 行")
    expect(box.locator(".preview-previous")).to_be_disabled()
    screenshot("datastore-preview", page.locator(f"#resource-{rid}"))

    populations = sorted(int(r[1]) for r in ROWS[1:])
    header = box.locator("thead th").nth(1)
    header.locator("button").click()
    expect(header).to_have_attribute("aria-sort", "ascending")
    expect(rows.first.locator("td").nth(1)).to_have_text(str(populations[0]))
    assert [int(v) for v in column(page, box, 2)] == populations[:10]

    header.locator("button").click()
    expect(header).to_have_attribute("aria-sort", "descending")
    expect(rows.first.locator("td").nth(1)).to_have_text(str(populations[-1]))

    box.locator(".preview-next").click()
    expect(box.locator(".preview-range")).to_have_text("第 11–20 行，共 25 行")
    expect(rows.first.locator("td").nth(1)).to_have_text(str(populations[-11]))
    box.locator(".preview-next").click()
    expect(box.locator(".preview-range")).to_have_text("第 21–25 行，共 25 行")
    expect(rows).to_have_count(5)
    expect(box.locator(".preview-next")).to_be_disabled()
    box.locator(".preview-previous").click()
    expect(box.locator(".preview-range")).to_have_text("第 11–20 行，共 25 行")
    screenshot("datastore-preview-sorted", page.locator(f"#resource-{rid}"))


def test_dump_buttons_download_files(page: Any, site: tuple[str, str]) -> None:
    url, rid = site
    page.goto(url + "/dataset/schools")
    links = page.locator(f"#resource-{rid} .dump-links a")
    for index, name in enumerate(["村人口.csv", "村人口.csv", "村人口.tsv", "村人口.json",
                                  "村人口.xlsx"]):
        with page.expect_download() as info:
            links.nth(index).click()
        assert info.value.suggested_filename == name
    first = info.value.path().read_bytes()[:2]
    assert first == b"PK"  # the XLSX is a zip


def test_api_example_opens(page: Any, site: tuple[str, str]) -> None:
    from playwright.sync_api import expect

    url, rid = site
    page.goto(url + "/dataset/schools")
    example = page.locator(f"#resource-{rid} .api-example")
    example.locator("summary").click()
    expect(example.locator("pre").first).to_contain_text(
        re.compile(rf"datastore_search\?resource_id={rid}&limit=5"))
