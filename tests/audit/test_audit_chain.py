"""The hash-chained audit log: every write is recorded, and `shuyuan audit verify` finds
any entry that was edited or removed, naming the first bad one. Concurrent writers
keep the chain intact on both backends."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyotp
import pytest
from sqlalchemy import JSON, bindparam, select, text

from portal import audit
from portal.core.context import SYSTEM, Caller
from portal.core.errors import ActionError, ValidationError
from portal.models import AuditEntry
from portal.services import Portal, load_actions
from tests.api.helpers import make_user
from tests.conftest import org_params, package_params
from tests.sharing import scenes

SHUYUAN = Path(sys.executable).parent / "shuyuan"


def entries(portal: Portal) -> list[AuditEntry]:
    with portal.session() as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))


def verify(portal: Portal) -> audit.VerifyResult:
    with portal.session() as session:
        return audit.verify(session)


# --- every write is recorded --------------------------------------------------------------------

class Scene:
    """An organization, an entry with a resource and a user to act on, made as SYSTEM."""

    def __init__(self, portal: Portal) -> None:
        self.portal = portal
        self.org = portal.call("organization_create", org_params("edu"), user=SYSTEM)
        self.entry = portal.call("package_create", package_params(
            "schools", "edu", resources=[{"url": "http://example.cn/a.csv"}]), user=SYSTEM)
        self.resource = self.entry["resources"][0]
        self.user = portal.call("user_create", {"name": "teacher"}, user=SYSTEM)
        self.token = portal.call("api_token_create", {"user": "teacher"}, user=SYSTEM)
        self.group = portal.call("group_create", {"name": "culture", "title": "文化"},
                                 user=SYSTEM)


def _draft(scene: Scene) -> str:
    return scene.portal.call("package_create", package_params(
        "draft-entry", "edu", publication_state="draft"), user=SYSTEM)["id"]


def _submitted(scene: Scene) -> str:
    draft = _draft(scene)
    scene.portal.call("publication_submit", {"id": draft}, user=SYSTEM)
    return draft


def _submitted_with_item(scene: Scene) -> str:
    draft = scene.portal.call("package_create", package_params(
        "draft-entry", "edu", publication_state="draft",
        data_items=[{"name": "办公电话", "type": "text"}]), user=SYSTEM)["id"]
    scene.portal.call("publication_submit", {"id": draft}, user=SYSTEM)
    return draft


def _user_id(scene: Scene, name: str) -> str:
    caller = scene.portal.caller_by_name(name)
    assert caller is not None
    return caller.id


def _reset(scene: Scene, name: str) -> str:
    return str(scene.portal.call("user_password_reset", {"id": name}, user=SYSTEM)["password"])


def _totp_code(scene: Scene, name: str) -> str:
    caller = scene.portal.caller_by_name(name)
    secret = scene.portal.call("user_totp_setup", {}, user=caller)["secret"]
    return str(pyotp.TOTP(secret).at(scene.portal.clock.now()))


# action -> (params, the id the entry must name); each made from a fresh Scene.
WRITES: dict[str, tuple[Callable[[Scene], dict[str, Any]], Callable[[Scene, Any], str]]] = {
    "package_create": (lambda s: package_params("new-entry", "edu"), lambda s, r: r["id"]),
    "package_update": (lambda s: package_params("schools", "edu", id=s.entry["id"]),
                       lambda s, r: s.entry["id"]),
    "package_patch": (lambda s: {"id": "schools", "title": "新"}, lambda s, r: s.entry["id"]),
    "package_delete": (lambda s: {"id": "schools"}, lambda s, r: s.entry["id"]),
    "publication_submit": (lambda s: {"id": _draft(s)}, lambda s, r: r["dataset_id"]),
    "publication_approve": (lambda s: {"id": _submitted(s)}, lambda s, r: r["dataset_id"]),
    "publication_item_confirm": (lambda s: {"id": _submitted_with_item(s), "item": "办公电话",
                                            "reason": "依法公开"},
                                 lambda s, r: r["id"]),
    "publication_reject": (lambda s: {"id": _submitted(s), "reason": "不完整"},
                           lambda s, r: r["dataset_id"]),
    "publication_withdraw": (lambda s: {"id": "schools", "reason": "有误"},
                             lambda s, r: s.entry["id"]),
    "resource_create": (lambda s: {"package_id": "schools", "url": "http://example.cn/b"},
                        lambda s, r: r["id"]),
    "resource_update": (lambda s: {"id": s.resource["id"], "url": "http://example.cn/c"},
                        lambda s, r: s.resource["id"]),
    "resource_patch": (lambda s: {"id": s.resource["id"], "name": "新"},
                       lambda s, r: s.resource["id"]),
    "resource_delete": (lambda s: {"id": s.resource["id"]}, lambda s, r: s.resource["id"]),
    "organization_create": (lambda s: org_params("health"), lambda s, r: r["id"]),
    "organization_update": (lambda s: {**org_params("edu"), "id": "edu"},
                            lambda s, r: s.org["id"]),
    "organization_patch": (lambda s: {"id": "edu", "description": "新"},
                           lambda s, r: s.org["id"]),
    "organization_member_create": (lambda s: {"id": "edu", "username": "teacher"},
                                   lambda s, r: s.org["id"]),
    "organization_member_delete": (lambda s: _member(s, {"id": "edu", "username": "teacher"}),
                                   lambda s, r: s.org["id"]),
    "organization_member_confirm": (lambda s: _pending_member(s), lambda s, r: s.org["id"]),
    "organization_member_reject": (lambda s: _pending_member(s), lambda s, r: s.org["id"]),
    "group_create": (lambda s: {"name": "theme", "title": "主题"}, lambda s, r: r["id"]),
    "group_update": (lambda s: {"id": "culture", "title": "文化旅游"},
                     lambda s, r: s.group["id"]),
    "group_patch": (lambda s: {"id": "culture", "description": "新"}, lambda s, r: s.group["id"]),
    "user_create": (lambda s: {"name": "another"}, lambda s, r: r["id"]),
    "user_register": (lambda s: {"name": "citizen", "password": "Long-enough-1",
                                 "email": "citizen@example.cn"}, lambda s, r: r["id"]),
    "api_token_create": (lambda s: {"user": "teacher"}, lambda s, r: r["id"]),
    # account security: the acting sysadmin ("bureau") on themself, or on teacher
    "user_password_change": (lambda s: {"old_password": _reset(s, "bureau"),
                                        "new_password": "Next-pass-2026"},
                             lambda s, r: _user_id(s, "bureau")),
    "user_password_reset": (lambda s: {"id": "teacher"}, lambda s, r: s.user["id"]),
    "user_disable": (lambda s: {"id": "teacher"}, lambda s, r: s.user["id"]),
    "user_enable": (lambda s: {"id": "teacher"}, lambda s, r: s.user["id"]),
    "user_totp_setup": (lambda s: {}, lambda s, r: _user_id(s, "bureau")),
    "user_totp_confirm": (lambda s: {"code": _totp_code(s, "bureau")},
                          lambda s, r: _user_id(s, "bureau")),
    "user_totp_disable": (lambda s: {"id": "teacher"}, lambda s, r: s.user["id"]),
    "api_token_revoke": (lambda s: {"jti": s.token["id"]}, lambda s, r: s.token["id"]),
    "notification_mark_read": (lambda s: {"all": True},
                               lambda s, r: s.portal.caller_by_name("bureau").id),
    "catalog_change_create": (lambda s: {"organization": "edu", "kind": "legal_basis",
                                         "description": "法规修订", "basis": "某条例",
                                         "changed_on": "2024-03-01"}, lambda s, r: r["id"]),
    "catalog_change_update": (lambda s: _change(s), lambda s, r: r["id"]),
    "catalog_change_report": (lambda s: _change(s, "catalog_change_update"),
                              lambda s, r: r["id"]),
    "catalog_change_acknowledge": (lambda s: _change(s, "catalog_change_update",
                                                     "catalog_change_report"),
                                   lambda s, r: r["id"]),
    "data_request_create": (lambda s: {"title": "学位数", "description": "各校学位数"},
                            lambda s, r: r["id"]),
    "data_request_route": (lambda s: _request(s), lambda s, r: r["id"]),
    "data_request_answer": (lambda s: _request(s, "data_request_route"), lambda s, r: r["id"]),
    "data_request_decline": (lambda s: _request(s), lambda s, r: r["id"]),
    "datastore_create": (lambda s: {"resource_id": s.resource["id"], "fields": [
        {"id": "n", "type": "integer"}], "records": [{"n": 1}]}, lambda s, r: s.resource["id"]),
    "datastore_upsert": (lambda s: _table(s, {"records": [{"_id": 1, "n": 2}]}),
                         lambda s, r: s.resource["id"]),
    "datastore_delete": (lambda s: _table(s, {"filters": {"n": 1}}),
                         lambda s, r: s.resource["id"]),
    # sharing (Art. 27): another unit asks for edu's data; the teacher applies for open data
    "share_request_create": (lambda s: scenes.share_params(
        scenes.organization(s.portal, "health"), "schools"), lambda s, r: r["id"]),
    "share_request_approve": (lambda s: scenes.share_request(s.portal, "health", "edu"),
                              lambda s, r: r["id"]),
    "share_request_reject": (lambda s: scenes.share_request(s.portal, "health", "edu"),
                             lambda s, r: r["id"]),
    "share_request_confirm": (lambda s: scenes.share_request(
        s.portal, "a-town", "edu", "share_request_approve", org_type="town"),
        lambda s, r: r["id"]),
    "open_application_create": (lambda s: scenes.open_params(s.portal, "edu", "teacher"),
                                lambda s, r: r["id"]),
    "open_application_approve": (lambda s: scenes.open_application(s.portal, "edu", "teacher"),
                                 lambda s, r: r["id"]),
    "open_application_reject": (lambda s: scenes.open_application(s.portal, "edu", "teacher"),
                                lambda s, r: r["id"]),
    "grant_revoke": (lambda s: {"id": scenes.open_grant(s.portal, "edu", "teacher"),
                                "reason": "撤销"}, lambda s, r: r["id"]),
    "grant_token_create": (lambda s: {"grant_id": scenes.open_grant(s.portal, "edu", "teacher"),
                                      "user": "teacher"}, lambda s, r: r["id"]),
}


def _table(scene: Scene, params: dict[str, Any]) -> dict[str, Any]:
    """A datastore table on the scene's resource, then params for an action on it."""
    rid = scene.resource["id"]
    scene.portal.call("datastore_create", {"resource_id": rid, "fields": [
        {"id": "n", "type": "integer"}], "records": [{"n": 1}]}, user=SYSTEM)
    return {"resource_id": rid, **params}


