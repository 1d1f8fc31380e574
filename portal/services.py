"""The portal's services, built once by the app factory or the CLI.

`Portal.call(name, params, user)` is the single entry point to the logic
layer: the API, the web views, the CLI and (later) harvesters all use it.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import secrets
import threading
import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from portal import audit, blob_gc, grants
from portal.actions.errors import NotAuthorized, UnknownAction, ValidationError
from portal.actions.registry import Caller, Context, load_actions
from portal.blobs import BlobStore
from portal.crypto import FieldCipher, load_or_create_key
from portal.datastore import Datastore
from portal.db import make_engine, make_session_factory
from portal.jobs import JobQueue
from portal.mailer import MailSender
from portal.models import ApiToken, GrantToken, User
from portal.search.backend import SearchBackendError
from portal.search.service import SearchService
from portal.settings import Settings, load_settings
from portal.workdays import WorkCalendar, calendar_from

if TYPE_CHECKING:
    from portal.gate import Gate

log = logging.getLogger(__name__)
refusals = logging.getLogger("portal.refusals")

TOKEN_PREFIX = "sy_"
STALE_UPLOAD_SECONDS = 3600.0

# The caller for local administration (the CLI run by whoever holds the server's shell).
SYSTEM = Caller(id="system", name="system", sysadmin=True)


@functools.cache
def _dummy_hash() -> str:
    """Checked against when a sign-in names no usable account, so that it takes as long
    as a real check (werkzeug's default method and cost); made once, on first use."""
    return generate_password_hash(secrets.token_hex(16))


def hash_token(token: str) -> str:
    return hashlib.sha256(token.strip().encode("utf-8")).hexdigest()


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


class Portal:
    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or load_settings()
        self.var_dir = self.settings.var_dir
        self.engine = make_engine(self.settings.database_url)
        self.session_factory = make_session_factory(self.engine)
        self.blobs = BlobStore(self.settings.blob_dir)
        # Half-written uploads of a process that died; a live upload keeps its file younger.
        self.blobs.sweep_tmp(max_age=STALE_UPLOAD_SECONDS)
        self.cipher = FieldCipher(load_or_create_key(self.var_dir / "secret" / "fields.key"))
        self.actions = load_actions()
        self.datastore = Datastore(self.settings, self.settings.database_url)
        # Background work (datastore loads after uploads), run after the action commits.
        self.jobs = JobQueue(int(self.settings.get("datastore", "load_workers", 1)))
        # The search index, fed from the outbox every write transaction fills.
        self.search = SearchService(self.settings, self.session_factory, self.site_url)
        self._search_started = False
        self._start_lock = threading.Lock()
        # E-mail: the outbox notify() fills is drained on the job queue after commits.
        self.mail = MailSender(self.settings, self.session_factory, self.cipher, self.jobs,
                               self.site_url)
        # Desensitization gate runs a stopped process left pending or half-done run again.
        self.gate.resume()

    @functools.cached_property
    def gate(self) -> Gate:
        """The desensitization gate (portal/gate.py): policy and secret read once."""
        from portal.gate import Gate

        return Gate(self)

    @functools.cached_property
    def calendar(self) -> WorkCalendar:
        """Working days by the settings' holidays file, read once per portal rather than
        on every action that computes a deadline."""
        return calendar_from(self.settings)

    def start_search(self) -> None:
        """Open (or create and fill) the search index and apply the outbox; once per process."""
        with self._start_lock:
            if not self._search_started:
                self.search.start()
                self._search_started = True
                self.mail.kick_if_pending()  # what a stopped process left in the outbox

    @property
    def site_url(self) -> str:
        return str(self.settings.get("site", "url", "")).rstrip("/")

    def session(self) -> Session:
        return self.session_factory()

    def call(self, name: str, params: dict[str, Any] | None = None,
             user: Caller | None = None, request_id: str = "") -> Any:
        """Run one action in one transaction; write actions lock the audit head first.

        Blobs the action stores and no row references once the transaction has
        ended (it failed, or replaced what it stored) are removed: see blob_gc.
        """
        spec = self.actions.get(name)
        if spec is None:
            raise UnknownAction(f"action {name} does not exist")
        if not self._search_started:
            try:
                self.start_search()
            except SearchBackendError as exc:
                # The catalog works without the index; package_search answers 503 meanwhile.
                log.error("search index unavailable: %s", exc)
        try:
            return self._run(spec, name, params, user, request_id)
        except (NotAuthorized, ValidationError) as exc:
            # Refusals go to their own logger, so the bureau can keep and watch them.
            refusals.warning("refused %s by %s: %s", name, user.name if user else "anonymous",
                             exc.as_error_dict())
            raise
        finally:
            if not spec.read_only:
                self.search.after_write()

    def _run(self, spec: Any, name: str, params: dict[str, Any] | None, user: Caller | None,
             request_id: str) -> Any:
        with self.blobs.recording() as stored:
            try:
                with self.session_factory() as session, session.begin():
                    # A grant token may call only its grant's reads (one check, portal.grants).
                    grants.check_grant_caller(session, user, name)
                    if not spec.read_only:
                        audit.lock_head(session)
                    ctx = Context(action=name, session=session, portal=self, user=user,
                                  request_id=request_id or uuid.uuid4().hex)
                    return spec.func(ctx, dict(params or {}))
            finally:
                if stored:
                    blob_gc.collect(self.session_factory, self.blobs, stored)

    def caller_for_user(self, session: Session, user: User) -> Caller:
        roles = {m.organization_id: m.role for m in user.memberships}
        return Caller(id=user.id, name=user.name, sysadmin=user.sysadmin, roles=roles)

    def caller_by_name(self, name: str) -> Caller | None:
        with self.session_factory() as session:
            user = session.scalar(select(User).where(User.name == name, User.state == "active"))
            return self.caller_for_user(session, user) if user else None

    def caller_by_id(self, user_id: str) -> Caller | None:
        """The signed-in user of a web session; None once the account is no longer active."""
        with self.session_factory() as session:
            user = session.get(User, user_id) if user_id and "\x00" not in user_id else None
            if user is None or user.state != "active":
                return None
            return self.caller_for_user(session, user)

    def authenticate(self, name: str, password: str) -> Caller | None:
        """The Caller whose name and password these are; None when either is wrong.

        A hash is checked even when there is no such (active) user, against a dummy
        hash of the same method, so the time taken does not tell which one was wrong.
        """
        with self.session_factory() as session:
            user = session.scalar(select(User).where(User.name == name)) if name else None
            if user is None or user.state != "active" or not user.password_hash:
                check_password_hash(_dummy_hash(), password or "")
                return None
            if not check_password_hash(user.password_hash, password or ""):
                return None
            return self.caller_for_user(session, user)

    def caller_by_token(self, token: str) -> Caller | None:
        if not token:
            return None
        with self.session_factory() as session:
            row = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
            if row is None:
                return None
            user = session.get(User, row.user_id)
            if user is None or user.state != "active":
                return None
            caller = self.caller_for_user(session, user)
            link = session.get(GrantToken, row.id)
            # A grant token: the grant's power only, refused once the grant is not current.
            return grants.token_caller(session, caller, link.grant_id) if link else caller

    def dispose(self) -> None:
        self.mail.close()
        self.jobs.stop()
        self.search.close()
        self.datastore.dispose()
        self.engine.dispose()
