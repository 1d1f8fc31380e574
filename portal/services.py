"""The portal's services, built once by the app factory or the CLI.

`Portal.call(name, params, user)` is the single entry point to the logic
layer: the API, the web views, the CLI and (later) harvesters all use it.
"""

from __future__ import annotations

import functools
import logging
import threading
import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from portal import audit, blob_gc
from portal.access import check_grant_caller
from portal.actions.registry import REGISTRY, ActionSpec, run_action
from portal.authentication import Authenticator, caller_for_user
from portal.blobs import BlobStore
from portal.core.clock import Clock
from portal.core.context import Caller, Context
from portal.core.errors import NotAuthorized, UnknownAction, ValidationError
from portal.crypto import FieldCipher, load_or_create_key
from portal.datastore import Datastore
from portal.db import make_engine, make_session_factory
from portal.jobs import JobQueue
from portal.mailer import MailSender
from portal.models import User
from portal.search.backend import SearchBackendError
from portal.search.service import SearchService
from portal.settings import Settings, load_settings, secure_var_dir
from portal.workdays import WorkCalendar, calendar_from

if TYPE_CHECKING:
    from portal.gate import Gate

log = logging.getLogger(__name__)
refusals = logging.getLogger("portal.refusals")

STALE_UPLOAD_SECONDS = 3600.0


def load_actions() -> dict[str, ActionSpec]:
    """Import the action modules so their @action decorators run; return the registry."""
    from portal.actions import (  # noqa: F401
        account_security,
        accounts,
        catalog_changes,
        data_requests,
        datastore,
        files,
        grants,
        groups,
        notifications,
        open_applications,
        organizations,
        packages,
        publication,
        resources,
        review_risk,
        search,
        share_requests,
        site,
    )

    return REGISTRY


class Portal:
    """The composition root: settings, database, blobs, search, jobs, mail, the gate and
    the actions, wired once; `call` runs one action (see the module's docstring)."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or load_settings()
        # The portal's time: deadlines and grant periods read it; tests set it.
        self.clock = Clock()
        self.var_dir = secure_var_dir(self.settings.var_dir)  # 0700: the portal's alone
        self.engine = make_engine(self.settings.database_url)
        self.session_factory = make_session_factory(self.engine)
        # The audit log's keys and checkpoints, given to every session (portal.audit).
        self.audit_log = audit.install(self.session_factory, self.settings)
        self.blobs = BlobStore(self.settings.blob_dir)
        # Half-written uploads of a process that died; a live upload keeps its file younger.
        self.blobs.sweep_tmp(max_age=STALE_UPLOAD_SECONDS)
        self.cipher = FieldCipher(load_or_create_key(self.var_dir / "secret" / "fields.key"))
        # Passwords, web sessions, lockouts, second factors, API tokens.
        self.auth = Authenticator(self.session_factory, self.clock, self.settings, self.cipher)
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
        from portal.actions.publication import gate_finished
        from portal.gate import Gate

        return Gate(self, gate_finished)

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
            # Refusals go to their own logger, so the bureau can keep and watch them. An
            # anonymous read refused is the public meeting a closed door (every view of a
            # conditional entry does): INFO. WARNING is for what an operator must look at.
            level = logging.INFO if user is None and spec.read_only else logging.WARNING
            refusals.log(level, "refused %s by %s: %s", name, user.name if user else "anonymous",
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
                    # A grant token may call only its grant's reads (one check, portal.access).
                    check_grant_caller(session, user, name, self.clock.today())
                    if not spec.read_only:
                        audit.lock_head(session)
                    ctx = Context(action=name, session=session, portal=self, user=user,
                                  request_id=request_id or uuid.uuid4().hex)
                    return run_action(spec, ctx, params)
            finally:
                if stored:
                    blob_gc.collect(self.session_factory, self.blobs, stored)

    # Authentication lives in portal/authentication.py; these name it for the callers.
    def caller_for_user(self, session: Session, user: User) -> Caller:
        return caller_for_user(user)

    def caller_by_name(self, name: str) -> Caller | None:
        return self.auth.by_name(name)

    def caller_by_id(self, user_id: str) -> Caller | None:
        return self.auth.by_id(user_id)

    def authenticate(self, name: str, password: str) -> Caller | None:
        return self.auth.by_password(name, password)

    def caller_by_token(self, token: str) -> Caller | None:
        return self.auth.by_token(token)

    def dispose(self) -> None:
        self.mail.close()
        self.jobs.stop()
        self.search.close()
        self.datastore.dispose()
        self.engine.dispose()