def _change(scene: Scene, *steps: str) -> dict[str, Any]:
    """A catalog change of edu's, taken through `steps`, then params for the next one."""
    made = scene.portal.call("catalog_change_create", {
        "organization": "edu", "kind": "duty", "description": "职能调整", "basis": "决定",
        "changed_on": "2024-03-01"}, user=SYSTEM)
    for step in steps:
        scene.portal.call(step, {"id": made["id"], "catalog": "目录"}, user=SYSTEM)
    return {"id": made["id"], "catalog": "目录"}


def _request(scene: Scene, *steps: str) -> dict[str, Any]:
    """A data request, taken through `steps`, then params for the next action on it."""
    made = scene.portal.call("data_request_create", {"title": "学位数", "description": "各校学位数"},
                             user=SYSTEM)
    params = {"id": made["id"], "organization": "edu", "answer": "已公开", "reason": "重复"}
    for step in steps:
        scene.portal.call(step, params, user=SYSTEM)
    return params


def _pending_member(scene: Scene) -> dict[str, Any]:
    """A self-registered citizen an organization admin asked to make a member."""
    admin = make_user(scene.portal, "edu-admin", roles={"edu": "admin"})[0]
    scene.portal.call("user_register", {"name": "citizen", "password": "Xq7#long-enough",
                                        "email": "citizen@example.cn"})
    params = {"id": "edu", "username": "citizen"}
    scene.portal.call("organization_member_create", {**params, "role": "member"}, user=admin)
    return params


