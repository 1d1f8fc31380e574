"""The `shuyuan` command line. Each command calls actions (as the local SYSTEM
caller) or the portal's services; none touches tables directly."""

from __future__ import annotations

import os
import sys
from datetime import date
from typing import Any

import click

from portal.core.errors import ActionError, ValidationError
from portal.settings import SettingsError, load_settings, secure_var_dir


def _portal() -> Any:
    from portal.services import Portal

    try:
        return Portal(load_settings())
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


def _call(portal: Any, name: str, params: dict[str, Any]) -> Any:
    from portal.core.context import SYSTEM

    try:
        return portal.call(name, params, user=SYSTEM)
    except ValidationError as exc:
        fields = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.errors.items())
        raise click.ClickException(f"{name} refused: {fields}") from None
    except ActionError as exc:
        raise click.ClickException(f"{name} failed: {exc.message}") from None


class _Commands(click.Group):
    """Expected failures end as a one-line error and exit 1, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        from sqlalchemy.exc import OperationalError, ProgrammingError

        try:
            return super().invoke(ctx)
        except SettingsError as exc:  # raised by load_settings() in any command
            raise click.ClickException(str(exc)) from None
        except (OperationalError, ProgrammingError) as exc:
            # No such table (not initialised) or no database server to talk to.
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise click.ClickException(
                f"the database cannot be used: {reason} (is it running, and was "
                "`shuyuan init` run?)") from None


@click.group(cls=_Commands)
def main() -> None:
    """Shuyuan (数源) open-government-data portal."""
    # What the portal writes under var/ (databases, keys, blobs, the search index) is its
    # own, whatever umask the shell had: files 0600, folders 0700. The portal gives these
    # modes itself where it creates files; this covers what libraries create (tantivy).
    os.umask(0o077)


@main.command()
def init() -> None:
    """Create ./var and bring the database schema up to date."""
    from portal.db import upgrade

    settings = load_settings()
    secure_var_dir(settings.var_dir)
    upgrade(settings.database_url)
    click.echo(f"initialised {settings.var_dir} ({settings.database_url.split('://')[0]})")


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply Alembic migrations."""
    from alembic.util.exc import CommandError

    from portal.db import upgrade

    try:
        upgrade(load_settings().database_url, revision)
    except CommandError as exc:  # e.g. an unknown --revision
        raise click.ClickException(f"db upgrade: {exc}") from None
    click.echo(f"database at {revision}")


def _serve(portal: Any, host: str, port: int) -> None:
    from waitress import serve

    from portal.actions.datastore_loads import resume_unfinished
    from portal.app import create_app
    from portal.raw_utf8_uri import install as accept_raw_utf8_uris

    accept_raw_utf8_uris()
    if resumed := resume_unfinished(portal):
        click.echo(f"loading {resumed} tables left unfinished into the datastore")
    # Applies changes a stopped process committed but did not index.
    portal.start_search()

    threads = int(portal.settings.get("server", "threads", 8))
    click.echo(f"serving on http://{host}:{port}/ (Ctrl+C to stop)")
    serve(create_app(portal), host=host, port=port, threads=threads, ident="shuyuan")


def _with_site_url(host: str, port: int) -> Any:
    from portal.services import Portal

    settings = load_settings()
    default = f"http://{settings.get('server', 'host')}:{settings.get('server', 'port')}"
    if settings.get("site", "url") == default:
        settings = settings.with_overrides({"site": {"url": f"http://{host}:{port}"}})
    return Portal(settings)


@main.command()
@click.option("--host", default=None, help="Address to listen on (settings: server.host).")
@click.option("--port", default=None, type=int, help="Port (settings: server.port).")
def serve(host: str | None, port: int | None) -> None:
    """Serve the portal with a production WSGI server (waitress)."""
    settings = load_settings()
    host = host or settings.get("server", "host")
    port = port or int(settings.get("server", "port"))
    _serve(_with_site_url(host, port), host, port)


