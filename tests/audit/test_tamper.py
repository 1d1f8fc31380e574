"""The audit log cannot be rewritten: tried as someone who can write to the database (and
in the later cases also holds the chain key) would try it. Every forgery makes
`shuyuan audit verify` exit non-zero naming the first bad entry; writes refuse to extend
a log whose newest entry is forged or whose key is missing."""

from __future__ import annotations

import base64
import json
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import delete, select

from portal import audit
from portal.core.context import SYSTEM
from portal.core.errors import ValidationError
from portal.models import AuditEntry, AuditHead
from portal.services import Portal
from tests.conftest import org_params, package_params

pytestmark = pytest.mark.fresh_portal  # the CLI reads what the tests commit


def cli(portal: Portal, *args: str) -> Result:
    from portal.cli import main

    env = {"SHUYUAN_STORAGE_VAR_DIR": str(portal.var_dir),
           "SHUYUAN_DATABASE_URL": portal.settings.database_url, "SHUYUAN_CONFIG": None,
           "SHUYUAN_AUDIT_KEY": None, "SHUYUAN_AUDIT_CHECKPOINT_KEY": None}
    return CliRunner().invoke(main, ["audit", *args], env=env)


def damaged(portal: Portal) -> str:
    """What `shuyuan audit verify` says is wrong (it must fail, without a traceback)."""
    done = cli(portal, "verify")
    assert done.exit_code == 1, done.output
    assert isinstance(done.exception, SystemExit), done.exception
    [line] = [x for x in done.output.splitlines() if x.startswith("audit log damaged:")]
    assert "Traceback" not in done.output, done.output
    with portal.session() as session:
        assert not audit.verify(session).ok
    return line


def intact(portal: Portal) -> str:
    done = cli(portal, "verify")
    assert done.exit_code == 0, done.output
    return done.output


def write(portal: Portal, n: int, prefix: str = "e") -> None:
    for i in range(n):
        portal.call("package_create", package_params(f"{prefix}{i}", "edu"), user=SYSTEM)


def seqs(portal: Portal) -> list[int]:
    with portal.session() as session:
        return list(session.scalars(select(AuditEntry.seq).order_by(AuditEntry.seq)))


def rechain(portal: Portal, key: bytes | None, *, edit: int | None = None,
            start: int = 1) -> None:
    """Rewrite the chain from `start` as a forger would: optionally change entry `edit`'s
    detail, recompute every hash from there with `key` (None: SHA-256) and fix the head."""
    with portal.session() as session, session.begin():
        rows = list(session.scalars(select(AuditEntry).where(AuditEntry.seq >= start)
                                    .order_by(AuditEntry.seq)))
        before = session.get(AuditEntry, start - 1)
        prev = before.hash if before else audit.GENESIS
        for row in rows:
            if row.seq == edit:
                row.detail = {**row.detail, "name": "forged"}
            row.prev_hash = prev
            row.hash = audit.hash_of(key, row)
            prev = row.hash
        head = session.get(AuditHead, 1)
        assert head is not None
        head.seq, head.hash = rows[-1].seq, prev


def cut(portal: Portal, keep: int) -> None:
    """Delete the entries after `keep` and point the head at entry `keep`."""
    with portal.session() as session, session.begin():
        session.execute(delete(AuditEntry).where(AuditEntry.seq > keep))
        kept = session.get(AuditEntry, keep)
        head = session.get(AuditHead, 1)
        assert kept is not None and head is not None
        head.seq, head.hash = kept.seq, kept.hash


@pytest.fixture
def logged(portal: Portal) -> Portal:
    """Six entries, keyed."""
    portal.call("organization_create", org_params("edu"), user=SYSTEM)
    write(portal, 5)
    assert seqs(portal) == [1, 2, 3, 4, 5, 6]
    return portal


def real_key(portal: Portal) -> bytes:
    key = portal.audit_log.keys.chain_key()
    assert key
    return key


# --- forgeries without a checkpoint -------------------------------------------------------