def _member(scene: Scene, params: dict[str, Any]) -> dict[str, Any]:
    scene.portal.call("organization_member_create", params, user=SYSTEM)
    return params


def test_every_write_action_is_in_the_table() -> None:
    assert set(WRITES) == {n for n, spec in load_actions().items() if not spec.read_only}


@pytest.mark.parametrize("action", WRITES)
def test_every_write_appends_who_did_what_to_which_object(portal: Portal, action: str) -> None:
    scene = Scene(portal)
    actor = make_user(portal, "bureau", sysadmin=True)[0]
    make_params, object_id = WRITES[action]
    params = make_params(scene)
    before = entries(portal)
    result = portal.call(action, params, user=actor)
    new = entries(portal)[len(before):]
    assert [(e.actor, e.action, e.object_id) for e in new] == \
        [("bureau", action, object_id(scene, result))]
    assert new[0].seq == before[-1].seq + 1 and new[0].prev_hash == before[-1].hash
    assert verify(portal).ok


def test_a_refused_write_appends_nothing(portal: Portal) -> None:
    Scene(portal)
    before = entries(portal)
    with pytest.raises(ValidationError):
        portal.call("package_create", package_params("schools", "edu"), user=SYSTEM)
    with pytest.raises(ActionError):
        portal.call("package_delete", {"id": "schools"}, user=Caller(id="x", name="outsider"))
    assert [e.hash for e in entries(portal)] == [e.hash for e in before]


