"""A real SMTP server on loopback (aiosmtpd), a movable clock, and a portal sending to it."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from portal.models.base import utcnow
from portal.services import Portal
from tests.conftest import Accounts, empty_tables, make_settings
from tests.support.pgcluster import free_port


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


@dataclass
class Inbox:
    messages: list[Received] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.original_content or envelope.content,
                                          policy=email.policy.default)
        self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 OK"


class SmtpServer:
    """Started and stopped on one port, so tests can take the server down and bring it back."""

    def __init__(self) -> None:
        self.port = free_port()
        self.inbox = Inbox()
        self._controller: Controller | None = None

    def start(self) -> SmtpServer:
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    yield server
    server.stop()


class Clock:
    """Real time plus however far the test has moved it (notify() stamps rows in real time)."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return utcnow() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += timedelta(seconds=seconds)


@pytest.fixture
def mail_portal_factory(tmp_path: Path, database_url: str) -> Iterator[Callable[..., Portal]]:
    """Portal(**mail settings) on empty tables, with a clock the test moves."""
    made: list[Portal] = []

    def make(**mail: Any) -> Portal:
        empty_tables(database_url)
        portal = Portal(make_settings(tmp_path / f"var{len(made)}", database_url,
                                      site_url="http://data.example.cn", mail=mail))
        portal.mail.clock = Clock()
        made.append(portal)
        return portal

    yield make
    for portal in made:
        portal.dispose()


@pytest.fixture
def mailing(mail_portal_factory: Callable[..., Portal], smtp: SmtpServer) -> Portal:
    """A portal whose e-mail goes to the `smtp` fixture's port (started by the test)."""
    return mail_portal_factory(smtp_host="127.0.0.1", smtp_port=smtp.port, max_attempts=3,
                               retry_seconds=60)


def user_ids(portal: Portal, *names: str) -> list[str]:
    accounts = Accounts(portal)
    return [accounts.user(name)[0].id for name in names]