def test_an_intact_log_verifies_and_its_head_is_signed(logged: Portal) -> None:
    assert "audit log intact: 6 entries; head signed" in intact(logged)
    path = logged.audit_log.checkpoints.path
    [line] = [json.loads(x) for x in path.read_text().splitlines()]
    assert (line["kind"], line["seq"]) == ("head", 6)
    for secret in (path, logged.audit_log.keys.chain_path, logged.audit_log.keys.checkpoint_path):
        assert stat.S_IMODE(secret.stat().st_mode) == 0o600, secret
    assert "intact: 6 entries" in intact(logged)  # against its own checkpoint


def test_an_edited_detail_is_named(logged: Portal) -> None:
    with logged.session() as session, session.begin():
        row = session.get(AuditEntry, 3)
        assert row is not None
        row.detail = {"name": "forged"}
    assert "entry 3 was edited or forged: its content does not match its HMAC" in damaged(logged)


def test_the_old_attack_recomputing_unkeyed_hashes_is_named(logged: Portal) -> None:
    rechain(logged, None, edit=4, start=4)
    assert "entry 4 was edited or forged" in damaged(logged)


def test_the_whole_chain_recomputed_unkeyed_is_named(logged: Portal) -> None:
    rechain(logged, None, edit=4)
    assert "entry 1 was edited or forged" in damaged(logged)


@pytest.mark.parametrize("guess", [b"", b"0" * 32, "密钥".encode()])
def test_a_chain_recomputed_with_a_wrong_key_is_named(logged: Portal, guess: bytes) -> None:
    rechain(logged, guess, edit=5)
    assert "entry 1 was edited or forged" in damaged(logged)


def test_a_rechained_log_cannot_be_extended(logged: Portal) -> None:
    rechain(logged, b"attacker", edit=5, start=5)
    with pytest.raises(audit.AuditUnavailable, match="entry 6"):
        write(logged, 1, "more")
    assert seqs(logged)[-1] == 6


# --- the signed checkpoints ---------------------------------------------------------------

def test_cut_entries_with_the_head_fixed_fail_against_the_checkpoint(logged: Portal) -> None:
    intact(logged)  # signs entry 6
    cut(logged, 4)
    problem = damaged(logged)
    assert "the log ends at entry 4" in problem and "records entry 6" in problem


def test_a_cut_log_grown_again_fails_against_the_checkpoint(logged: Portal) -> None:
    intact(logged)
    cut(logged, 4)
    write(logged, 3, "regrown")  # the portal extends the valid-looking head
    assert seqs(logged) == [1, 2, 3, 4, 5, 6, 7]
    problem = damaged(logged)
    assert "entry 6 differs from the checkpoint" in problem and "after entry 0" in problem


def test_a_chain_rebuilt_with_the_real_key_fails_against_the_checkpoint(logged: Portal) -> None:
    intact(logged)  # signs entry 6
    write(logged, 2, "later")
    intact(logged)  # signs entry 8
    rechain(logged, real_key(logged), edit=7, start=7)
    problem = damaged(logged)
    assert "entry 8 differs from the checkpoint" in problem
    assert "rewritten after entry 6" in problem  # the last checkpoint it agrees with
    with logged.session() as session:
        assert audit.verify(session).bad_seq == 7


def test_the_whole_log_deleted_fails_and_is_not_regrown(logged: Portal) -> None:
    intact(logged)
    with logged.session() as session, session.begin():
        session.execute(delete(AuditEntry))
        head = session.get(AuditHead, 1)
        assert head is not None
        head.seq, head.hash = 0, audit.GENESIS
    assert "the log ends at entry 0" in damaged(logged)
    with pytest.raises(audit.AuditUnavailable, match="deleted"):
        write(logged, 1, "new")


def _lines(portal: Portal) -> list[dict[str, Any]]:
    return [json.loads(x) for x in portal.audit_log.checkpoints.path.read_text().splitlines()]


def _rewrite(portal: Portal, lines: list[dict[str, Any]]) -> None:
    portal.audit_log.checkpoints.path.write_text(
        "".join(json.dumps(x) + "\n" for x in lines))


