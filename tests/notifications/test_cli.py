"""`shuyuan mail send` and `shuyuan mail status` against the same database and key."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from click.testing import CliRunner

from portal.cli import main
from portal.notify import notify
from portal.services import Portal
from tests.notifications.conftest import SmtpServer, user_ids


def invoke(portal: Portal, smtp: SmtpServer, *args: str) -> Any:
    """The CLI configured like `portal`: its database, its var dir (the e-mail key), its SMTP."""
    environ: dict[str, str | None] = {k: None for k in os.environ if k.startswith("SHUYUAN_")}
    env = {"SHUYUAN_DATABASE_URL": portal.settings.database_url,
           "SHUYUAN_STORAGE_VAR_DIR": str(portal.var_dir),
           "SHUYUAN_MAIL_SMTP_HOST": "127.0.0.1", "SHUYUAN_MAIL_SMTP_PORT": str(smtp.port)}
    return CliRunner().invoke(main, ["mail", *args], env={**environ, **env})


def test_status_and_send_by_hand(mail_portal_factory: Callable[..., Portal],
                                 smtp: SmtpServer) -> None:
    portal = mail_portal_factory(smtp_host="127.0.0.1", smtp_port=smtp.port)
    reviewer, other = user_ids(portal, "reviewer", "other")
    with portal.session() as session, session.begin():
        notify(session, [reviewer, other], "share_request_overdue", "共享申请已超期",
               "申请已超过10个工作日未答复。")
    assert portal.jobs.wait_idle(10)  # the server is down: both wait for a retry

    status = invoke(portal, smtp, "status")
    assert status.exit_code == 0, status.output
    assert "pending 2 (due now 0), failed 0, sent 0" in status.output

    down = invoke(portal, smtp, "send", "--retry-now")
    assert down.exit_code == 1 and "sent 0" in down.output

    smtp.start()
    waiting = invoke(portal, smtp, "send")  # not yet due: nothing is tried
    assert waiting.exit_code == 0 and "sent 0" in waiting.output
    sent = invoke(portal, smtp, "send", "--retry-now")
    assert sent.exit_code == 0, sent.output
    assert "sent 2" in sent.output and "pending 0" in sent.output
    assert sorted(m.rcpt_tos[0] for m in smtp.inbox.messages) == \
        ["other@example.cn", "reviewer@example.cn"]
    assert smtp.inbox.messages[0].message["Subject"] == "共享申请已超期"
    assert "sent 2" in invoke(portal, smtp, "status").output
