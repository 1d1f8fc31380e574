"""The e-mail sender: drains `email_outbox` over SMTP after commits ([mail] settings).

A drain claims each due row before sending (attempts + 1, next attempt pushed
past a lease) in its own short transaction, so two drains (the server's job and
`shuyuan mail send`) never send one row twice, and a process killed mid-send
leaves the row to be retried once the lease ends. Every error is written on
the row: a row is never lost, and the drain never raises for a bad server or
address. Failed sends are retried with exponential backoff up to
`mail.max_attempts`, then marked failed.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from portal.crypto import FieldCipher
from portal.jobs import JobQueue
from portal.models import EmailOutbox, Notification, User
from portal.models.base import utcnow
from portal.notify import MAIL_QUEUED
from portal.settings import Settings

log = logging.getLogger(__name__)

JOB_KEY = "mail-drain"
BATCH = 50
# A claimed row is retried after this if its sender died mid-send.
LEASE = timedelta(minutes=10)
MAX_TIMER_SECONDS = 3600.0

Clock = Callable[[], datetime]


@dataclass
class DrainResult:
    sent: int = 0
    retrying: int = 0   # failed this time, will be tried again
    failed: int = 0     # gave up: max_attempts reached
    skipped: int = 0    # e-mail off, or the user has no address


class MailSender:
    def __init__(self, settings: Settings, session_factory: sessionmaker[Session],
                 cipher: FieldCipher, jobs: JobQueue, site_url: str = "",
                 clock: Clock = utcnow) -> None:
        self.settings = settings
        self.session_factory = session_factory
        self.cipher = cipher
        self.jobs = jobs
        self.site_url = site_url.rstrip("/")
        self.clock = clock  # tests move time forward instead of sleeping through backoff
        self._timer: threading.Timer | None = None
        self._timer_lock = threading.Lock()
        event.listen(session_factory, "after_commit", self._after_commit)
        event.listen(session_factory, "after_rollback", self._forget)

    def _setting(self, key: str, fallback: Any) -> Any:
        return self.settings.get("mail", key, fallback)

    # --- triggers ----------------------------------------------------------------------

    def _after_commit(self, session: Session) -> None:
        if session.info.pop(MAIL_QUEUED, False):
            self.kick()

    def _forget(self, session: Session) -> None:
        session.info.pop(MAIL_QUEUED, None)

    def kick(self) -> None:
        """Queue a drain on the portal's job queue (at most one waiting)."""
        self.jobs.submit(JOB_KEY, lambda cancel: self.drain(cancel=cancel))

    def kick_if_pending(self) -> None:
        """At start: drain what a stopped process left (no job when there is nothing)."""
        with self.session_factory() as session:
            waiting = session.scalar(select(EmailOutbox.id)
                                     .where(EmailOutbox.state == "pending").limit(1))
        if waiting is not None:
            self.kick()

    def _schedule(self, seconds: float) -> None:
        """Wake up for the next retry; no write may come to trigger it."""
        with self._timer_lock:
            if self._timer is not None:
                self._timer.cancel()
            self._timer = threading.Timer(min(max(seconds, 0.0), MAX_TIMER_SECONDS), self.kick)
            self._timer.daemon = True
            self._timer.start()

    def close(self) -> None:
        with self._timer_lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None

    # --- the drain ---------------------------------------------------------------------

    def drain(self, retry_now: bool = False, cancel: threading.Event | None = None) -> DrainResult:
        """Send every due pending row (with `retry_now`, also those waiting out a backoff)."""
        result = DrainResult()
        smtp: smtplib.SMTP | None = None
        try:
            while cancel is None or not cancel.is_set():
                rows = self._due(retry_now)
                if not rows:
                    break
                for row_id, attempts in rows:
                    if not self._claim(row_id, attempts):
                        continue  # another drain took it
                    connected = smtp is not None
                    smtp, outcome = self._send_one(row_id, attempts + 1, smtp)
                    setattr(result, outcome, getattr(result, outcome) + 1)
                    if smtp is None and not connected and outcome in ("retrying", "failed"):
                        break  # the server is unreachable: leave the rest for the retry
                else:
                    continue
                break
        finally:
            if smtp is not None:
                with contextlib.suppress(smtplib.SMTPException, OSError):
                    smtp.quit()
        self._schedule_retry()
        return result

    def _due(self, retry_now: bool) -> list[tuple[int, int]]:
        query = select(EmailOutbox.id, EmailOutbox.attempts).where(EmailOutbox.state == "pending")
        if not retry_now:
            query = query.where(EmailOutbox.next_attempt_at <= self.clock())
        with self.session_factory() as session:
            return [(r.id, r.attempts) for r in
                    session.execute(query.order_by(EmailOutbox.id).limit(BATCH))]

    def _claim(self, row_id: int, attempts: int) -> bool:
        with self.session_factory() as session, session.begin():
            done = session.execute(
                update(EmailOutbox)
                .where(EmailOutbox.id == row_id, EmailOutbox.state == "pending",
                       EmailOutbox.attempts == attempts)
                .values(attempts=attempts + 1, next_attempt_at=self.clock() + LEASE))
            return done.rowcount == 1

    def _send_one(self, row_id: int, attempt: int,
                  smtp: smtplib.SMTP | None) -> tuple[smtplib.SMTP | None, str]:
        """Send one claimed row and record the outcome; returns the (reusable) connection."""
        with self.session_factory() as session:
            row = session.get(EmailOutbox, row_id)
            assert row is not None
            user = session.get(User, row.user_id)
            address = self.cipher.decrypt(user.email_encrypted) if user else ""
            link = (session.scalar(select(Notification.link)
                                   .where(Notification.id == row.notification_id))
                    if row.notification_id else "")
            message = self._message(row, address, link or "")
        host = str(self._setting("smtp_host", "")).strip()
        if not host:
            self._finish(row_id, "skipped", "e-mail is off (mail.smtp_host is empty)")
            return smtp, "skipped"
        if not address or user is None or user.state != "active":
            self._finish(row_id, "skipped", "the user has no e-mail address (or is not active)")
            return smtp, "skipped"
        try:
            if smtp is None:
                smtp = self._connect(host)
            smtp.send_message(message)
        except (smtplib.SMTPException, OSError, ValueError) as exc:
            error = f"{type(exc).__name__}: {exc}"[:2000]
            log.warning("e-mail %s not sent (attempt %d): %s", row_id, attempt, error)
            if smtp is not None and not isinstance(exc, smtplib.SMTPRecipientsRefused):
                try:
                    smtp.close()
                finally:
                    smtp = None
            return smtp, self._failed(row_id, attempt, error)
        self._finish(row_id, "sent", "")
        return smtp, "sent"

    def _connect(self, host: str) -> smtplib.SMTP:
        port = int(self._setting("smtp_port", 25))
        smtp = smtplib.SMTP(host, port, timeout=float(self._setting("timeout", 30)))
        try:
            if bool(self._setting("starttls", False)):
                smtp.starttls(context=ssl.create_default_context())
            user = str(self._setting("smtp_user", ""))
            if user:
                smtp.login(user, str(self._setting("smtp_password", "")))
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _message(self, row: EmailOutbox, address: str, link: str) -> EmailMessage:
        # EmailMessage's default policy writes non-ASCII headers as RFC 2047 and the
        # body as UTF-8, so Chinese subjects and bodies arrive intact.
        message = EmailMessage()
        message["Subject"] = row.subject
        message["From"] = str(self._setting("from_address", ""))
        message["To"] = address
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid(domain="shuyuan")
        body = row.body
        if link:
            body = f"{body}\n\n{self.site_url}{link}" if link.startswith("/") else f"{body}\n\n{link}"
        message.set_content(body, charset="utf-8")
        return message

    def _finish(self, row_id: int, state: str, error: str) -> None:
        with self.session_factory() as session, session.begin():
            row = session.get(EmailOutbox, row_id)
            if row is not None:
                row.state = state
                row.last_error = error
                if state == "sent":
                    row.sent_at = self.clock()

    def _failed(self, row_id: int, attempt: int, error: str) -> str:
        max_attempts = max(1, int(self._setting("max_attempts", 5)))
        base = float(self._setting("retry_seconds", 60))
        with self.session_factory() as session, session.begin():
            row = session.get(EmailOutbox, row_id)
            if row is None:
                return "failed"
            row.last_error = error
            if attempt >= max_attempts:
                row.state = "failed"
                return "failed"
            row.next_attempt_at = self.clock() + timedelta(seconds=base * 2 ** (attempt - 1))
            return "retrying"

    def _schedule_retry(self) -> None:
        with self.session_factory() as session:
            earliest = session.scalar(select(func.min(EmailOutbox.next_attempt_at))
                                      .where(EmailOutbox.state == "pending"))
        if earliest is not None:
            self._schedule((earliest - self.clock()).total_seconds())

    # --- reports -----------------------------------------------------------------------

    def status(self) -> dict[str, int]:
        """Rows per state, plus `due`: pending rows whose next attempt has come."""
        with self.session_factory() as session:
            counts = {state: n for state, n in session.execute(
                select(EmailOutbox.state, func.count()).group_by(EmailOutbox.state))}
            due = session.scalar(select(func.count()).select_from(EmailOutbox)
                                 .where(EmailOutbox.state == "pending",
                                        EmailOutbox.next_attempt_at <= self.clock())) or 0
        return {state: int(counts.get(state, 0))
                for state in ("pending", "sent", "failed", "skipped")} | {"due": due}
