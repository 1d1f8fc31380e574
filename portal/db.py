"""Engine and session factory. SQLite by default, PostgreSQL by URL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from portal.settings import private_sqlite, sqlite_file

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def _json_loads(text: str) -> Any:
    """JSON columns read with orjson (several times faster: a rebuild reads every
    entry's), falling back to the standard parser for what orjson refuses (NaN)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def make_engine(url: str) -> Engine:
    kwargs: dict[str, Any] = {"future": True, "json_deserializer": _json_loads}
    if path := sqlite_file(url):
        private_sqlite(path)  # 0600 before SQLite makes it (and its -wal, -shm) 0644
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"timeout": 30, "check_same_thread": False}
    else:
        kwargs["pool_pre_ping"] = True
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, future=True)


def alembic_config(url: str) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the schema to `revision` with Alembic (`shuyuan db upgrade`)."""
    if path := sqlite_file(url):
        private_sqlite(path)
    command.upgrade(alembic_config(url), revision)
