"""The Flask application factory."""

from __future__ import annotations

import contextlib
import secrets
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from portal.request_guard import Utf8QueryString
from portal.services import Portal
from portal.settings import PROJECT_ROOT, Settings, write_private

THEMES_DIR = PROJECT_ROOT / "themes"


def _secret_key(portal: Portal) -> str:
    configured = portal.settings.get("site", "secret_key")
    if configured:
        return str(configured)
    path = portal.var_dir / "secret" / "flask.key"
    if not path.is_file():
        # 0600 from the start; another process of the portal may have made it meanwhile.
        with contextlib.suppress(FileExistsError):
            write_private(path, secrets.token_hex(32).encode())
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
    from portal.web.support import headers, limits

    app.register_blueprint(api_bp)
    init_web(app, theme)
    # After the sign-in hook: the page limits count a signed-in visitor by account.
    limits.init(app)
    headers.init(app)
    hops = int(portal.settings.get("security", "proxy_hops", 0))
    if hops > 0:  # the client's address and scheme as the reverse proxies in front saw them
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    app.wsgi_app = Utf8QueryString(app.wsgi_app)  # type: ignore[method-assign]
    app.wsgi_app = headers.EveryResponse(app.wsgi_app)  # type: ignore[method-assign]
    return app
