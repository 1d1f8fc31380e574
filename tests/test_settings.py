"""Settings precedence: default.toml < SHUYUAN_CONFIG file < SHUYUAN_* variables."""

import pytest

from portal.settings import SettingsError, load_settings


def test_defaults_put_sqlite_under_var():
    settings = load_settings(environ={})
    assert settings.database_url.startswith("sqlite:///")
    assert settings.database_url.endswith("/var/shuyuan.db")
    assert settings.get("api", "max_rows") == 1000


def test_file_overrides_defaults_and_environment_overrides_file(tmp_path):
    extra = tmp_path / "site.toml"
    extra.write_text('[site]\ntitle = "测试门户"\n[api]\nmax_rows = 50\n', encoding="utf-8")
    env = {"SHUYUAN_CONFIG": str(extra), "SHUYUAN_API_MAX_ROWS": "20",
           "SHUYUAN_DATABASE_URL": "postgresql+psycopg2://u@h/db"}
    settings = load_settings(environ=env)
    assert settings.get("site", "title") == "测试门户"
    assert settings.get("api", "max_rows") == 20  # typed like the default
    assert settings.database_url == "postgresql+psycopg2://u@h/db"


def test_keys_with_underscores_are_matched_to_their_section():
    settings = load_settings(environ={"SHUYUAN_STORAGE_MAX_UPLOAD_BYTES": "1234",
                                      "SHUYUAN_SITE_LOCALE_DEFAULT": "en"})
    assert settings.get("storage", "max_upload_bytes") == 1234
    assert settings.get("site", "locale_default") == "en"


def test_a_broken_settings_file_is_reported_not_a_traceback(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[site\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="cannot read settings"):
        load_settings(environ={"SHUYUAN_CONFIG": str(bad)})


def test_a_non_numeric_value_for_a_number_is_reported():
    with pytest.raises(SettingsError, match="SHUYUAN_API_MAX_ROWS"):
        load_settings(environ={"SHUYUAN_API_MAX_ROWS": "many"})