@main.command()
@click.option("--no-serve", is_flag=True, help="Load the demo county and exit.")
@click.option("--port", default=None, type=int)
@click.option("--host", default=None)
def demo(no_serve: bool, port: int | None, host: str | None) -> None:
    """Initialise ./var, load the fictional demo county, then serve it."""
    from portal.db import upgrade
    from portal.demo import load_demo

    settings = load_settings()
    host = host or settings.get("server", "host")
    port = port or int(settings.get("server", "port"))
    upgrade(settings.database_url)
    portal = _with_site_url(host, port)
    load_demo(portal, echo=click.echo)
    if not no_serve:
        _serve(portal, host, port)
    elif portal.jobs.pending():
        click.echo("loading the demo's tables into the datastore ...")
        portal.jobs.wait_idle(timeout=None)


@main.group()
def user() -> None:
    """User accounts."""


@user.command("create")
@click.argument("name")
@click.option("--sysadmin", is_flag=True, help="Bureau staff: may approve and administer.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--email", default=None)
@click.option("--fullname", default="")
@click.option("--org", "orgs", multiple=True, metavar="ORG:ROLE",
              help="Membership, e.g. --org edu:editor (repeatable).")
def user_create(name: str, sysadmin: bool, password_stdin: bool, email: str | None,
                fullname: str, orgs: tuple[str, ...]) -> None:
    """Create a user."""
    from portal.models.accounts import ROLES

    portal = _portal()
    params: dict[str, Any] = {"name": name, "sysadmin": sysadmin, "fullname": fullname}
    if password_stdin:
        params["password"] = sys.stdin.readline().rstrip("\r\n")
        if not params["password"]:
            raise click.ClickException("--password-stdin: no password on standard input")
    if email:
        params["email"] = email
    # Check every --org before creating the user: a bad one used to fail only after
    # the user existed, leaving half of what was asked for.
    memberships = []
    for spec in orgs:
        org, _, role = spec.partition(":")
        if (role or "member") not in ROLES:
            raise click.ClickException(f"--org {spec}: the role must be one of "
                                       f"{', '.join(ROLES)}")
        memberships.append({"id": _call(portal, "organization_show", {"id": org})["id"],
                            "username": name, "role": role or "member"})
    created = _call(portal, "user_create", params)
    for membership in memberships:
        _call(portal, "organization_member_create", membership)
    click.echo(f"created user {created['name']}" + (" (sysadmin)" if sysadmin else ""))


@main.group()
def token() -> None:
    """API tokens."""


@token.command("create")
@click.argument("username")
@click.option("--name", default="cli", help="A label for the token.")
def token_create(username: str, name: str) -> None:
    """Create an API token for USERNAME and print it."""
    result = _call(_portal(), "api_token_create", {"user": username, "name": name})
    click.echo(result["token"])


@main.group()
def datastore() -> None:
    """Tables of tabular resources (CKAN's DataStore)."""