def _resigned_by_attacker(line: dict[str, Any]) -> dict[str, Any]:
    fields = {k: v for k, v in line.items() if k != "sig"}
    raw = json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    signature = Ed25519PrivateKey.generate().sign(raw.encode())
    return {**fields, "sig": base64.b64encode(signature).decode()}


FORGED_LINES: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "hash changed to the forged chain's": lambda x: {**x, "hash": "f" * 64},
    "seq moved back": lambda x: {**x, "seq": 4},
    "kind turned legacy": lambda x: {**x, "kind": "legacy"},
    "signed with another key": lambda x: _resigned_by_attacker({**x, "hash": "f" * 64}),
    "signature removed": lambda x: {k: v for k, v in x.items() if k != "sig"},
    "seq as text": lambda x: {**x, "seq": "6"},
}


@pytest.mark.parametrize("how", FORGED_LINES)
def test_a_forged_checkpoint_line_is_named(logged: Portal, how: str) -> None:
    intact(logged)
    intact(logged)
    first, second = _lines(logged)
    _rewrite(logged, [first, FORGED_LINES[how](second)])
    assert "checkpoint line 2 of audit-checkpoints.jsonl is forged or damaged" in damaged(logged)


def test_checkpoints_that_are_not_json_are_named(logged: Portal) -> None:
    intact(logged)
    with logged.audit_log.checkpoints.path.open("a") as out:
        out.write("[" * 5000 + "\n")
    assert "checkpoint line 2" in damaged(logged)


def test_a_replaced_checkpoint_key_is_refused(logged: Portal) -> None:
    intact(logged)
    seed = Ed25519PrivateKey.generate().private_bytes_raw()
    logged.audit_log.keys.checkpoint_path.write_bytes(base64.b64encode(seed))
    assert "checkpoint line 1" in damaged(logged)


def test_checkpoints_are_written_every_n_entries(tmp_path: Path, database_url: str) -> None:
    from tests.conftest import empty_tables, make_settings

    empty_tables(database_url)
    portal = Portal(make_settings(tmp_path / "var", database_url, audit={"checkpoint_every": 3}))
    try:
        portal.call("organization_create", org_params("edu"), user=SYSTEM)
        write(portal, 6)
        assert [(x["kind"], x["seq"]) for x in _lines(portal)] == [("head", 3), ("head", 6)]
        with pytest.raises(ValidationError):  # a refused write signs nothing
            portal.call("package_create", package_params("e0", "edu"), user=SYSTEM)
        write(portal, 1, "x")
        cut(portal, 5)
        assert "the log ends at entry 5" in damaged(portal)
    finally:
        portal.dispose()


# --- keys ---------------------------------------------------------------------------------

def test_a_missing_chain_key_fails_closed(logged: Portal) -> None:
    logged.audit_log.keys.chain_path.unlink()
    assert "the audit chain key is missing" in damaged(logged)
    with pytest.raises(audit.AuditUnavailable, match="key is missing"):
        write(logged, 1, "unkeyed")
    assert seqs(logged)[-1] == 6
    assert not logged.audit_log.keys.chain_path.exists()  # never silently replaced


def test_a_replaced_chain_key_is_named_against_the_checkpoints(logged: Portal) -> None:
    intact(logged)
    logged.audit_log.keys.chain_path.write_text("another key")
    problem = damaged(logged)
    assert "entry 1 was edited or forged" in problem and "key in use is not the one" in problem


def test_the_key_may_come_from_the_environment(portal: Portal) -> None:
    from portal.cli import main

    env = {"SHUYUAN_STORAGE_VAR_DIR": str(portal.var_dir),
           "SHUYUAN_DATABASE_URL": portal.settings.database_url, "SHUYUAN_CONFIG": None,
           "SHUYUAN_AUDIT_KEY": "given-by-env"}
    runner = CliRunner()
    made = runner.invoke(main, ["user", "create", "alice"], env=env)
    assert made.exit_code == 0, made.output
    assert not portal.audit_log.keys.chain_path.exists()
    assert runner.invoke(main, ["audit", "verify"], env=env).exit_code == 0
    without = runner.invoke(main, ["audit", "verify"], env={**env, "SHUYUAN_AUDIT_KEY": None})
    assert without.exit_code == 1 and "key is missing" in without.output


