"""Settings: config/default.toml, then the file in SHUYUAN_CONFIG, then SHUYUAN_* variables.

Settings are a frozen two-level mapping (section -> key -> value). Environment
variables name a section and a key joined by an underscore; since keys may hold
underscores themselves, the section is matched first against the known sections.

The var dir the settings name is the portal's alone (see "Private files" below):
folders under it are made 0700 and files 0600, whatever the process umask.
"""

from __future__ import annotations

import json
import logging
import os
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = PROJECT_ROOT / "config" / "default.toml"
ENV_PREFIX = "SHUYUAN_"


class SettingsError(Exception):
    """A settings file or variable that cannot be used."""


def config_path(raw: str) -> Path | None:
    """A file a setting names: absolute, else relative to the working directory, else
    to the project (config/... in a checkout); None for an empty setting."""
    if not raw:
        return None
    path = Path(raw)
    if path.is_absolute() or path.exists():
        return path
    return PROJECT_ROOT / path


def _merge(base: dict[str, Any], override: Mapping[str, Any]) -> None:
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value


def _coerce(raw: str, current: Any) -> Any:
    """Environment values are strings; give them the type of the default."""
    if isinstance(current, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(current, int):
        return int(raw)
    if isinstance(current, float):
        return float(raw)
    if isinstance(current, list):
        return json.loads(raw) if raw.startswith("[") else [p.strip() for p in raw.split(",")]
    return raw


def _apply_env(data: dict[str, Any], environ: Mapping[str, str]) -> None:
    for name, raw in environ.items():
        if not name.startswith(ENV_PREFIX) or name == ENV_PREFIX + "CONFIG":
            continue
        rest = name[len(ENV_PREFIX):].lower()
        for section in sorted(data, key=len, reverse=True):
            if rest.startswith(section + "_") and isinstance(data[section], dict):
                key = rest[len(section) + 1:]
                try:
                    data[section][key] = _coerce(raw, data[section].get(key, ""))
                except ValueError as exc:
                    raise SettingsError(f"{name}: {exc}") from exc
                break


@dataclass(frozen=True)
class Settings:
    data: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def get(self, section: str, key: str, default: Any = None) -> Any:
        return self.data.get(section, {}).get(key, default)

    @property
    def var_dir(self) -> Path:
        return Path(self.get("storage", "var_dir", "var")).resolve()

    @property
    def database_url(self) -> str:
        url = self.get("database", "url") or ""
        return url or f"sqlite:///{self.var_dir / 'shuyuan.db'}"

    @property
    def blob_dir(self) -> Path:
        return self.var_dir / "blobs"

    def with_overrides(self, overrides: Mapping[str, Mapping[str, Any]]) -> Settings:
        data = json.loads(json.dumps(self.data))
        _merge(data, overrides)
        return Settings(data)


def load_settings(
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> Settings:
    environ = os.environ if environ is None else environ
    try:
        data: dict[str, Any] = tomllib.loads(DEFAULT_CONFIG.read_text(encoding="utf-8"))
        extra = environ.get(ENV_PREFIX + "CONFIG")
        if extra:
            _merge(data, tomllib.loads(Path(extra).read_text(encoding="utf-8")))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SettingsError(f"cannot read settings: {exc}") from exc
    _apply_env(data, environ)
    if overrides:
        _merge(data, overrides)
    return Settings(data)


def instance_settings(var_dir: Path, database_url: str, site_url: str = "http://127.0.0.1:5000",
                      **sections: dict[str, Any]) -> Settings:
    """Settings for a portal instance of its own (tests, benchmarks): the defaults with this
    var dir, database and site URL, plus any sections given; the environment is ignored."""
    overrides: dict[str, dict[str, Any]] = {
        "storage": {"var_dir": str(var_dir)},
        "database": {"url": database_url},
        "site": {"url": site_url},
    }
    # Rate limits would throttle a test or a benchmark hammering its own portal: off
    # unless the caller gives a limits section.
    overrides["limits"] = {"enabled": False}
    for name, values in sections.items():
        overrides.setdefault(name, {}).update(values)
    return load_settings(environ={}, overrides=overrides)


# --- Private files --------------------------------------------------------------------------
# var/ holds the databases (the datastore keeps departments' raw drafts), the keys, the
# blobs and the search index. Modes are given at creation, whatever the umask (which only
# takes bits away): folders by mkdir(0o700), files by os.open(..., 0o600). SQLite makes a
# database's -wal and -shm files with the mode of the database file, so that file is made
# first, empty (an empty file is a valid database). What an earlier version left readable
# by others (var/ itself, database files) is tightened when a portal opens it.

DIR_MODE = 0o700
FILE_MODE = 0o600
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def private_dir(path: Path) -> Path:
    """Make `path` and its missing parents 0700 (parents that exist are left alone)."""
    missing = []
    current = path
    while not current.exists() and current.parent != current:
        missing.append(current)
        current = current.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=DIR_MODE)
        except FileExistsError:  # another thread or process made it meanwhile
            continue
    return path


def tighten(path: Path, mode: int) -> None:
    """Take group and other permissions away from a path of ours that has them."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return
    if info.st_uid != os.getuid() or not stat.S_IMODE(info.st_mode) & 0o077:
        return
    log.warning("%s was open to others (%o): made %o", path, stat.S_IMODE(info.st_mode), mode)
    path.chmod(mode)


def private_file(path: Path) -> Path:
    """Create `path` empty with 0600 unless it exists (then tighten it)."""
    private_dir(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        tighten(path, FILE_MODE)
    else:
        os.close(fd)
    return path


def write_private(path: Path, data: bytes) -> None:
    """Write a new file (a key) readable by its owner only, never briefly by others."""
    private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def sqlite_file(url: str) -> Path | None:
    """The file of an sqlite:/// URL; None for other databases and in-memory ones."""
    if not url.startswith("sqlite:///"):
        return None
    raw = url.removeprefix("sqlite:///").split("?", 1)[0]
    return Path(raw) if raw and raw != ":memory:" else None


def private_sqlite(path: Path) -> Path:
    """The database file made (or tightened) 0600 before SQLite opens it; journal files
    an earlier version left open to others tightened too."""
    private_file(path)
    for suffix in SQLITE_SIDE_FILES:
        tighten(path.with_name(path.name + suffix), FILE_MODE)
    return path


def secure_var_dir(var_dir: Path) -> Path:
    """var/ itself: made 0700, or tightened to it."""
    private_dir(var_dir)
    tighten(var_dir, DIR_MODE)
    return var_dir
