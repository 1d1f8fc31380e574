"""Settings: config/default.toml, then the file in SHUYUAN_CONFIG, then SHUYUAN_* variables.

Settings are a frozen two-level mapping (section -> key -> value). Environment
variables name a section and a key joined by an underscore; since keys may hold
underscores themselves, the section is matched first against the known sections.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
    for name, values in sections.items():
        overrides.setdefault(name, {}).update(values)
    return load_settings(environ={}, overrides=overrides)
