"""The staff console through its forms: a department editor drafts, uploads and submits
an entry; the bureau reviews it; nobody else gets in or decides."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from portal.core.catalog_elements import SHOWN
from portal.core.context import SYSTEM, Caller
from portal.models import Dataset
from portal.services import Portal
from tests.conftest import Accounts, org_params
from tests.web.signin import csrf_of, post_form, sign_in
from tests.web.test_translations import catalog_messages

PEOPLE_CSV = "姓名,手机号码\n张伟,13812345678\n王芳,13987654321\n李娜,15011112222\n".encode()

Client = Any


@pytest.fixture
def county(portal: Portal, accounts: Accounts) -> dict[str, Caller]:
    portal.call("organization_create", org_params("edu", title="县教育局"), user=SYSTEM)
    portal.call("organization_create", org_params("health", title="县卫生健康委"), user=SYSTEM)
    people = {
        "bureau": accounts.user("bureau", sysadmin=True)[0],
        "edu-editor": accounts.user("edu-editor", roles={"edu": "editor"})[0],
        "edu-member": accounts.user("edu-member", roles={"edu": "member"})[0],
        "health-editor": accounts.user("health-editor", roles={"health": "editor"})[0],
    }
    # As the server's operator: held to the length and the common list, so the citizen
    # keeps the accounts fixture's "password-<name>" (the policy is in test_account_passwords).
    portal.call("user_register", {"name": "citizen", "email": "c@example.cn",
                                  "password": "password-citizen"}, user=SYSTEM)
    return people


@pytest.fixture
def signed_in(app: Any, county: dict[str, Caller]) -> Callable[[str], Client]:
    """signed_in(name): a browser of its own, signed in as that user."""
    def make(name: str) -> Client:
        client = app.test_client()
        assert sign_in(client, name).status_code == 302
        return client
    return make


def entry_form(**overrides: Any) -> dict[str, Any]:
    """A complete, valid catalog-entry form as a browser sends it."""
    form = {
        "title": "全县学生花名册", "name": "students", "notes": "全县中小学在校学生名单。",
        "owner_org": "", "resource_code": "341324-JY-0001", "classification": "department",
        "category_path": "教育/学生", "tags": "教育, 学生、名册", "license_id": "CC-BY-4.0",
        "data_items-0-name": "姓名", "data_items-0-type": "text",
        "data_items-0-description": "学生姓名", "data_items-0-personal": "1",
        "data_items-1-name": "手机号码", "data_items-1-type": "text",
        "data_items-1-description": "家长手机", "data_items-1-personal": "1",
        "data_items-2-name": "", "data_items-2-type": "text", "data_items-2-description": "",
        "format": "CSV", "update_period": "yearly", "grading": "general",
        "issued": "2024-03-01", "spatial": "全县", "temporal_start": "2023-09-01",
        "temporal_end": "2024-07-01", "share_type": "conditional",
        "share_condition": "用于教育管理", "share_method": "file",
        "legal_basis": "《中华人民共和国教育法》", "open_type": "unconditional",
        "open_condition": "", "use_requirements": "注明来源", "required_materials": "申请函\n承诺书",
    }
    form.update(overrides)
    return form


def org_id(portal: Portal, name: str) -> str:
    return str(portal.call("organization_show", {"id": name})["id"])


def dataset_count(portal: Portal) -> int:
    with portal.session() as session:
        return session.scalar(select(func.count()).select_from(Dataset)) or 0


def create_entry(client: Client, portal: Portal, **overrides: Any) -> Any:
    return post_form(client, "/console/dataset/new",
                     **entry_form(owner_org=org_id(portal, "edu"), **overrides))


def upload(client: Client, name: str, data: bytes = PEOPLE_CSV, filename: str = "花名册.csv") -> Any:
    token = csrf_of(client.get(f"/console/dataset/{name}").get_data(as_text=True))
    return client.post(f"/console/dataset/{name}/resource", data={
        "csrf_token": token, "name": "", "description": "",
        "upload": (io.BytesIO(data), filename)}, content_type="multipart/form-data")


def submitted(client: Client, portal: Portal, name: str = "students", **overrides: Any) -> str:
    """An entry drafted, given a file and submitted by `client`; its latest review id."""
    assert create_entry(client, portal, name=name, resource_code=f"341324-{name}",
                        **overrides).status_code == 302
    assert upload(client, name).status_code == 302
    response = post_form(client, f"/console/dataset/{name}", f"/console/dataset/{name}/submit",
                         note="请审核")
    assert response.status_code == 302
    return str(portal.call("publication_review_show", {"dataset_id": name}, user=SYSTEM)["id"])


def state(portal: Portal, name: str) -> str:
    return str(portal.call("package_show", {"id": name}, user=SYSTEM)["publication_state"])


# --- who gets in ------------------------------------------------------------------------------

CONSOLE_PAGES = ["/console", "/console/dataset/new", "/console/reviews"]


@pytest.mark.parametrize("path", CONSOLE_PAGES)
def test_anonymous_visitors_are_asked_to_sign_in(client: Client, county: Any, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/user/login?next={path}"


@pytest.mark.parametrize("path", CONSOLE_PAGES)
def test_citizens_cannot_reach_the_console(signed_in: Any, path: str) -> None:
    citizen = signed_in("citizen")
    assert citizen.get(path).status_code == 403
    assert 'href="/console"' not in citizen.get("/").get_data(as_text=True)


def test_a_member_who_is_no_editor_may_not_create_entries(signed_in: Any) -> None:
    member = signed_in("edu-member")
    assert member.get("/console").status_code == 200
    assert member.get("/console/dataset/new").status_code == 403


# --- the entry form ---------------------------------------------------------------------------

ELEMENTS = ("title", "name", "notes", "owner_org", "resource_code", "classification",
            "category_path", "format", "update_period", "share_type", "share_condition",
            "share_method", "legal_basis", "open_type", "open_condition", "use_requirements",
            "required_materials", "grading", "issued", "spatial", "temporal_start",
            "temporal_end", "tags", "license_id", "data_items-0-name", "data_items-0-type",
            "data_items-0-description", "data_items-0-personal")


def test_the_form_has_every_catalog_element_and_only_the_editor_s_organizations(
        signed_in: Any, portal: Portal) -> None:
    html = signed_in("edu-editor").get("/console/dataset/new").get_data(as_text=True)
    for name in ELEMENTS:
        assert f'name="{name}"' in html, name
    assert re.search(r'name="title" type="text" value=""\s*required maxlength="300"', html)
    assert 'pattern="[0-9A-Za-z][0-9A-Za-z\\/._\\-]{0,63}"' in html
    assert "县教育局" in html and "县卫生健康委" not in html
    assert f'<option value="{org_id(portal, "edu")}" selected>' in html


def field_errors(html: str) -> dict[str, str]:
    """The first message beside each field."""
    return dict(re.findall(r'<ul class="field-errors" id="([a-z_]+)-errors">\s*<li>([^<]+)', html))


def test_an_editor_fixes_inline_errors_then_saves_the_entry(signed_in: Any,
                                                             portal: Portal) -> None:
    editor = signed_in("edu-editor")
    before = dataset_count(portal)
    # The schema's own checks come first (package_create reports them together)...
    response = create_entry(editor, portal, title="", resource_code="编码 1",
                            temporal_start="2024-13-01", **{"data_items-1-name": ""})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "目录条目未保存" in html
    assert field_errors(html) == {
        "title": "此项为必填项。",
        "resource_code": "请使用 1–64 个字母、数字、“/”、“.”、“_”或“-”，以字母或数字开头。",
        "temporal_start": "请按 YYYY-MM-DD 格式填写日期。",
        "data_items": "第 2 个信息项缺少名称。",
    }
    # ...what was typed is still there, the second data item with its description...
    assert "全县中小学在校学生名单。</textarea>" in html
    assert 'value="家长手机"' in html and 'value="编码 1"' in html
    # ...then the rules between fields (Art. 25).
    html = create_entry(editor, portal, legal_basis="", share_condition="",
                        open_type="conditional", open_condition="").get_data(as_text=True)
    assert field_errors(html) == {
        "legal_basis": "有条件共享或不予共享的目录条目必须注明法律依据（第二十五条）。",
        "share_condition": "有条件共享的目录条目必须注明共享条件。",
        "open_condition": "有条件开放的目录条目必须注明开放条件。",
    }
    html = create_entry(editor, portal, grading="core").get_data(as_text=True)
    assert field_errors(html) == {"open_type": "核心数据一律不予开放：请选择“不予开放”。"}
    assert dataset_count(portal) == before

    response = create_entry(editor, portal)
    assert response.status_code == 302
    assert response.headers["Location"] == "/console/dataset/students"
    page = editor.get("/console/dataset/students").get_data(as_text=True)
    assert "目录条目已保存" in page and "全县学生花名册" in page and "草稿" in page
    pkg = portal.call("package_show", {"id": "students"}, user=SYSTEM)
    assert pkg["publication_state"] == "draft"
    assert [(i["name"], i["personal"]) for i in pkg["data_items"]] == [("姓名", True),
                                                                       ("手机号码", True)]
    assert sorted(t["name"] for t in pkg["tags"]) == ["名册", "学生", "教育"]
    assert pkg["required_materials"] == ["申请函", "承诺书"]
    assert (pkg["temporal_start"], pkg["temporal_end"]) == ("2023-09-01", "2024-07-01")
    assert pkg["legal_basis"] == "《中华人民共和国教育法》" and pkg["share_method"] == "file"


def test_more_rows_adds_data_item_rows_without_saving(signed_in: Any, portal: Portal) -> None:
    editor = signed_in("edu-editor")
    before = dataset_count(portal)
    html = post_form(editor, "/console/dataset/new",
                     **entry_form(owner_org=org_id(portal, "edu"), more_rows="1")).get_data(
        as_text=True)
    assert dataset_count(portal) == before
    rows = re.findall(r'name="data_items-(\d+)-name"', html)
    assert rows == [str(i) for i in range(7)]  # two filled, then five blank
    assert 'name="data_items-0-name" value="姓名"' in html


def test_editing_keeps_the_values_and_saves_changes(signed_in: Any, portal: Portal) -> None:
    editor = signed_in("edu-editor")
    create_entry(editor, portal)
    html = editor.get("/console/dataset/students/edit").get_data(as_text=True)
    assert 'value="全县学生花名册"' in html and "申请函\n承诺书</textarea>" in html
    token = csrf_of(html)
    form = entry_form(owner_org=org_id(portal, "edu"), title="全县学生名册（2024）",
                      issued="", **{"data_items-1-name": "", "data_items-1-description": ""})
    response = editor.post("/console/dataset/students/edit", data={**form, "csrf_token": token})
    assert response.status_code == 302
    pkg = portal.call("package_show", {"id": "students"}, user=SYSTEM)
    assert pkg["title"] == "全县学生名册（2024）" and pkg["issued"] is None
    assert [i["name"] for i in pkg["data_items"]] == ["姓名"]


def test_an_editor_uploads_and_deletes_a_file(signed_in: Any, portal: Portal) -> None:
    editor = signed_in("edu-editor")
    create_entry(editor, portal)
    missing = post_form(editor, "/console/dataset/students", "/console/dataset/students/resource")
    assert missing.status_code == 200 and "请选择要上传的文件。" in missing.get_data(as_text=True)
    assert upload(editor, "students").status_code == 302
    page = editor.get("/console/dataset/students").get_data(as_text=True)
    assert "文件已上传。" in page and "<h3>花名册.csv</h3>" in page
    rid = portal.call("package_show", {"id": "students"}, user=SYSTEM)["resources"][0]["id"]
    response = post_form(editor, "/console/dataset/students",
                         f"/console/dataset/students/resource/{rid}/delete")
    assert response.status_code == 302
    assert portal.call("package_show", {"id": "students"}, user=SYSTEM)["resources"] == []


def test_an_editor_of_another_department_cannot_edit_the_entry(signed_in: Any,
                                                                portal: Portal) -> None:
    create_entry(signed_in("edu-editor"), portal)
    other = signed_in("health-editor")
    token = csrf_of(other.get("/console").get_data(as_text=True))
    # A draft of another department does not exist for them...
    assert other.get("/console/dataset/students/edit").status_code == 404
    assert other.post("/console/dataset/students/edit", data={
        **entry_form(owner_org=org_id(portal, "edu"), title="篡改"), "csrf_token": token,
    }).status_code == 404
    # ...and a published one is theirs to read, not to change.
    portal.call("package_patch", {"id": "students", "publication_state": "published"},
                user=SYSTEM)
    assert other.get("/console/dataset/students/edit").status_code == 403
    for path in ("/console/dataset/students/edit", "/console/dataset/students/resource",
                 "/console/dataset/students/submit"):
        assert other.post(path, data={**entry_form(title="篡改"), "csrf_token": token}
                          ).status_code == 403, path
    assert portal.call("package_show", {"id": "students"}, user=SYSTEM)["title"] == "全县学生花名册"


# --- submitting and reviewing -----------------------------------------------------------------

def test_submitting_puts_the_entry_in_the_bureau_s_queue(signed_in: Any, portal: Portal) -> None:
    editor = signed_in("edu-editor")
    review_id = submitted(editor, portal)
    assert state(portal, "students") == "pending"
    page = editor.get("/console/dataset/students").get_data(as_text=True)
    assert "目录条目已提交县数据资源管理局审核。" in page and "待审核" in page
    assert "已提交，等待数据资源管理局审核" in editor.get("/console").get_data(as_text=True)

    bureau = signed_in("bureau")
    dashboard = bureau.get("/console").get_data(as_text=True)
    assert "待您审核" in dashboard and f'href="/console/review/{review_id}"' in dashboard
    queue = bureau.get("/console/reviews").get_data(as_text=True)
    assert "全县学生花名册" in queue and "县教育局" in queue and "可以通过" in queue


def test_the_review_shows_the_catalog_and_the_desensitization_report(
        signed_in: Any, portal: Portal) -> None:
    review_id = submitted(signed_in("edu-editor"), portal)
    html = signed_in("bureau").get(f"/console/review/{review_id}").get_data(as_text=True)
    assert "341324-students" in html and "《中华人民共和国教育法》" in html  # catalog side
    assert "badge-decision-allowed_after_treatment" in html and "处理后允许发布" in html
    assert "手机号码" in html and "138****5678" in html and "张*" in html
    assert "13812345678" not in html  # never a raw value
    assert "没有阻止发布的问题。" in html and "审核通过并发布" in html


def test_the_review_lists_the_shown_elements_then_summary_tags_and_licence(
        signed_in: Any, portal: Portal) -> None:
    zh = catalog_messages()
    review_id = submitted(signed_in("edu-editor"), portal)
    html = signed_in("bureau").get(f"/console/review/{review_id}").get_data(as_text=True)
    section = html.split('id="catalog-title"', 1)[1].split("</dl>", 1)[0]
    rows = re.findall(r"<dt>([^<]+)</dt>", section)
    assert rows == [zh[e.heading] for e in SHOWN] + [zh["Summary"], zh["Tags"], zh["Licence"]]
    assert "2023-09-01 — 2024-07-01" in section and "<li>承诺书</li>" in section


def test_the_bureau_approves_and_the_public_can_download(signed_in: Any, client: Client,
                                                         portal: Portal) -> None:
    review_id = submitted(signed_in("edu-editor"), portal)
    assert client.get("/dataset/students").status_code == 404
    bureau = signed_in("bureau")
    response = post_form(bureau, f"/console/review/{review_id}",
                         f"/console/review/{review_id}/approve", note="同意")
    assert response.status_code == 302
    assert "已审核通过，目录条目已发布。" in bureau.get(response.headers["Location"]).get_data(
        as_text=True)
    assert state(portal, "students") == "published"
    public = client.get("/dataset/students").get_data(as_text=True)
    assert "/download/" in public and "下载" in public


def test_the_bureau_withdraws_a_published_entry(signed_in: Any, client: Client,
                                                portal: Portal) -> None:
    editor = signed_in("edu-editor")
    review_id = submitted(editor, portal)
    bureau = signed_in("bureau")
    page = f"/console/review/{review_id}"
    post_form(bureau, page, page + "/approve")
    assert 'id="withdraw"' not in editor.get("/console/dataset/students").get_data(as_text=True)
    entry = "/console/dataset/students"
    response = post_form(bureau, entry, entry + "/withdraw", reason="")
    assert "此项为必填项。" in bureau.get(response.headers["Location"]).get_data(as_text=True)
    assert state(portal, "students") == "published"
    assert post_form(bureau, entry, entry + "/withdraw", reason="数据有误").status_code == 302
    assert state(portal, "students") == "withdrawn"
    assert client.get("/dataset/students").status_code == 404
    token = csrf_of(editor.get(entry).get_data(as_text=True))
    assert editor.post(entry + "/withdraw", data={"csrf_token": token, "reason": "x"}
                       ).status_code == 403


def test_the_bureau_returns_an_entry_with_a_reason(signed_in: Any, portal: Portal) -> None:
    editor = signed_in("edu-editor")
    review_id = submitted(editor, portal)
    bureau = signed_in("bureau")
    page = f"/console/review/{review_id}"
    response = post_form(bureau, page, page + "/reject", reason="  ")
    assert response.status_code == 200
    assert re.search(r'id="reason-errors">\s*<li>此项为必填项。', response.get_data(as_text=True))
    assert state(portal, "students") == "pending"

    assert post_form(bureau, page, page + "/reject", reason="信息项说明不全").status_code == 302
    assert state(portal, "students") == "draft"
    html = editor.get("/console/dataset/students").get_data(as_text=True)
    assert "已退回" in html and "信息项说明不全" in html


def test_approval_is_refused_while_a_report_blocks_it(signed_in: Any, portal: Portal) -> None:
    review_id = submitted(signed_in("edu-editor"), portal, grading="important")
    bureau = signed_in("bureau")
    page = f"/console/review/{review_id}"
    html = bureau.get(page).get_data(as_text=True)
    assert "badge-decision-blocked" in html and "以下原因导致不能发布" in html
    assert "data graded important may not go to unconditional-open" in html
    response = post_form(bureau, page, page + "/approve")
    assert response.status_code == 200 and "操作未能完成" in response.get_data(as_text=True)
    assert state(portal, "students") == "pending"


def test_a_department_editor_cannot_approve(signed_in: Any, portal: Portal) -> None:
    editor = signed_in("edu-editor")
    review_id = submitted(editor, portal)
    page = f"/console/review/{review_id}"
    html = editor.get(page).get_data(as_text=True)  # they may read their own review...
    assert "138****5678" in html and "审核通过并发布" not in html  # ...but get no forms
    token = csrf_of(html)
    for action in ("approve", "reject"):
        response = editor.post(f"{page}/{action}", data={"csrf_token": token, "reason": "x"})
        assert response.status_code == 403
    assert state(portal, "students") == "pending"
    review = portal.call("publication_review_show", {"id": review_id}, user=SYSTEM)
    assert review["status"] == "pending" and review["decided_by"] is None
    assert signed_in("health-editor").get(page).status_code == 403


# --- the dashboard and the citizen's applications -----------------------------------------------

def test_the_dashboard_lists_drafts_deadlines_and_a_chart(signed_in: Any, portal: Portal) -> None:
    editor = signed_in("edu-editor")
    create_entry(editor, portal)
    portal.call("catalog_change_create", {"organization": "edu", "kind": "duty",
                                          "description": "职能调整：新增学前教育",
                                          "basis": "县编委决定", "changed_on": "2024-03-01"},
                user=SYSTEM)
    html = editor.get("/console").get_data(as_text=True)
    drafts = html[html.index('id="drafts"'):html.index('id="deadlines"')]
    assert 'href="/console/dataset/students"' in drafts
    deadlines = html[html.index('id="deadlines"'):]
    assert "职能调整：新增学前教育" in deadlines and "已逾期" in deadlines
    assert '<svg class="bar-chart"' in html and "本单位目录条目状态统计" in html


def test_my_applications_lists_only_the_citizen_s_own_requests(
        signed_in: Any, portal: Portal, county: dict[str, Caller]) -> None:
    citizen_caller = portal.caller_by_name("citizen")
    mine = portal.call("data_request_create", {"title": "公交线路数据", "description": "全县公交线路"},
                       user=citizen_caller)
    portal.call("data_request_create", {"title": "别人的需求", "description": "不是我的"},
                user=county["edu-member"])
    portal.call("data_request_route", {"id": mine["id"], "organization": "edu"}, user=SYSTEM)
    citizen = signed_in("citizen")
    html = citizen.get("/user/applications").get_data(as_text=True)
    assert "公交线路数据" in html and "别人的需求" not in html
    due = portal.call("data_request_show", {"id": mine["id"]}, user=SYSTEM)["due"]
    assert "办理中" in html and "县教育局" in html and due and due in html
    if "open_application_list" in portal.actions:
        assert 'id="open-applications"' in html and "您还没有申请过数据。" in html


def test_my_applications_needs_a_sign_in(client: Client, county: Any) -> None:
    response = client.get("/user/applications")
    assert response.status_code == 302 and "/user/login" in response.headers["Location"]


def test_the_console_speaks_english_on_request(signed_in: Any, portal: Portal) -> None:
    editor = signed_in("edu-editor")
    html = editor.get("/console?lang=en").get_data(as_text=True)
    assert "Drafts" in html and "Deadlines" in html and "草稿" not in html
    html = editor.get("/console/dataset/new").get_data(as_text=True)
    assert "Legal basis" in html and "Sharing between departments" in html



# --- data items drive the gate; a high risk is accepted on the page ----------------------------

def test_the_form_declares_items_public_by_law_with_their_basis(signed_in: Any,
                                                                 portal: Portal) -> None:
    editor = signed_in("edu-editor")
    page = editor.get("/console/dataset/new").get_data(as_text=True)
    assert "依法公开" in page and "公开的法律依据" in page
    # Public by law without a basis: refused, named, nothing written.
    before = dataset_count(portal)
    refused = create_entry(editor, portal, **{"data_items-1-personal": "",
                                              "data_items-1-public_by_law": "1"})
    assert refused.status_code == 200 and "legal_basis" in refused.get_data(as_text=True)
    assert dataset_count(portal) == before
    made = create_entry(editor, portal, **{"data_items-1-name": "办公电话",
                                           "data_items-1-personal": "",
                                           "data_items-1-public_by_law": "1",
                                           "data_items-1-legal_basis": "政府信息公开条例"})
    assert made.status_code == 302
    items = {i["name"]: i for i in portal.call("package_show", {"id": "students"},
                                              user=SYSTEM)["data_items"]}
    assert items["办公电话"]["public_by_law"] is True
    assert items["办公电话"]["legal_basis"] == "政府信息公开条例"
    assert items["姓名"]["personal"] is True and items["姓名"]["public_by_law"] is False


def test_a_high_risk_release_is_approved_only_with_the_confirmation(signed_in: Any,
                                                                    portal: Portal) -> None:
    """Office mobiles declared not personal: a conflict; the bureau confirms the
    declaration on the page, the release is then high risk, and approving it takes the
    tick and a reason."""
    editor, bureau = signed_in("edu-editor"), signed_in("bureau")
    phones = "\n".join(f"第{i}小学,1385570{i:04d}" for i in range(8))
    data = f"学校,办公电话\n{phones}\n".encode()
    assert create_entry(editor, portal, **{
        "data_items-0-name": "学校", "data_items-0-personal": "",
        "data_items-1-name": "办公电话", "data_items-1-personal": ""}).status_code == 302
    assert upload(editor, "students", data, "学校.csv").status_code == 302
    assert post_form(editor, "/console/dataset/students", "/console/dataset/students/submit",
                     note="请审核").status_code == 302
    review_id = portal.call("publication_review_show", {"dataset_id": "students"},
                            user=SYSTEM)["id"]
    page = f"/console/review/{review_id}"
    html = bureau.get(page).get_data(as_text=True)
    assert "含有信息项未声明的个人信息" in html and "再识别风险" in html
    confirmed = post_form(bureau, page, f"{page}/confirm-item", item="办公电话",
                          confirm_reason="学校办公电话，依法公开")
    assert confirmed.status_code == 302
    review_id = portal.call("publication_review_show", {"dataset_id": "students"},
                            user=SYSTEM)["id"]
    page = f"/console/review/{review_id}"
    html = bureau.get(page).get_data(as_text=True)
    assert "我接受本次发布的高再识别风险" in html and "没有阻止发布的问题。" not in html
    refused = post_form(bureau, page, f"{page}/approve", note="同意")
    assert refused.status_code == 200
    assert portal.call("package_show", {"id": "students"}, user=SYSTEM)["state"] != "published"
    approved = post_form(bureau, page, f"{page}/approve", note="", accept_risk="1",
                         risk_reason="办公电话依法公开")
    assert approved.status_code == 302
    shown = portal.call("publication_review_show", {"id": review_id}, user=SYSTEM)
    assert shown["status"] == "approved" and shown["reason"] == "办公电话依法公开"
