"""The Flask application factory."""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import Flask

from portal.request_guard import Utf8QueryString
from portal.services import Portal
from portal.settings import PROJECT_ROOT, Settings

THEMES_DIR = PROJECT_ROOT / "themes"


def _secret_key(portal: Portal) -> str:
    configured = portal.settings.get("site", "secret_key")
    if configured:
        return str(configured)
    path = portal.var_dir / "secret" / "flask.key"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def create_app(portal: Portal | None = None, settings: Settings | None = None) -> Flask:
    portal = portal or Portal(settings)
    theme = Path(THEMES_DIR / str(portal.settings.get("site", "theme", "default")))
    app = Flask(
        "portal",
        template_folder=str(theme / "templates"),
        static_folder=str(theme / "static"),
        static_url_path="/static",
    )
    app.config["SECRET_KEY"] = _secret_key(portal)
    app.config["JSON_AS_ASCII"] = False
    # Leave 1 MiB for the form fields around an upload at the size limit.
    app.config["MAX_CONTENT_LENGTH"] = int(portal.settings.get("storage", "max_upload_bytes")) + 2**20
    app.extensions["shuyuan"] = portal

    from portal.api.action import bp as api_bp
    from portal.web import init_web

    app.register_blueprint(api_bp)
    init_web(app, theme)
    app.wsgi_app = Utf8QueryString(app.wsgi_app)  # type: ignore[method-assign]
    return app