# --- a log from before keying ---------------------------------------------------------------

def _unkeyed_log(portal: Portal) -> None:
    """What a deployed portal's log looked like: entries chained with plain SHA-256."""
    portal.call("organization_create", org_params("edu"), user=SYSTEM)
    write(portal, 3)
    rechain(portal, None)
    for path in (portal.audit_log.keys.chain_path, portal.audit_log.checkpoints.path,
                 portal.audit_log.keys.checkpoint_path):
        path.unlink(missing_ok=True)


def test_a_log_from_before_keying_verifies_and_is_pinned(portal: Portal) -> None:
    _unkeyed_log(portal)
    said = intact(portal)
    assert "intact: 4 entries" in said and "before keying are pinned" in said
    assert [x["kind"] for x in _lines(portal)][0] == "legacy"
    write(portal, 2, "after")
    with portal.session() as session:
        assert audit.hash_of(real_key(portal), session.get(AuditEntry, 6)) == \
            session.get(AuditEntry, 6).hash
    assert "intact: 6 entries" in intact(portal)
    rechain(portal, None, edit=2, start=2)  # the old attack on the old part, and on
    assert "entry 4 differs from the checkpoint" in damaged(portal)  # everything after


def test_the_first_keyed_write_pins_a_log_from_before_keying(portal: Portal) -> None:
    _unkeyed_log(portal)
    write(portal, 1, "after")
    assert [(x["kind"], x["seq"]) for x in _lines(portal)] == [("legacy", 4)]
    assert "intact: 5 entries" in intact(portal)
    rechain(portal, None, edit=5, start=5)  # turn the keyed entry back into an unkeyed one
    assert "entry 5 was edited or forged" in damaged(portal)


def test_a_log_from_before_keying_with_the_key_set_first_is_pinned_only_when_asked(
        portal: Portal) -> None:
    _unkeyed_log(portal)
    portal.audit_log.keys.chain_path.write_text("set before the upgrade")
    # with a key there, an unkeyed chain looks like the old attack: refused until asked
    assert "entry 1 was edited or forged" in damaged(portal)
    with pytest.raises(audit.AuditUnavailable, match="although the chain key exists"):
        write(portal, 1, "after")
    done = cli(portal, "verify", "--seal-legacy")
    assert done.exit_code == 0 and "before keying are pinned" in done.output, done.output
    write(portal, 1, "after")
    assert "intact: 5 entries" in intact(portal)


def test_without_the_key_the_api_answers_503_not_500(logged: Portal) -> None:
    from portal.app import create_app
    from tests.api.helpers import Api, make_user

    _, token = make_user(logged, "bureau", sysadmin=True)
    app = create_app(logged)
    app.config["TESTING"] = True
    api = Api(app.test_client())
    logged.audit_log.keys.chain_path.unlink()
    for name, params in [("package_patch", {"id": "e1", "title": "改"}),
                         ("user_show", {"id": "bureau"}), ("package_show", {"id": "e1"})]:
        status, body = api.post(name, params, token=token)
        assert status in (200, 503), (name, status, body)
        if status == 503:
            assert body["error"]["__type"] == "Audit Error", body
    assert api.post("package_patch", {"id": "e1", "title": "改"}, token=token)[0] == 503
    assert api.post("package_show", {"id": "e1"})[0] == 200  # reads go on


def test_without_the_key_signing_in_fails_closed_without_a_500(logged: Portal) -> None:
    from portal.app import create_app
    from tests.conftest import Accounts
    from tests.web.signin import password_step

    Accounts(logged).user("citizen")
    app = create_app(logged)
    app.config["TESTING"] = False  # an escaping exception becomes the 500 a visitor sees
    client = app.test_client()
    logged.audit_log.keys.chain_path.unlink()
    for password in ("password-citizen", "wrong-password"):
        answer = password_step(client, "citizen", password)
        assert answer.status_code == 503, answer.get_data(as_text=True)[:500]
        assert "审计日志" in answer.get_data(as_text=True)
        assert client.get("/dashboard").status_code != 200  # not signed in unaudited