# --- shuyuan audit verify -------------------------------------------------------------------

def run_verify(portal: Portal) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SHUYUAN_STORAGE_VAR_DIR": str(portal.var_dir),
           "SHUYUAN_DATABASE_URL": portal.settings.database_url}
    env.pop("SHUYUAN_CONFIG", None)
    return subprocess.run([str(SHUYUAN), "audit", "verify"], capture_output=True, text=True,
                          env=env, timeout=60, check=False)


def _edit_detail(portal: Portal, seq: int) -> None:
    statement = text("UPDATE audit_entry SET detail = :detail WHERE seq = :seq")
    statement = statement.bindparams(bindparam("detail", type_=JSON))
    with portal.engine.begin() as conn:
        conn.execute(statement, {"detail": {"name": "forged"}, "seq": seq})


def _edit_and_rehash(portal: Portal, seq: int) -> None:
    """A forger who also recomputes the edited entry's own hash the old way (SHA-256,
    no key), as the unkeyed chain allowed."""
    _edit_detail(portal, seq)
    with portal.session() as session, session.begin():
        entry = session.get(AuditEntry, seq)
        assert entry is not None
        entry.hash = audit.hash_of(None, entry)


def _delete(portal: Portal, seq: int) -> None:
    with portal.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_entry WHERE seq = :seq"), {"seq": seq})


TAMPERING: dict[str, tuple[Callable[[Portal, int], None], str, str]] = {
    # how -> (what is done to which entry, "middle" or "last"; the entry named)
    "a detail edited": (_edit_detail, "middle", "entry {m} was edited"),
    "edited and its hash recomputed": (_edit_and_rehash, "middle", "entry {m} was edited"),
    "an entry in the middle deleted": (_delete, "middle", "entry {m} is missing"),
    "the last entry deleted": (_delete, "last", "ends at entry {p}"),
}


@pytest.fixture
def logged(portal: Portal) -> Portal:
    Scene(portal)
    portal.call("package_patch", {"id": "schools", "title": "改"}, user=SYSTEM)
    return portal


def test_verify_passes_an_intact_log(logged: Portal) -> None:
    done = run_verify(logged)
    assert done.returncode == 0, done.stderr
    assert f"{len(entries(logged))} entries" in done.stdout
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("how", TAMPERING)
def test_verify_fails_naming_the_first_bad_entry(logged: Portal, how: str) -> None:
    tamper, where, named = TAMPERING[how]
    last = entries(logged)[-1].seq
    seq = last // 2 if where == "middle" else last
    tamper(logged, seq)
    done = run_verify(logged)
    assert done.returncode != 0
    assert named.format(m=seq, n=seq + 1, p=seq - 1) in done.stderr, done.stderr
    assert done.stderr.startswith("audit log damaged:") and "Traceback" not in done.stderr
    assert not verify(logged).ok


# --- concurrent writers ------------------------------------------------------------------------

def test_concurrent_writes_keep_the_chain_valid(portal: Portal) -> None:
    portal.call("organization_create", org_params("edu"), user=SYSTEM)
    start = len(entries(portal))
    threads, per_thread = 8, 4
    errors: list[BaseException] = []
    duplicates: list[str] = []
    barrier = threading.Barrier(threads)

    def work(n: int) -> None:
        try:
            barrier.wait()
            for i in range(per_thread):
                made = portal.call("package_create", package_params(f"t{n}-{i}", "edu"),
                                   user=SYSTEM)
                portal.call("resource_create", {"package_id": made["id"],
                                                "url": f"http://example.cn/{n}/{i}"}, user=SYSTEM)
            try:  # every thread races for the same name: one wins, the rest are refused
                portal.call("package_create", package_params("contested", "edu"), user=SYSTEM)
            except ValidationError as exc:
                duplicates.append(",".join(exc.errors))
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert errors == []
    assert duplicates == ["name,resource_code"] * (threads - 1)
    result = verify(portal)
    assert result.ok, result.problem
    assert result.checked == start + threads * per_thread * 2 + 1
    assert len(portal.call("package_list")) == threads * per_thread + 1
