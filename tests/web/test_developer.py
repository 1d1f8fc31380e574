"""The 开发者 page and the OpenAPI reading: reachable from the navigation, generated
from the action registry, Chinese by default, no script."""

from __future__ import annotations

import re
from typing import Any

from portal.actions.registry import REGISTRY


def test_the_navigation_leads_to_the_developer_page(client: Any) -> None:
    home = client.get("/").get_data(as_text=True)
    assert re.search(r'<nav class="main-nav".*href="/developer">开发者</a>', home, re.S)
    page = client.get("/developer")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "获取令牌" in html and 'href="/user/tokens"' in html
    assert 'href="/api/3/openapi.json"' in html and 'href="/developer/openapi"' in html
    assert "<script>" not in html and "<script " not in html.replace(
        '<script src="/static/js/portal.js" defer></script>', "")


def test_every_registered_action_is_listed_with_its_kind(client: Any, portal: Any) -> None:
    html = client.get("/developer").get_data(as_text=True)
    for name, spec in portal.actions.items():
        row = re.search(rf'#{name}"><code>{name}</code></a></td>\s*<td>.*?</td><td>(.)</td>',
                        html, re.S)
        assert row, name
        assert row.group(1) == ("读" if spec.read_only else "写"), name
    assert len(portal.actions) >= len(REGISTRY) > 0


def test_sql_is_said_to_be_off_and_why(client: Any) -> None:
    html = client.get("/developer").get_data(as_text=True)
    assert "datastore_search_sql</code> 默认关闭" in html and "最小权限" in html


def test_the_openapi_reading_has_a_section_per_action(client: Any, portal: Any) -> None:
    page = client.get("/developer/openapi")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for name in portal.actions:
        assert f'<section id="{name}"' in html, name
    assert "GET POST /api/3/action/package_search" in html
    assert "POST /api/3/action/package_create" in html
    assert "GET POST /api/3/action/package_create" not in html


def test_english_on_request(client: Any) -> None:
    html = client.get("/developer?lang=en").get_data(as_text=True)
    assert "Getting a token" in html


def test_the_action_root_sends_a_browser_to_the_developer_page(client: Any) -> None:
    for path in ("/api/3/action/", "/api/3/action", "/api/action/"):
        answer = client.get(path, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
        assert answer.status_code == 302 and answer.headers["Location"].endswith("/developer")


def test_the_action_root_answers_a_client_as_ckan_does(client: Any) -> None:
    for path, accept in (("/api/3/action/", "*/*"), ("/api/3/action", "application/json"),
                         ("/API/3/action/", "*/*")):
        answer = client.get(path, headers={"Accept": accept})
        if path.startswith("/API"):  # paths are case-sensitive, as in CKAN
            assert answer.status_code == 404
            continue
        assert answer.status_code == 400, path
        body = answer.get_json()
        assert body["success"] is False
        assert body["error"]["__type"] == "Bad request - Action name not known"
    posted = client.post("/api/3/action/", json={"q": "x"})
    assert posted.status_code == 400 and posted.get_json()["success"] is False


def test_the_footer_links_the_api_to_the_developer_page(client: Any) -> None:
    html = client.get("/dataset").get_data(as_text=True)
    footer = html[html.index('<footer'):]
    assert '<a href="/developer"><code>/api/3/action/</code></a>' in footer


def test_an_action_s_line_is_its_first_whole_sentence() -> None:
    from portal.web.public.developer import first_sentence

    assert first_sentence("Create an API token; it is shown only in this response. Params:\n"
                          "    user (name or id; yourself).") == (
        "Create an API token; it is shown only in this response.")
    assert first_sentence("Names of the published\n    entries\n\nMore.") == (
        "Names of the published entries")
