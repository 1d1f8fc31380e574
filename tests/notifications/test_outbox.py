"""notify() and the e-mail outbox, sent to a real SMTP server on loopback."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from portal.core.context import SYSTEM
from portal.models import EmailOutbox, Notification
from portal.notify import notify
from portal.services import Portal
from tests.notifications.conftest import SmtpServer, user_ids

SUBJECT = "待审核：泗县学校名录"
BODY = "教育局提交了目录条目「泗县学校名录」，请在5个工作日内审核。"


def send(portal: Portal, ids: list[str], **kwargs: object) -> None:
    with portal.session() as session, session.begin():
        notify(session, ids, "publication_submitted", SUBJECT, BODY, link="/dataset/schools",
               **kwargs)  # type: ignore[arg-type]
    assert portal.jobs.wait_idle(10)


def outbox(portal: Portal) -> list[EmailOutbox]:
    with portal.session() as session:
        return list(session.scalars(select(EmailOutbox).order_by(EmailOutbox.id)))


def test_a_notification_is_mailed_after_commit_in_utf8(mailing: Portal, smtp: SmtpServer) -> None:
    smtp.start()
    reviewer, other = user_ids(mailing, "reviewer", "other")
    send(mailing, [reviewer])
    [received] = smtp.inbox.messages
    assert received.rcpt_tos == ["reviewer@example.cn"]
    assert received.message["To"] == "reviewer@example.cn"
    assert received.message["Subject"] == SUBJECT
    body = received.message.get_content()
    assert BODY in body and "http://data.example.cn/dataset/schools" in body
    assert "泗县公共数据开放平台" in received.message["From"]
    [row] = outbox(mailing)
    assert (row.state, row.attempts, row.last_error) == ("sent", 1, "")
    assert row.sent_at is not None


def test_the_outbox_stores_no_plaintext_address(mailing: Portal, smtp: SmtpServer) -> None:
    [reviewer] = user_ids(mailing, "reviewer")
    send(mailing, [reviewer])
    with mailing.engine.connect() as conn:
        dumped = repr(conn.exec_driver_sql("SELECT * FROM email_outbox").all())
    assert outbox(mailing) and "example.cn" not in dumped


def test_smtp_down_keeps_the_row_pending_then_sends_when_up(mailing: Portal,
                                                            smtp: SmtpServer) -> None:
    [reviewer] = user_ids(mailing, "reviewer")
    send(mailing, [reviewer])  # nothing listens on the port yet
    [row] = outbox(mailing)
    assert (row.state, row.attempts) == ("pending", 1)
    assert "Connection" in row.last_error or "refused" in row.last_error.lower()
    smtp.start()
    assert mailing.mail.drain().sent == 0  # still waiting out its backoff
    mailing.mail.clock.advance(61)  # type: ignore[attr-defined]
    result = mailing.mail.drain()
    assert (result.sent, result.retrying) == (1, 0)
    [row] = outbox(mailing)
    assert (row.state, row.attempts) == ("sent", 2)
    assert [m.rcpt_tos for m in smtp.inbox.messages] == [["reviewer@example.cn"]]


def test_backoff_doubles_and_max_attempts_marks_failed(mailing: Portal) -> None:
    [reviewer] = user_ids(mailing, "reviewer")
    send(mailing, [reviewer])
    clock = mailing.mail.clock
    first = outbox(mailing)[0].next_attempt_at
    assert round((first - clock()).total_seconds()) == 60  # type: ignore[operator]
    clock.advance(60)  # type: ignore[attr-defined]
    assert mailing.mail.drain().retrying == 1
    second = outbox(mailing)[0].next_attempt_at
    assert round((second - clock()).total_seconds()) == 120  # type: ignore[operator]
    clock.advance(120)  # type: ignore[attr-defined]
    assert mailing.mail.drain().failed == 1  # max_attempts = 3
    [row] = outbox(mailing)
    assert (row.state, row.attempts) == ("failed", 3) and row.last_error
    clock.advance(10_000)  # type: ignore[attr-defined]
    assert mailing.mail.drain().failed == 0  # a failed row is not tried again
    assert mailing.mail.status() == {"pending": 0, "sent": 0, "failed": 1, "skipped": 0,
                                          "due": 0}


def test_without_smtp_host_rows_are_skipped_and_notifications_kept(
        mail_portal_factory: Callable[..., Portal]) -> None:
    portal = mail_portal_factory()  # the default: smtp_host empty
    [reviewer] = user_ids(portal, "reviewer")
    send(portal, [reviewer])
    [row] = outbox(portal)
    assert row.state == "skipped" and "smtp_host" in row.last_error
    with portal.session() as session:
        assert session.scalar(select(Notification.subject)) == SUBJECT


def test_a_rolled_back_transaction_notifies_nobody(mailing: Portal, smtp: SmtpServer) -> None:
    smtp.start()
    [reviewer] = user_ids(mailing, "reviewer")
    with pytest.raises(RuntimeError), mailing.session() as session, session.begin():
        notify(session, [reviewer], "publication_submitted", SUBJECT, BODY)
        raise RuntimeError("the action failed")
    assert mailing.jobs.wait_idle(10)
    assert mailing.mail.drain().sent == 0
    assert outbox(mailing) == [] and smtp.inbox.messages == []
    with mailing.session() as session:
        assert session.scalars(select(Notification)).all() == []


def test_email_false_and_users_without_address_get_only_the_notification(
        mailing: Portal, smtp: SmtpServer) -> None:
    smtp.start()
    [reviewer] = user_ids(mailing, "reviewer")
    mailing.call("user_create", {"name": "no-mail"}, user=SYSTEM)
    no_mail = mailing.caller_by_name("no-mail")
    assert no_mail is not None
    send(mailing, [reviewer, no_mail.id, reviewer, "no-such-user"], email=True)
    send(mailing, [reviewer], email=False)
    assert [m.rcpt_tos for m in smtp.inbox.messages] == [["reviewer@example.cn"]]
    with mailing.session() as session:
        owners = sorted(session.scalars(select(Notification.user_id)))
    assert owners == sorted([reviewer, reviewer, no_mail.id])


def test_a_refused_recipient_is_recorded_not_raised(mailing: Portal, smtp: SmtpServer) -> None:
    class Refusing(type(smtp.inbox)):  # type: ignore[misc]
        async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: ANN001
            return "550 no such mailbox"

    smtp.inbox = Refusing()
    smtp.start()
    [reviewer] = user_ids(mailing, "reviewer")
    send(mailing, [reviewer])
    [row] = outbox(mailing)
    assert row.state == "pending" and "550" in row.last_error