class _LoadProgress:
    """tqdm bars on stderr: rows read, then indexes built."""

    def __init__(self) -> None:
        self.bar: Any = None
        self.phase = ""

    def __call__(self, phase: str, count: int) -> None:
        from tqdm import tqdm

        if phase != self.phase:
            self.close()
            unit = " rows" if phase == "reading" else " indexes"
            self.bar = tqdm(desc=phase, unit=unit, unit_scale=phase == "reading",
                            file=sys.stderr, dynamic_ncols=True)
            self.phase = phase
        self.bar.update(count - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


@datastore.command("load")
@click.argument("resource_id")
def datastore_load(resource_id: str) -> None:
    """Load RESOURCE_ID's uploaded file into its datastore table now."""
    from portal.actions.datastore_loads import LoadFailed, run_load

    portal = _portal()
    try:
        _call(portal, "resource_show", {"id": resource_id})
        progress = _LoadProgress()
        try:
            result = run_load(portal, resource_id, progress=progress)
        finally:
            progress.close()
    except LoadFailed as exc:
        raise click.ClickException(f"load failed: {exc}") from None
    finally:
        portal.dispose()
    if result is None:
        raise click.ClickException(f"resource {resource_id} has no uploaded file to load")
    rate = result.rows / result.seconds if result.seconds else 0
    click.echo(f"loaded {result.rows} rows into {resource_id} in {result.seconds:.2f} s "
               f"({rate:,.0f} rows/s); indexes in {result.index_seconds:.2f} s")
    for issue in result.issues[:5]:
        click.echo(f"  row {issue.row + 1}: {issue.message}", err=True)


@main.group()
def search() -> None:
    """The search index (embedded tantivy, or an OpenSearch/Elasticsearch cluster)."""


def _bar(desc: str) -> Any:
    from tqdm import tqdm

    bar = tqdm(desc=desc, unit=" datasets", file=sys.stderr, dynamic_ncols=True)

    def progress(done: int, total: int) -> None:
        bar.total = total
        bar.update(done - bar.n)

    return bar, progress


@search.command("reindex")
@click.option("--workers", default=None, type=click.IntRange(1, 64),
              help="Tokenising processes (settings: search.reindex_workers).")
def search_reindex(workers: int | None) -> None:
    """Build a new index from the database and swap it in (searches go on meanwhile)."""
    import time

    from portal.search.backend import SearchBackendError

    portal = _portal()
    bar, progress = _bar("indexing")
    started = time.perf_counter()
    try:
        portal.start_search()
        count = portal.search.rebuild(progress=progress, workers=workers)
    except SearchBackendError as exc:
        raise click.ClickException(f"reindex failed, the old index stays live: {exc}") from None
    finally:
        bar.close()
        portal.dispose()
    seconds = time.perf_counter() - started
    click.echo(f"indexed {count} datasets in {seconds:.1f} s "
               f"({count / seconds if seconds else 0:,.0f}/s)")


@search.command("check")
@click.option("--fix", is_flag=True, help="Re-index what is missing, stale or extra.")
def search_check(fix: bool) -> None:
    """Compare the index with the database; exit 1 when they differ (unless --fix)."""
    from portal.search.backend import SearchBackendError

    portal = _portal()
    bar, progress = _bar("checking")
    try:
        portal.start_search()
        report = portal.search.check(fix=fix, progress=progress)
        after = portal.search.check() if fix and not report.consistent else report
    except SearchBackendError as exc:
        raise click.ClickException(f"search check failed: {exc}") from None
    finally:
        bar.close()
        portal.dispose()
    click.echo(f"checked {report.checked} datasets: {len(report.missing)} missing from the "
               f"index, {len(report.stale)} stale, {len(report.extra)} in the index only")
    for label, ids in (("missing", report.missing), ("stale", report.stale),
                       ("extra", report.extra)):
        for dataset_id in ids[:20]:
            click.echo(f"  {label}: {dataset_id}")
        if len(ids) > 20:
            click.echo(f"  … and {len(ids) - 20} more {label}")
    if fix and not report.consistent:
        click.echo("fixed" if after.consistent else "still inconsistent after --fix")
    if not after.consistent:
        sys.exit(1)


@main.group()
def workdays() -> None:
    """Chinese working days (chinese-calendar plus config/holidays.toml)."""


@workdays.command("add")
@click.argument("start")
@click.argument("days", type=int)
def workdays_add(start: str, days: int) -> None:
    """Print the date DAYS working days after START (YYYY-MM-DD)."""
    from datetime import date

    from portal.workdays import CalendarError, calendar_from

    try:
        begin = date.fromisoformat(start)
    except ValueError:
        raise click.ClickException(f"{start!r} is not a date (YYYY-MM-DD)") from None
    try:
        calendar = calendar_from(load_settings())
        due = calendar.add(begin, days)
    except (CalendarError, SettingsError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    # A year without holiday data is counted anyway; the calendar logs a warning.
    click.echo(due.isoformat())


@main.group()
def audit() -> None:
    """The tamper-evident audit log."""


@audit.command("verify")
@click.option("--no-checkpoint", is_flag=True,
              help="Do not sign the verified head into the checkpoint file.")
@click.option("--seal-legacy", is_flag=True,
              help="The log predates keyed entries and the chain key was set before the "
                   "upgrade: pin its unkeyed entries (once, when it has no checkpoints).")
def audit_verify(no_checkpoint: bool, seal_legacy: bool) -> None:
    """Check the HMAC chain against its key and every signed checkpoint; exit 1 naming
    the first bad entry. An intact head is then signed as a checkpoint."""
    click.echo(_audit_check(checkpoint=not no_checkpoint, seal_legacy=seal_legacy)[0])


@audit.command("checkpoint")
def audit_checkpoint() -> None:
    """Verify, then sign the head and print the checkpoint line (mail or copy it off
    the server: a copy the attacker cannot reach shows a rewritten log)."""
    from portal.audit_keys import AuditKeys, public_key_text

    message, line = _audit_check(checkpoint=True)
    public = AuditKeys(load_settings()).verify_key()
    click.echo(f"{message}; checkpoint public key {public_key_text(public) if public else '?'}",
               err=True)
    click.echo(line)


def _audit_check(*, checkpoint: bool, seal_legacy: bool = False) -> tuple[str, str]:
    """Verify (pinning a log from before keying first); the message and the signed line."""
    from portal import audit as audit_log
    from portal.audit_keys import AuditKeyError

    portal = _portal()
    line = ""
    try:
        with portal.session() as session:
            sealed = audit_log.seal_legacy(session, key_given=seal_legacy)
            result = audit_log.verify(session)
            if result.ok and checkpoint:
                line = portal.audit_log.checkpoint(session)
    except (AuditKeyError, OSError, audit_log.AuditUnavailable) as exc:
        raise click.ClickException(f"audit log not checked: {exc}") from None
    finally:
        portal.dispose()
    if not result.ok:
        click.echo(f"audit log damaged: {result.problem}", err=True)
        sys.exit(1)
    legacy = " (the entries from before keying are pinned by a signed checkpoint)" \
        if sealed else ""
    signed = "; head signed" if checkpoint else ""
    return f"audit log intact: {result.checked} entries{signed}{legacy}", line


@main.group()
def mail() -> None:
    """The e-mail outbox of notifications ([mail] settings)."""


@mail.command("send")
@click.option("--retry-now", is_flag=True,
              help="Also send messages still waiting out their retry delay.")
def mail_send(retry_now: bool) -> None:
    """Send the pending e-mail now; exit 1 when any could not be sent."""
    portal = _portal()
    try:
        result = portal.mail.drain(retry_now=retry_now)
        status = portal.mail.status()
    finally:
        portal.dispose()
    click.echo(f"sent {result.sent}, skipped {result.skipped}, to retry {result.retrying}, "
               f"failed {result.failed}; pending {status['pending']}")
    if result.retrying or result.failed:
        sys.exit(1)


@mail.command("status")
def mail_status() -> None:
    """Count outbox messages by state."""
    portal = _portal()
    try:
        status = portal.mail.status()
    finally:
        portal.dispose()
    click.echo(f"pending {status['pending']} (due now {status['due']}), failed "
               f"{status['failed']}, sent {status['sent']}, skipped {status['skipped']}")


@main.group()
def changes() -> None:
    """Catalog changes (Art. 19) and their working-day deadlines."""


@changes.command("overdue")
@click.option("--on", "on", default=None, metavar="YYYY-MM-DD",
              help="Count as of this date in China (default: today).")
def changes_overdue(on: str | None) -> None:
    """List changes past a deadline not yet met; exit 1 when there are any."""
    try:
        day = date.fromisoformat(on) if on else None
    except ValueError:
        raise click.BadParameter(f"{on!r} is not a date (YYYY-MM-DD)", param_hint="--on") from None
    portal = _portal()
    if day is not None:
        portal.clock.set(day)
    try:
        found: list[dict[str, Any]] = []
        while True:  # page through: the action answers at most 1000 at a time
            page = _call(portal, "catalog_change_list",
                         {"overdue": True, "limit": 1000, "offset": len(found)})
            found += page
            if len(page) < 1000:
                break
    finally:
        portal.dispose()
    for change in found:
        # The report cannot come before the update: a missed update is the one to chase.
        step = "update" if change["update_overdue"] else "report"
        late = -change[f"{step}_days_left"]
        click.echo(f"{change['organization']}\t{change['kind']}\t{step} due "
                   f"{change[f'{step}_due']}\t{late} working day(s) late\t{change['id']}")
    click.echo(f"{len(found)} overdue catalog change(s)", err=True)
    if found:
        sys.exit(1)


if __name__ == "__main__":
    main()
