"""The footer carries what a Chinese government site shows, each item only when set."""
from __future__ import annotations

import pytest


@pytest.fixture
def frame(app):
    site = app.extensions["shuyuan"].settings.data.setdefault("site", {})
    saved = dict(site)
    yield site
    site.clear()
    site.update(saved)


def test_footer_shows_set_items_in_chinese(client, frame):
    frame.update(sponsor="某县人民政府办公室", icp_number="某ICP备00000000号",
                 website_code="0000000000")
    html = client.get("/").get_data(as_text=True)
    assert "主办单位：某县人民政府办公室" in html
    assert "网站标识码：0000000000" in html
    assert 'href="https://beian.miit.gov.cn/"' in html


def test_footer_hides_unset_items(client, frame):
    for key in ("sponsor", "organizer", "icp_number", "website_code", "police_number"):
        frame.pop(key, None)
    html = client.get("/").get_data(as_text=True)
    assert "主办单位" not in html
    assert "beian.miit.gov.cn" not in html
