"""Less to probe: a hidden entry answers exactly as a missing one, and user_show shows
others only what the public may know.

A prober who could tell "hidden" (403) from "missing" (404) would learn the names of
departments' drafts and private entries; so each answer about a hidden entry is compared,
byte for byte, with the answer about an id nobody used (of the same length, the id
swapped in: the message names the id as given).
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from portal.actions.resources import Upload
from portal.core.context import SYSTEM
from portal.services import Portal
from tests.api.helpers import make_user
from tests.conftest import org_params, package_params

CSV = "学校,人数\n一中,1200\n".encode()


@dataclass
class County:
    portal: Portal
    tokens: dict[str, str]  # who -> API token ("" for anonymous)
    hidden: dict[str, dict[str, Any]]  # entry name -> package dict (as the bureau sees it)


@pytest.fixture
def county(portal: Portal) -> County:
    for name in ("edu", "water"):
        portal.call("organization_create", org_params(name), user=SYSTEM)
    hidden = {}
    for name, extra in (("budget-draft", {"publication_state": "draft"}),
                        ("staff-private", {"private": True}),
                        ("old-deleted", {})):
        pkg = portal.call("package_create", package_params(
            name, "edu", resources=[{"name": "表", "upload": Upload("名单.csv", io.BytesIO(CSV))}],
            **extra), user=SYSTEM)
        hidden[name] = pkg
    portal.call("package_delete", {"id": "old-deleted"}, user=SYSTEM)
    tokens = {"anonymous": ""}
    for who, roles in (("citizen", {}), ("water-editor", {"water": "editor"}),
                       ("edu-member", {"edu": "member"})):
        tokens[who] = make_user(portal, who, roles=roles)[1]
    tokens["bureau"] = make_user(portal, "bureau", sysadmin=True)[1]
    return County(portal, tokens, hidden)


def _missing_like(ref: str) -> str:
    """An id nobody used, as long as `ref` and of the same kind."""
    if len(ref) == 36 and ref.count("-") == 4:
        return str(uuid.uuid4())
    return ("nosuch-" + "x" * len(ref))[: len(ref)]


def call(client: Any, action: str, params: dict[str, Any], token: str, method: str) -> Any:
    headers = {"Authorization": token} if token else {}
    if method == "GET":
        return client.get(f"/api/3/action/{action}", query_string=params, headers=headers)
    return client.post(f"/api/3/action/{action}", json=params, headers=headers)


def assert_same_as_missing(client: Any, action: str, key: str, ref: str, token: str,
                           method: str = "POST", **extra: Any) -> Any:
    hidden = call(client, action, {key: ref, **extra}, token, method)
    other = _missing_like(ref.strip())
    missing = call(client, action, {key: ref.replace(ref.strip(), other), **extra}, token,
                   method)
    assert missing.status_code == 404, missing.get_json()
    assert hidden.status_code == missing.status_code, hidden.get_json()
    assert hidden.headers["Content-Type"] == missing.headers["Content-Type"]
    assert hidden.data == missing.data.replace(other.encode(), ref.strip().encode())
    return hidden


PROBERS = ("anonymous", "citizen", "water-editor")


@pytest.mark.parametrize("who", PROBERS)
@pytest.mark.parametrize("entry", ["budget-draft", "staff-private", "old-deleted"])
def test_a_hidden_entry_answers_as_a_missing_one(client: Any, county: County, who: str,
                                                 entry: str) -> None:
    token = county.tokens[who]
    pkg = county.hidden[entry]
    rid = pkg["resources"][0]["id"]
    for ref in (entry, pkg["id"], f"  {entry} "):
        for method in ("GET", "POST"):
            body = assert_same_as_missing(client, "package_show", "id", ref, token,
                                          method).get_json()
            assert body["error"] == {"__type": "Not Found Error",
                                     "message": f"Not Found Error: Dataset not found: "
                                                f"{ref.strip()}"}
    for action, key in (("resource_show", "id"), ("resource_download", "id"),
                        ("datastore_search", "resource_id"), ("datastore_search", "id"),
                        ("datastore_info", "id"), ("datastore_info", "resource_id")):
        assert_same_as_missing(client, action, key, rid, token)
        assert_same_as_missing(client, action, key, rid.upper(), token)  # unknown either way


@pytest.mark.parametrize("who", ["citizen", "water-editor"])
def test_writes_to_a_hidden_entry_answer_as_to_a_missing_one(client: Any, county: County,
                                                             who: str) -> None:
    token = county.tokens[who]
    rid = county.hidden["budget-draft"]["resources"][0]["id"]
    assert_same_as_missing(client, "package_patch", "id", "budget-draft", token,
                           title="改")
    assert_same_as_missing(client, "package_delete", "id", "budget-draft", token)
    assert_same_as_missing(client, "resource_patch", "id", rid, token, name="改")
    assert_same_as_missing(client, "resource_create", "package_id", "budget-draft", token,
                           url="https://example.cn/x.csv")
    with county.portal.session() as session:  # nothing was changed on the way
        from portal.models import Dataset

        ds = session.query(Dataset).filter_by(name="budget-draft").one()
        assert ds.title == "测试数据集 budget-draft" and ds.state == "draft"


def test_those_who_may_see_the_entry_still_do(client: Any, county: County) -> None:
    """The test above cannot pass by answering 404 to everyone."""
    for who in ("edu-member", "bureau"):
        status = call(client, "package_show", {"id": "budget-draft"}, county.tokens[who],
                      "GET").status_code
        assert status == 200, who
    rid = county.hidden["budget-draft"]["resources"][0]["id"]
    assert call(client, "resource_show", {"id": rid}, county.tokens["edu-member"],
                "GET").status_code == 200


def test_a_visible_entry_s_closed_data_still_says_why(client: Any, county: County) -> None:
    """403 stays where the entry itself is public: the reason tells how to get the data."""
    pkg = county.portal.call("package_create", package_params(
        "conditional-open", "edu", open_type="conditional", open_condition="需申请",
        legal_basis="《数据条例》",
        resources=[{"name": "表", "upload": Upload("a.csv", io.BytesIO(CSV))}]), user=SYSTEM)
    response = call(client, "resource_download", {"id": pkg["resources"][0]["id"]}, "", "POST")
    assert response.status_code == 403
    assert "apply" in response.get_json()["error"]["message"]


@pytest.mark.parametrize("who", ["anonymous", "citizen"])
def test_the_download_pages_answer_a_hidden_file_as_a_missing_one(client: Any, county: County,
                                                                  who: str) -> None:
    token = county.tokens[who]
    headers = {"Authorization": token} if token else {}
    pkg = county.hidden["budget-draft"]
    rid = pkg["resources"][0]["id"]
    other = str(uuid.uuid4())
    for path in ("/dataset/{pkg}/resource/{rid}/download",
                 "/dataset/{pkg}/resource/{rid}/download/名单.csv",
                 "/dataset/{pkg}/resource/{rid}/version/" + "0" * 64 + "/download"):
        hidden = client.get(path.format(pkg="budget-draft", rid=rid), headers=headers)
        missing = client.get(path.format(pkg="budget-draft", rid=other), headers=headers)
        assert hidden.status_code == missing.status_code == 404
        assert hidden.data == missing.data.replace(other.encode(), rid.encode())


# --- user_show ------------------------------------------------------------------------------

PUBLIC_KEYS = {"id", "name", "display_name", "created"}


@pytest.fixture
def people(portal: Portal) -> dict[str, str]:
    portal.call("user_register", {"name": "zhang-san", "fullname": "张三丰",
                                  "email": "zhangsan@example.cn",
                                  "password": "Correct-Horse-9-battery"})
    tokens = {"zhang-san": portal.call("api_token_create", {"user": "zhang-san"},
                                       user=SYSTEM)["token"]}
    portal.call("user_create", {"name": "li-boss", "fullname": "李局长", "sysadmin": True,
                                "email": "li@example.cn"}, user=SYSTEM)
    tokens["li-boss"] = portal.call("api_token_create", {"user": "li-boss"},
                                    user=SYSTEM)["token"]
    tokens["wang"] = make_user(portal, "wang")[1]
    return tokens


@pytest.mark.parametrize("viewer", ["anonymous", "wang"])
@pytest.mark.parametrize("target", ["zhang-san", "li-boss"])
def test_others_see_only_the_public_part_of_a_user(client: Any, people: dict[str, str],
                                                   viewer: str, target: str) -> None:
    token = people.get(viewer, "")
    response = call(client, "user_show", {"id": target}, token, "GET")
    assert response.status_code == 200
    shown = response.get_json()["result"]
    assert set(shown) == PUBLIC_KEYS
    assert shown["display_name"] == shown["name"] == target
    raw = response.get_data(as_text=True)
    for secret in ("张三丰", "李局长", "example.cn", "sysadmin", "state", "about"):
        assert secret not in raw, secret


@pytest.mark.parametrize("viewer", ["zhang-san", "li-boss"])
def test_the_user_themself_and_the_bureau_see_the_whole_record(
        client: Any, people: dict[str, str], viewer: str) -> None:
    shown = call(client, "user_show", {"id": "zhang-san"}, people[viewer], "GET"
                 ).get_json()["result"]
    assert shown["fullname"] == "张三丰"
    assert shown["email"] == "zhangsan@example.cn"
    assert shown["sysadmin"] is False and "organizations" in shown
